//go:build (linux || darwin) && (amd64 || arm64 || riscv64 || ppc64le || loong64 || s390x || mips64 || mips64le || ppc64)

package wasm

import (
	"testing"
	"unsafe"
)

// TestMmapMemory checks the reserved linear memory: it grows in place
// (the address never moves, so nothing is copied), new pages read as
// zeros, and it refuses to grow past its reservation.
func TestMmapMemory(t *testing.T) {
	const max = 64 << 20
	m := newMmapMemory(0, max).(*mmapMemory)
	defer m.Free()
	if m.buf == nil {
		t.Skip("address space reservation refused here; the fallback is tested below")
	}
	b := m.Reallocate(1 << 16)
	base := unsafe.SliceData(b)
	for i := range b {
		b[i] = 0xff
	}
	b = m.Reallocate(3<<20 + 123)
	if len(b) != 3<<20+123 || unsafe.SliceData(b) != base {
		t.Fatalf("grown memory moved or has length %d", len(b))
	}
	if b[1<<16-1] != 0xff || b[1<<16] != 0 || b[len(b)-1] != 0 {
		t.Fatal("old bytes lost or new bytes not zero")
	}
	b[len(b)-1] = 1 // writable up to its length
	if m.Reallocate(max+1) != nil {
		t.Fatal("grew past the reservation")
	}
	if b := m.Reallocate(max); len(b) != max || unsafe.SliceData(b) != base {
		t.Fatal("could not grow to the reservation")
	}
}

func TestFallbackMemory(t *testing.T) {
	m := &mmapMemory{} // as when the reservation fails
	b := m.Reallocate(10)
	b[9] = 7
	b = m.Reallocate(1000)
	if len(b) != 1000 || b[9] != 7 || b[999] != 0 {
		t.Fatal("fallback memory lost bytes or is not zero")
	}
	m.Free()
}
