//go:build (linux || darwin) && (amd64 || arm64 || riscv64 || ppc64le || loong64 || s390x || mips64 || mips64le || ppc64)

package wasm

import (
	"context"
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// withMemory makes the module's linear memory an address range reserved
// once (mmap, no access) and made accessible as the guest grows it.
//
// wazero's default memory is a Go slice grown by append: every time the
// guest's heap outgrows the slice's capacity, the whole memory is copied
// to a new one, and each memory.grow zeroes its pages. Go's runtime grows
// the guest heap half a megabyte at a time, so a busy instance spent
// whole milliseconds (and, for the copies, tens of milliseconds) in
// growth. Reserved memory never moves, and fresh pages come zeroed from
// the kernel on first touch.
func withMemory(ctx context.Context) context.Context {
	return experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(newMmapMemory))
}

type mmapMemory struct {
	buf       []byte // the whole reservation
	committed int    // bytes made readable and writable
	fallback  []byte // used when the reservation failed
}

// newMmapMemory reserves max bytes of address space (4 GiB for a module
// without a declared maximum). Only address space: nothing is committed.
func newMmapMemory(_, max uint64) experimental.LinearMemory {
	m := &mmapMemory{}
	if max > 0 && max <= 1<<32 {
		b, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON|mapNoReserve)
		if err == nil {
			m.buf = b
		}
	}
	return m
}

const pageAlign = 1 << 16 // a wasm page; a multiple of the OS page size

func (m *mmapMemory) Reallocate(size uint64) []byte {
	if m.buf == nil {
		// No reservation: an ordinary slice, doubling its capacity.
		if size > uint64(cap(m.fallback)) {
			nb := make([]byte, size, max(size, 2*uint64(cap(m.fallback))))
			copy(nb, m.fallback)
			m.fallback = nb
		}
		m.fallback = m.fallback[:size]
		return m.fallback
	}
	if size > uint64(len(m.buf)) {
		return nil
	}
	if n := int((size + pageAlign - 1) &^ (pageAlign - 1)); n > m.committed {
		if err := syscall.Mprotect(m.buf[m.committed:n], syscall.PROT_READ|syscall.PROT_WRITE); err != nil {
			return nil
		}
		m.committed = n
	}
	return m.buf[:size:size]
}

func (m *mmapMemory) Free() {
	if m.buf != nil {
		syscall.Munmap(m.buf)
		m.buf = nil
	}
	m.fallback = nil
}
