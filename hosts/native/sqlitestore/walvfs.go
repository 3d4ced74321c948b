package sqlitestore

import (
	"encoding/binary"
	"net/url"
	"path/filepath"
	"sync"

	"github.com/ncruces/go-sqlite3/vfs"
)

// The store opens its files through vfsName, the default VFS except for the
// WAL: SQLite appends each frame with two writes (its 24-byte header, then
// the page), a system call each, so a commit of n pages costs 2n system
// calls. walFile gathers a commit's consecutive writes and hands them to the
// OS in one write when the commit frame is complete, before SQLite publishes
// the commit in the WAL-index (which it does only after the last frame's
// write returned). The OS has the whole commit before the commit returns,
// as with the plain VFS, so a process kill loses nothing acknowledged; syncs
// (synchronous=FULL, checkpoints) happen as before, after a flush.
const vfsName = "folio-walbatch"

var registerVFS sync.Once

// fileURI is the URI that opens path through vfsName.
func fileURI(path string) string {
	registerVFS.Do(func() { vfs.Register(vfsName, batchVFS{vfs.Find("os").(vfs.VFSFilename)}) })
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: "vfs=" + vfsName}
	return u.String()
}

type batchVFS struct{ vfs.VFSFilename }

func (v batchVFS) OpenFilename(name *vfs.Filename, flags vfs.OpenFlag) (vfs.File, vfs.OpenFlag, error) {
	f, out, err := v.VFSFilename.OpenFilename(name, flags)
	if err != nil || flags&vfs.OPEN_WAL == 0 {
		return f, out, err
	}
	return &walFile{File: f}, out, nil
}

// walFile buffers consecutive writes to a WAL file until a commit frame is
// complete (or maxBuffer bytes); any other use of the file writes the
// buffer out first.
type walFile struct {
	vfs.File
	buf    []byte
	off    int64 // the file offset of buf[0]
	commit bool  // the last write was the header of a commit frame
}

const maxBuffer = 1 << 20

// A WAL frame header: page number (4 bytes), then, in a commit frame, the
// database size in pages after the commit (nonzero), then salts and
// checksums.
const frameHeaderSize = 24

func (f *walFile) WriteAt(p []byte, off int64) (int, error) {
	if len(f.buf) > 0 && off != f.off+int64(len(f.buf)) {
		if err := f.flush(); err != nil {
			return 0, err
		}
	}
	if len(f.buf) == 0 {
		f.off = off
	}
	f.buf = append(f.buf, p...)
	switch {
	case len(p) == frameHeaderSize:
		f.commit = binary.BigEndian.Uint32(p[4:8]) != 0
	case f.commit || len(f.buf) >= maxBuffer:
		// The page of a commit frame: the commit is complete.
		f.commit = false
		if err := f.flush(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (f *walFile) flush() error {
	if len(f.buf) == 0 {
		return nil
	}
	_, err := f.File.WriteAt(f.buf, f.off)
	f.buf = f.buf[:0]
	if cap(f.buf) > 4*maxBuffer {
		f.buf = nil
	}
	return err
}

func (f *walFile) ReadAt(p []byte, off int64) (int, error) {
	if err := f.flush(); err != nil {
		return 0, err
	}
	return f.File.ReadAt(p, off)
}

func (f *walFile) Truncate(size int64) error {
	if err := f.flush(); err != nil {
		return err
	}
	return f.File.Truncate(size)
}

func (f *walFile) Sync(flags vfs.SyncFlag) error {
	if err := f.flush(); err != nil {
		return err
	}
	return f.File.Sync(flags)
}

func (f *walFile) Size() (int64, error) {
	if err := f.flush(); err != nil {
		return 0, err
	}
	return f.File.Size()
}

func (f *walFile) Close() error {
	err := f.flush()
	if err2 := f.File.Close(); err == nil {
		err = err2
	}
	return err
}

// Unwrap implements vfs.FileUnwrap.
func (f *walFile) Unwrap() vfs.File { return f.File }
