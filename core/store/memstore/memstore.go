// Package memstore is Folio's in-memory page store: an ordered B-tree with an
// undo log for rollback. It is the store behind ":memory:" and in tests.
package memstore

import (
	"bytes"
	"sync"

	"github.com/foliodb/folio/core/store"
	"github.com/tidwall/btree"
)

type item struct {
	key, page []byte
}

func less(a, b item) bool { return bytes.Compare(a.key, b.key) < 0 }

// Store is an in-memory store.Store. Transactions are serialized.
type Store struct {
	mu     sync.Mutex
	tree   *btree.BTreeG[item]
	closed bool
	tx     tx
}

// New returns an empty store.
func New() *Store {
	s := &Store{tree: btree.NewBTreeGOptions(less, btree.Options{NoLocks: true, Degree: 64})}
	s.tx.s = s
	return s
}

// Len reports the number of pages (for tests and memory figures).
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tree.Len()
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
	return t, nil
}

// Close drops every page.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.tree = btree.NewBTreeGOptions(less, btree.Options{NoLocks: true})
	return nil
}

type undo struct {
	key, page []byte
	existed   bool
}

type tx struct {
	s        *Store
	writable bool
	done     bool
	undo     []undo
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
	it, ok := t.s.tree.Get(item{key: key})
	if !ok {
		return nil, false, nil
	}
	return it.page, true, nil
}

func (t *tx) Put(key, page []byte) error {
	if t.done {
		return doneError{}
	}
	if !t.writable {
		return errReadOnly
	}
	k := append([]byte(nil), key...)
	p := append(make([]byte, 0, len(page)), page...)
	old, existed := t.s.tree.Set(item{key: k, page: p})
	t.undo = append(t.undo, undo{key: k, page: old.page, existed: existed})
	return nil
}

func (t *tx) Delete(key []byte) error {
	if t.done {
		return doneError{}
	}
	if !t.writable {
		return errReadOnly
	}
	old, existed := t.s.tree.Delete(item{key: key})
	if existed {
		t.undo = append(t.undo, undo{key: old.key, page: old.page, existed: true})
	}
	return nil
}

func (t *tx) Scan(start, end []byte, reverse bool, fn func(key, page []byte) bool) error {
	if t.done {
		return doneError{}
	}
	if !reverse {
		t.s.tree.Ascend(item{key: start}, func(it item) bool {
			if end != nil && bytes.Compare(it.key, end) >= 0 {
				return false
			}
			return fn(it.key, it.page)
		})
		return nil
	}
	visit := func(it item) bool {
		if bytes.Compare(it.key, start) < 0 {
			return false
		}
		return fn(it.key, it.page)
	}
	if end == nil {
		t.s.tree.Reverse(visit)
		return nil
	}
	// Descend includes its pivot; skip the end key itself.
	t.s.tree.Descend(item{key: end}, func(it item) bool {
		if bytes.Equal(it.key, end) {
			return true
		}
		return visit(it)
	})
	return nil
}

func (t *tx) Commit() error {
	if t.done {
		return doneError{}
	}
	t.done = true
	t.undo = t.undo[:0]
	t.s.mu.Unlock()
	return nil
}

func (t *tx) Rollback() error {
	if t.done {
		return nil
	}
	for i := len(t.undo) - 1; i >= 0; i-- {
		u := t.undo[i]
		if u.existed {
			t.s.tree.Set(item{key: u.key, page: u.page})
		} else {
			t.s.tree.Delete(item{key: u.key})
		}
	}
	t.done = true
	t.undo = t.undo[:0]
	t.s.mu.Unlock()
	return nil
}
