package sqlitestore_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
	"github.com/foliodb/folio/internal/storetest"
)

func open(t *testing.T, path string, opt sqlitestore.Options) *sqlitestore.Store {
	t.Helper()
	st, err := sqlitestore.Open(path, opt)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return st
}

func TestSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "suite.db"), sqlitestore.Options{})
	})
}

func TestSuiteFull(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "suite.db"), sqlitestore.Options{Durability: "full"})
	})
}

// BeginNoWait fails at once while another connection holds the write
// lock, and leaves Begin's busy timeout as it was.
func TestBeginNoWait(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nowait.db")
	a := open(t, path, sqlitestore.Options{})
	b := open(t, path, sqlitestore.Options{BusyTimeout: 300 * time.Millisecond})
	defer a.Close()
	defer b.Close()
	ta, err := a.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	committed := false
	defer func() {
		if !committed {
			ta.Rollback() // before a.Close, which waits for it
		}
	}()
	start := time.Now()
	if tb, err := b.BeginNoWait(); err == nil {
		tb.Rollback()
		t.Fatal("BeginNoWait succeeded while another connection writes")
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("BeginNoWait waited %v", d)
	}
	start = time.Now()
	if tb, err := b.Begin(true); err == nil {
		tb.Rollback()
		t.Fatal("Begin succeeded while another connection writes")
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("Begin gave up after %v, want the 300ms busy timeout", d)
	}
	if err := ta.Put([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	committed = true
	if err := ta.Commit(); err != nil {
		t.Fatal(err)
	}
	tb, err := b.BeginNoWait()
	if err != nil {
		t.Fatalf("BeginNoWait with no other writer: %v", err)
	}
	if v, ok, err := tb.Get([]byte("k")); err != nil || !ok || string(v) != "v" {
		t.Fatalf("k = %q %v %v", v, ok, err)
	}
	if err := tb.Commit(); err != nil {
		t.Fatal(err)
	}
}
