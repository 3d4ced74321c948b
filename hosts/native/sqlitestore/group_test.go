package sqlitestore_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
	"github.com/ncruces/go-sqlite3"
)

var _ store.Grouper = (*sqlitestore.Store)(nil)

func get(t *testing.T, s store.Store, k string) (string, bool) {
	t.Helper()
	tx, err := s.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	v, ok, err := tx.Get([]byte(k))
	if err != nil {
		t.Fatal(err)
	}
	return string(v), ok
}

func txPut(t *testing.T, s store.Store, commit bool, kv ...string) {
	t.Helper()
	tx, err := s.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if err := tx.Put([]byte(kv[i]), []byte(kv[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if commit {
		err = tx.Commit()
	} else {
		err = tx.Rollback()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestGroup: transactions inside a group are savepoints: a rolled-back one
// leaves no trace, committed ones are visible to the group at once, to
// other connections only after EndGroup, and durable after it.
func TestGroup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	s := open(t, path, sqlitestore.Options{})
	other := open(t, path, sqlitestore.Options{})
	defer other.Close()
	txPut(t, s, true, "before", "1")

	if err := s.BeginGroup(); err != nil {
		t.Fatal(err)
	}
	if err := s.BeginGroup(); err == nil {
		t.Fatal("nested BeginGroup succeeded")
	}
	txPut(t, s, true, "a", "1", "b", "1")
	txPut(t, s, false, "a", "rolled back", "c", "rolled back")
	txPut(t, s, true, "b", "2")
	// A read-only transaction inside a group still refuses writes.
	tx, err := s.Begin(false)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Put([]byte("z"), nil); err == nil {
		t.Fatal("Put in a read-only transaction of a group succeeded")
	}
	tx.Commit()
	for k, want := range map[string]string{"a": "1", "b": "2", "before": "1"} {
		if v, ok := get(t, s, k); !ok || v != want {
			t.Fatalf("inside the group %s = %q %v, want %q", k, v, ok, want)
		}
	}
	if _, ok := get(t, s, "c"); ok {
		t.Fatal("a rolled-back transaction of the group left c behind")
	}
	// Other connections see the state before the group.
	if _, ok := get(t, other, "a"); ok {
		t.Fatal("another connection saw a group's write before EndGroup")
	}
	if err := s.EndGroup(); err != nil {
		t.Fatal(err)
	}
	if err := s.EndGroup(); err == nil {
		t.Fatal("EndGroup without a group succeeded")
	}
	if v, ok := get(t, other, "b"); !ok || v != "2" {
		t.Fatalf("after EndGroup another connection sees b = %q %v", v, ok)
	}
	// Many groups in a row; then reopen.
	for g := range 20 {
		if err := s.BeginGroup(); err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			txPut(t, s, i%3 != 2, fmt.Sprintf("g%d:%d", g, i), "x")
		}
		if err := s.EndGroup(); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = open(t, path, sqlitestore.Options{})
	defer s.Close()
	for g := range 20 {
		for i := range 10 {
			_, ok := get(t, s, fmt.Sprintf("g%d:%d", g, i))
			if ok != (i%3 != 2) {
				t.Fatalf("after reopen g%d:%d present = %v", g, i, ok)
			}
		}
	}
}

// TestGroupAbandoned: a group never ended (the process stops) leaves
// nothing behind.
func TestGroupAbandoned(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	s := open(t, path, sqlitestore.Options{})
	txPut(t, s, true, "kept", "1")
	if err := s.BeginGroup(); err != nil {
		t.Fatal(err)
	}
	txPut(t, s, true, "lost", "1")
	s.Close()
	s = open(t, path, sqlitestore.Options{})
	defer s.Close()
	if _, ok := get(t, s, "lost"); ok {
		t.Fatal("a write of a group that never ended survived")
	}
	if _, ok := get(t, s, "kept"); !ok {
		t.Fatal("a committed write was lost")
	}
}

// TestGroupLost: when SQLite rolls back the whole group transaction (here
// forced with a raw ROLLBACK, as an I/O error or a full disk would), later
// transactions of the group and EndGroup fail rather than reporting the
// lost commits as done.
func TestGroupLost(t *testing.T) {
	path := filepath.Join(t.TempDir(), "g.db")
	s := open(t, path, sqlitestore.Options{})
	defer s.Close()
	if err := s.BeginGroup(); err != nil {
		t.Fatal(err)
	}
	txPut(t, s, true, "a", "1")
	s.Conn(func(c *sqlite3.Conn) error { return c.Exec("ROLLBACK") })
	if _, err := s.Begin(true); err == nil {
		t.Fatal("Begin in a lost group succeeded")
	}
	if err := s.EndGroup(); err == nil {
		t.Fatal("EndGroup of a lost group succeeded")
	}
	// The store works again after the group.
	txPut(t, s, true, "b", "1")
	if _, ok := get(t, s, "a"); ok {
		t.Fatal("a write of the lost group is present")
	}
	if _, ok := get(t, s, "b"); !ok {
		t.Fatal("a write after the lost group is missing")
	}
}
