// Package faultstore wraps a store.Store and makes chosen calls fail, to
// test what the engine and hosts do when storage fails (a full disk, an I/O
// error): the command must get an error reply, its transaction must be
// rolled back, and the store must keep serving.
package faultstore

import (
	"errors"
	"reflect"
	"sync"

	"github.com/foliodb/folio/core/store"
)

// Op names a store call that can fail.
type Op int

// The calls that can fail.
const (
	Begin Op = iota
	Get
	Put
	Delete
	Scan
	Commit
	EndGroup // only on a GroupStore
	nOps
)

func (o Op) String() string {
	return [...]string{"Begin", "Get", "Put", "Delete", "Scan", "Commit", "EndGroup"}[o]
}

// ErrInjected is wrapped by every injected error.
var ErrInjected = errors.New("faultstore: injected fault")

// Errors that look like what a disk gives.
var (
	ErrDiskFull error = &injected{"database or disk is full (" + ErrInjected.Error() + ")"}
	ErrIO       error = &injected{"disk I/O error (" + ErrInjected.Error() + ")"}
)

// injected is an error that wraps ErrInjected (what fmt.Errorf("%w") gave).
type injected struct{ msg string }

func (e *injected) Error() string { return e.msg }
func (e *injected) Unwrap() error { return ErrInjected }

// Store is a store.Store that forwards to another and fails the calls it
// was told to fail. It implements store.Changes, forwarding to the wrapped
// store when that one does.
type Store struct {
	inner store.Store

	mu     sync.Mutex
	counts [nOps]int
	faults []fault
}

type fault struct {
	op  Op
	at  int // fail the call whose count reaches at
	err error
}

// New wraps inner.
func New(inner store.Store) *Store { return &Store{inner: inner} }

// Inner returns the wrapped store.
func (s *Store) Inner() store.Store { return s.inner }

// FailNth makes the nth call of op from now on (1 for the next one) fail
// once with err. A failing Commit rolls the wrapped transaction back, as a
// store whose commit failed leaves nothing applied.
func (s *Store) FailNth(op Op, n int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, fault{op: op, at: s.counts[op] + n, err: err})
}

// Count reports how many calls of op were made so far.
func (s *Store) Count(op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// Pending reports how many injected faults have not fired yet.
func (s *Store) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// check counts a call of op and returns the error to inject, if any.
func (s *Store) check(op Op) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts[op]++
	for i, f := range s.faults {
		if f.op == op && f.at == s.counts[op] {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			return f.err
		}
	}
	return nil
}

// Begin implements store.Store.
func (s *Store) Begin(writable bool) (store.Tx, error) {
	if err := s.check(Begin); err != nil {
		return nil, err
	}
	t, err := s.inner.Begin(writable)
	if err != nil {
		return nil, err
	}
	return &tx{s: s, t: t}, nil
}

// Close implements store.Store.
func (s *Store) Close() error { return s.inner.Close() }

// ExternalVersion implements store.Changes.
func (s *Store) ExternalVersion(t store.Tx) (uint64, error) {
	ch, ok := s.inner.(store.Changes)
	if !ok {
		return 0, nil
	}
	if ft, ok := t.(*tx); ok {
		t = ft.t
	}
	return ch.ExternalVersion(t)
}

type tx struct {
	s *Store
	t store.Tx
}

func (t *tx) Get(key []byte) ([]byte, bool, error) {
	if err := t.s.check(Get); err != nil {
		return nil, false, err
	}
	return t.t.Get(key)
}

func (t *tx) Put(key, page []byte) error {
	if err := t.s.check(Put); err != nil {
		return err
	}
	return t.t.Put(key, page)
}

func (t *tx) Delete(key []byte) error {
	if err := t.s.check(Delete); err != nil {
		return err
	}
	return t.t.Delete(key)
}

func (t *tx) Scan(start, end []byte, reverse bool, fn func(key, page []byte) bool) error {
	if err := t.s.check(Scan); err != nil {
		return err
	}
	return t.t.Scan(start, end, reverse, fn)
}

func (t *tx) Commit() error {
	if err := t.s.check(Commit); err != nil {
		t.t.Rollback()
		return err
	}
	return t.t.Commit()
}

func (t *tx) Rollback() error { return t.t.Rollback() }

// GroupStore is a Store over a store.Grouper that is a store.Grouper too,
// so a server's group commit can be tested against failures.
type GroupStore struct {
	*Store
	g store.Grouper
}

// Aborter is implemented by group stores that can drop an open group
// (sqlitestore does); a GroupStore needs it to inject an EndGroup fault.
type Aborter interface {
	AbortGroup() error
}

// NewGrouper wraps inner, which must be a store.Grouper.
func NewGrouper(inner store.Store) *GroupStore {
	return &GroupStore{Store: New(inner), g: inner.(store.Grouper)}
}

// BeginGroup implements store.Grouper.
func (s *GroupStore) BeginGroup() error { return s.g.BeginGroup() }

// EndGroup implements store.Grouper. An injected fault drops the whole
// group (the wrapped store must implement Aborter), as a failed durable
// commit does.
func (s *GroupStore) EndGroup() error {
	if err := s.check(EndGroup); err != nil {
		a, ok := s.g.(Aborter)
		if !ok {
			return errors.New("faultstore: " + reflect.TypeOf(s.g).String() + " cannot abort a group")
		}
		if aerr := a.AbortGroup(); aerr != nil {
			return aerr
		}
		return err
	}
	return s.g.EndGroup()
}
