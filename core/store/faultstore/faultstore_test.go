package faultstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/faultstore"
	"github.com/foliodb/folio/core/store/memstore"
	"github.com/foliodb/folio/internal/storetest"
)

// Without faults the wrapper is a store like any other.
func TestSuite(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return faultstore.New(memstore.New()) })
}

func TestFailNth(t *testing.T) {
	fs := faultstore.New(memstore.New())
	fs.FailNth(faultstore.Put, 2, faultstore.ErrDiskFull)
	tx, _ := fs.Begin(true)
	if err := tx.Put([]byte("a"), []byte("1")); err != nil {
		t.Fatalf("first Put: %v", err)
	}
	if err := tx.Put([]byte("b"), []byte("1")); !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("second Put: %v, want the injected error", err)
	}
	if err := tx.Put([]byte("c"), []byte("1")); err != nil {
		t.Fatalf("a fault fires once; third Put: %v", err)
	}
	tx.Rollback()
	if fs.Count(faultstore.Put) != 3 || fs.Pending() != 0 {
		t.Fatalf("count %d pending %d", fs.Count(faultstore.Put), fs.Pending())
	}
	// A failed Commit leaves nothing applied.
	fs.FailNth(faultstore.Commit, 1, faultstore.ErrIO)
	tx, _ = fs.Begin(true)
	tx.Put([]byte("a"), []byte("1"))
	if err := tx.Commit(); !errors.Is(err, faultstore.ErrIO) {
		t.Fatalf("Commit: %v", err)
	}
	tx, _ = fs.Begin(false)
	defer tx.Rollback()
	if _, ok, _ := tx.Get([]byte("a")); ok {
		t.Fatal("a failed commit applied its write")
	}
}

// TestEngine is EngineFaults over the memory store.
func TestEngine(t *testing.T) {
	fs := faultstore.New(memstore.New())
	e, err := core.New(fs, core.Options{Now: func() int64 { return time.Now().UnixMilli() }})
	if err != nil {
		t.Fatal(err)
	}
	storetest.EngineFaults(t, fs, func(args ...string) string { return string(e.Do(sessionOf(e), args...)) })
}

var sessions = map[*core.Engine]*core.Session{}

func sessionOf(e *core.Engine) *core.Session {
	if s, ok := sessions[e]; ok {
		return s
	}
	s := e.NewSession()
	sessions[e] = s
	return s
}
