// Package memstore is Folio's in-memory page store: an ordered B+tree with
// abbreviated keys (btree.go) and an undo log for rollback. It is the store
// behind ":memory:" and in tests.
package memstore

import (
	"bytes"
	"sync"

	"github.com/foliodb/folio/core/store"
)

// Store is an in-memory store.Store. Transactions are serialized.
type Store struct {
	mu     sync.Mutex
	tree   *tree
	closed bool
	tx     tx
}

// New returns an empty store.
func New() *Store {
	s := &Store{tree: newTree()}
	s.tx.s = s
	return s
}

// Len reports the number of pages (for tests and memory figures).
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tree.len()
}

// Begin locks the store until Commit or Rollback.
func (s *Store) Begin(writable bool) (store.Tx, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, store.ErrClosed
	}
	t := &s.tx
	t.writable = writable
	t.done = false
	t.undo = t.undo[:0]
	t.saved = t.saved[:0]
	return t, nil
}

// Close drops every page.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.tree = newTree()
	return nil
}

// undo restores one write: old is the item the write replaced (when
// existed), key an item with the written key. A write that changed key's
// item in place (tree.overwrite) has inPlace set, and the item's previous
// page is saved[off:off+len(page)].
type undo struct {
	key, old item
	existed  bool
	inPlace  bool
	off      int
}

type tx struct {
	s        *Store
	writable bool
	done     bool
	undo     []undo
	saved    []byte // previous pages of in-place writes
}

var errReadOnly = readOnlyError{}

type readOnlyError struct{}

func (readOnlyError) Error() string { return "memstore: write in a read-only transaction" }

type doneError struct{}

func (doneError) Error() string { return "memstore: transaction has ended" }

func (t *tx) Get(key []byte) ([]byte, bool, error) {
	if t.done {
		return nil, false, doneError{}
	}
	it, ok := t.s.tree.get(key)
	if !ok {
		return nil, false, nil
	}
	return it.page(), true, nil
}

func (t *tx) Put(key, page []byte) error {
	if t.done {
		return doneError{}
	}
	if !t.writable {
		return errReadOnly
	}
	off := len(t.saved)
	if it, saved, ok := t.s.tree.overwrite(key, page, t.saved); ok {
		t.saved = saved
		t.undo = append(t.undo, undo{key: it, inPlace: true, off: off})
		return nil
	}
	it := makeItem(key, page)
	old, existed := t.s.tree.set(it)
	t.undo = append(t.undo, undo{key: it, old: old, existed: existed})
	return nil
}

func (t *tx) Delete(key []byte) error {
	if t.done {
		return doneError{}
	}
	if !t.writable {
		return errReadOnly
	}
	old, existed := t.s.tree.delete(key)
	if existed {
		t.undo = append(t.undo, undo{key: old, old: old, existed: true})
	}
	return nil
}

func (t *tx) Scan(start, end []byte, reverse bool, fn func(key, page []byte) bool) error {
	if t.done {
		return doneError{}
	}
	if !reverse {
		t.s.tree.ascend(start, func(it item) bool {
			k, pg := it.parts()
			if end != nil && bytes.Compare(k, end) >= 0 {
				return false
			}
			return fn(k, pg)
		})
		return nil
	}
	t.s.tree.descend(end, func(it item) bool {
		k, pg := it.parts()
		if bytes.Compare(k, start) < 0 {
			return false
		}
		return fn(k, pg)
	})
	return nil
}

func (t *tx) Commit() error {
	if t.done {
		return doneError{}
	}
	t.end()
	return nil
}

// end closes the transaction, dropping a large undo log's memory.
func (t *tx) end() {
	t.done = true
	t.undo = t.undo[:0]
	t.saved = t.saved[:0]
	if cap(t.saved) > 1<<16 {
		t.saved = nil
	}
	if cap(t.undo) > 1<<12 {
		t.undo = nil
	}
	t.s.mu.Unlock()
}

func (t *tx) Rollback() error {
	if t.done {
		return nil
	}
	for i := len(t.undo) - 1; i >= 0; i-- {
		u := t.undo[i]
		if u.inPlace {
			pg := u.key.page()
			copy(pg, t.saved[u.off:])
			continue
		}
		if u.existed {
			t.s.tree.set(u.old)
		} else {
			t.s.tree.delete(u.key.key())
		}
	}
	t.end()
	return nil
}
