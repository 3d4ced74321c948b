//go:build linux || darwin

package sqlitestore

import (
	"os"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// The WAL-index (the "-shm" file, which every connection to the file maps)
// begins with two copies of a 48-byte header that a writer rewrites on every
// commit (its change counter moves), second copy first. Mapping it lets the
// store tell, with a few memory loads and no lock, whether anyone committed
// since it last looked: SQLite's own check costs file-lock system calls.
//
// Only where go-sqlite3 locks the WAL-index with open-file-description locks
// (Linux, macOS): there, opening and closing a descriptor of our own does not
// drop the connection's locks.
const walHdrSize = 48

type walHeader [walHdrSize / 4]uint32

// mapShm maps the start of path's WAL-index read-only, or returns nil when
// that is not possible (no file yet, too small).
func mapShm(path string) []byte {
	f, err := os.Open(path + "-shm")
	if err != nil {
		return nil
	}
	defer f.Close() // the mapping outlives the descriptor
	fi, err := f.Stat()
	if err != nil || fi.Size() < 2*walHdrSize {
		return nil
	}
	m, err := syscall.Mmap(int(f.Fd()), 0, 2*walHdrSize, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil
	}
	return m
}

func unmapShm(m []byte) {
	if m != nil {
		syscall.Munmap(m)
	}
}

// readHeader reads the header's first copy, then the second, as SQLite's
// readers do (a writer writes them in the other order); ok is false when
// they differ (a commit is being published) or the mapping faults.
func readHeader(m []byte) (h walHeader, ok bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	p := (*[2 * walHdrSize / 4]uint32)(unsafe.Pointer(unsafe.SliceData(m)))
	for i := range h {
		h[i] = atomic.LoadUint32(&p[i])
	}
	for i := range h {
		if atomic.LoadUint32(&p[len(h)+i]) != h[i] {
			return h, false
		}
	}
	return h, true
}
