//go:build wasip1

package main

import (
	"encoding/binary"
	"errors"
	"unsafe"

	"github.com/foliodb/folio/core/store"
)

// The page store, served by the host. See ../ABI.md for every import.

//go:wasmimport folio store_begin
func storeBegin(writable int32) int32

//go:wasmimport folio store_get
func storeGet(tx int32, key unsafe.Pointer, keyLen int32, out unsafe.Pointer, outCap int32) int32

//go:wasmimport folio store_put
func storePut(tx int32, key unsafe.Pointer, keyLen int32, page unsafe.Pointer, pageLen int32) int32

//go:wasmimport folio store_delete
func storeDelete(tx int32, key unsafe.Pointer, keyLen int32) int32

//go:wasmimport folio store_scan
func storeScan(tx int32, start unsafe.Pointer, startLen int32, end unsafe.Pointer, endLen int32, flags int32, out unsafe.Pointer, outCap int32) int32

//go:wasmimport folio store_commit
func storeCommit(tx int32) int32

//go:wasmimport folio store_rollback
func storeRollback(tx int32) int32

//go:wasmimport folio store_version
func storeVersion(tx int32) int64

//go:wasmimport folio store_error
func storeError(out unsafe.Pointer, outCap int32) int32

// Results of the store imports.
const (
	resMissing = -1 // store_get: no such key
	resError   = -2 // any import: the host store failed; store_error has the text
)

// Flags of store_scan.
const (
	scanReverse = 1 << 0
	scanNoEnd   = 1 << 1 // end is nil: no upper bound
)

// Batch sizes of store_scan: the first batch is small because most scans
// stop after a few records (a range lookup); later ones are larger.
const (
	scanFirstBatch = 2 << 10
	scanNextBatch  = 32 << 10
	getScratch     = 4 << 10
)

func ptr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }

// hostError fetches the text of the host store's last failure.
func hostError() error {
	buf := make([]byte, 512)
	n := storeError(ptr(buf), int32(len(buf)))
	if n < 0 {
		n = 0
	}
	if int(n) > len(buf) {
		n = int32(len(buf))
	}
	return errors.New(string(buf[:n]))
}

// hostStore is store.Store over the imports.
type hostStore struct {
	tx hostTx // one transaction at a time, like the engine
}

// changesStore is a hostStore whose host store is shared with other
// connections (flag at init); it reports the host's change counter.
type changesStore struct{ *hostStore }

func (s changesStore) ExternalVersion(t store.Tx) (uint64, error) {
	v := storeVersion(t.(*hostTx).id)
	if v < 0 {
		return 0, hostError()
	}
	return uint64(v), nil
}

var errTxDone = errors.New("folio.wasm: transaction has ended")

func (s *hostStore) Begin(writable bool) (store.Tx, error) {
	w := int32(0)
	if writable {
		w = 1
	}
	id := storeBegin(w)
	if id < 0 {
		return nil, hostError()
	}
	s.tx = hostTx{id: id, scratch: s.tx.scratch}
	return &s.tx, nil
}

func (s *hostStore) Close() error { return nil } // the host owns the store

type hostTx struct {
	id      int32
	done    bool
	scratch []byte
}

// Get returns a fresh copy of the page: the engine may keep it while it
// reads other pages.
func (t *hostTx) Get(key []byte) ([]byte, bool, error) {
	if t.done {
		return nil, false, errTxDone
	}
	if t.scratch == nil {
		t.scratch = make([]byte, getScratch)
	}
	n := storeGet(t.id, ptr(key), int32(len(key)), ptr(t.scratch), int32(len(t.scratch)))
	switch {
	case n == resMissing:
		return nil, false, nil
	case n < 0:
		return nil, false, hostError()
	case int(n) <= len(t.scratch):
		return append(make([]byte, 0, n), t.scratch[:n]...), true, nil
	}
	page := make([]byte, n)
	m := storeGet(t.id, ptr(key), int32(len(key)), ptr(page), n)
	switch {
	case m == resMissing:
		return nil, false, nil
	case m < 0:
		return nil, false, hostError()
	case m != n:
		return nil, false, errors.New("folio.wasm: store_get: page changed size within a transaction")
	}
	return page, true, nil
}

func (t *hostTx) Put(key, page []byte) error {
	if t.done {
		return errTxDone
	}
	if storePut(t.id, ptr(key), int32(len(key)), ptr(page), int32(len(page))) < 0 {
		return hostError()
	}
	return nil
}

func (t *hostTx) Delete(key []byte) error {
	if t.done {
		return errTxDone
	}
	if storeDelete(t.id, ptr(key), int32(len(key))) < 0 {
		return hostError()
	}
	return nil
}

// Scan pulls records in batches. Each batch is a fresh buffer, so slices
// handed to fn stay valid after it returns. A batch is resumed after its
// last key: forward from last+"\x00", backward with last as the exclusive
// end.
func (t *hostTx) Scan(start, end []byte, reverse bool, fn func(key, page []byte) bool) error {
	if t.done {
		return errTxDone
	}
	size := scanFirstBatch
	for {
		flags := int32(0)
		if reverse {
			flags |= scanReverse
		}
		if end == nil {
			flags |= scanNoEnd
		}
		buf := make([]byte, size)
		n := storeScan(t.id, ptr(start), int32(len(start)), ptr(end), int32(len(end)), flags, ptr(buf), int32(len(buf)))
		if n == resError {
			return hostError()
		}
		if n < 0 {
			// The next record alone needs -n bytes.
			size = int(-n)
			continue
		}
		b := buf[:n]
		if len(b) < 4 {
			return errors.New("folio.wasm: store_scan: short batch")
		}
		more := binary.LittleEndian.Uint32(b)&1 != 0
		b = b[4:]
		var last []byte
		for len(b) > 0 {
			kl := binary.LittleEndian.Uint32(b)
			k := b[4 : 4+kl : 4+kl]
			b = b[4+kl:]
			vl := binary.LittleEndian.Uint32(b)
			v := b[4 : 4+vl : 4+vl]
			b = b[4+vl:]
			if !fn(k, v) {
				return nil
			}
			last = k
		}
		if !more || last == nil {
			return nil
		}
		if reverse {
			end = last
		} else {
			start = append(append(make([]byte, 0, len(last)+1), last...), 0)
		}
		size = scanNextBatch
	}
}

func (t *hostTx) Commit() error {
	if t.done {
		return errTxDone
	}
	t.done = true
	if storeCommit(t.id) < 0 {
		return hostError()
	}
	return nil
}

func (t *hostTx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	if storeRollback(t.id) < 0 {
		return hostError()
	}
	return nil
}
