package sqlitestore_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/hosts/native"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
	"github.com/ncruces/go-sqlite3"
)

func mustDo(t *testing.T, db *native.DB, args ...any) any {
	t.Helper()
	v, err := db.Do(context.Background(), args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	for _, mode := range []string{"normal", "full"} {
		db, err := native.Open(path, native.WithDurability(mode))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			mustDo(t, db, "SET", fmt.Sprintf("%s:%d", mode, i), fmt.Sprint(i))
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	db, err := native.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, mode := range []string{"normal", "full"} {
		for i := range 100 {
			if got := mustDo(t, db, "GET", fmt.Sprintf("%s:%d", mode, i)); got != fmt.Sprint(i) {
				t.Fatalf("after reopen GET %s:%d = %v", mode, i, got)
			}
		}
	}
	if _, err := native.Open(filepath.Join(t.TempDir(), "x.db"), native.WithDurability("sometimes")); err == nil {
		t.Fatal("an unknown durability was accepted")
	}
}

func hashFiles(t *testing.T, path string) string {
	t.Helper()
	h := sha256.New()
	for _, p := range []string{path, path + "-wal", path + "-journal"} {
		b, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(h, "%s absent;", filepath.Base(p))
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// rawExec changes a closed database file behind Folio's back.
func rawExec(t *testing.T, path, sql string) {
	t.Helper()
	c, err := sqlite3.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(sql); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestLayoutRefused: a file whose engine layout page names another version
// is refused by native.Open with core.ErrLayout and left as it was.
func TestLayoutRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := native.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t, db, "SET", "k", "v")
	db.Close()
	rawExec(t, path, `UPDATE pages SET page = CAST('folio-layout-999' AS BLOB) WHERE key = CAST('Mlayout' AS BLOB)`)
	before := hashFiles(t, path)
	for range 2 {
		_, err := native.Open(path)
		if !errors.Is(err, core.ErrLayout) {
			t.Fatalf("Open of a file in layout 999: err = %v, want core.ErrLayout", err)
		}
	}
	if after := hashFiles(t, path); after != before {
		t.Fatal("opening a file in an unknown layout changed it")
	}
}

// TestSchemaRefused: unknown store formats and foreign SQLite files are
// refused with ErrSchema and left as they were.
func TestSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	newer := filepath.Join(dir, "newer.db")
	st := open(t, newer, sqlitestore.Options{})
	st.Close()
	rawExec(t, newer, "PRAGMA user_version=2")
	foreign := filepath.Join(dir, "foreign.db")
	rawExec(t, foreign, "CREATE TABLE t(x); INSERT INTO t VALUES (1)")
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte(strings.Repeat("not a database\n", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{newer, foreign, text} {
		before := hashFiles(t, path)
		_, err := sqlitestore.Open(path, sqlitestore.Options{})
		if !errors.Is(err, sqlitestore.ErrSchema) {
			t.Fatalf("Open(%s): err = %v, want ErrSchema", filepath.Base(path), err)
		}
		if _, err := native.Open(path); !errors.Is(err, sqlitestore.ErrSchema) {
			t.Fatalf("native.Open(%s): err = %v, want ErrSchema", filepath.Base(path), err)
		}
		if hashFiles(t, path) != before {
			t.Fatalf("refusing %s changed it", filepath.Base(path))
		}
	}
}

// TestTwoHandles: two DBs on one file (as two processes would be) see each
// other's writes, including a FLUSHALL-style change of engine caches.
func TestTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	a, err := native.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := native.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i := range 50 {
		mustDo(t, a, "SET", "k", fmt.Sprint(i))
		if got := mustDo(t, b, "GET", "k"); got != fmt.Sprint(i) {
			t.Fatalf("b sees %v after a wrote %d", got, i)
		}
		mustDo(t, b, "SET", "j", fmt.Sprint(i))
		if got := mustDo(t, a, "GET", "j"); got != fmt.Sprint(i) {
			t.Fatalf("a sees %v after b wrote %d", got, i)
		}
	}
}

// TestExternalVersion: the counter moves when another connection commits,
// and not for this connection's own commits.
func TestExternalVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.db")
	a := open(t, path, sqlitestore.Options{})
	defer a.Close()
	b := open(t, path, sqlitestore.Options{})
	defer b.Close()
	version := func(s *sqlitestore.Store) uint64 {
		tx, err := s.Begin(false)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		v, err := s.ExternalVersion(tx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	write := func(s *sqlitestore.Store) {
		tx, err := s.Begin(true)
		if err != nil {
			t.Fatal(err)
		}
		tx.Put([]byte("x"), []byte("y"))
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	v0 := version(a)
	write(a)
	if v := version(a); v != v0 {
		t.Fatalf("own commit moved the external version %d -> %d", v0, v)
	}
	write(b)
	v1 := version(a)
	if v1 == v0 {
		t.Fatal("another connection's commit did not move the external version")
	}
	// An undone write of its own moves it too: the engine may have changed
	// its caches inside that transaction.
	tx, err := a.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	tx.Put([]byte("x"), []byte("z"))
	tx.Rollback()
	if v := version(a); v == v1 {
		t.Fatal("a rolled-back write did not move the external version")
	}
}

// TestWriterWaits: while another connection holds the write lock for a
// second, a SET waits for it instead of failing with "database is locked",
// and a GET is served at once from the last committed state.
func TestWriterWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := native.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustDo(t, db, "SET", "k", "before")
	other := open(t, path, sqlitestore.Options{})
	defer other.Close()
	if err := other.BeginGroup(); err != nil {
		t.Fatal(err)
	}
	released := make(chan time.Time, 1)
	go func() {
		time.Sleep(time.Second)
		released <- time.Now()
		other.EndGroup()
	}()
	start := time.Now()
	if got := mustDo(t, db, "GET", "k"); got != "before" {
		t.Fatalf("GET during another's write = %v", got)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Fatalf("a read waited %v for a writer", time.Since(start))
	}
	mustDo(t, db, "SET", "k", "after")
	if done, rel := time.Now(), <-released; done.Before(rel) {
		t.Fatal("SET completed while the other connection held the write lock")
	}
	if got := mustDo(t, db, "GET", "k"); got != "after" {
		t.Fatalf("GET = %v", got)
	}
}

// A DB on a file merges its write log into the pages at a pause in the
// commands: another connection reading the file's pages directly (not
// through the log) then finds the keys.
func TestIdleMerge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idle.db")
	db, err := native.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Above the idle merge's 8,192 writes, below what forces a merge.
	for i := range 10_000 {
		mustDo(t, db, "SET", fmt.Sprint("k", i), "v")
	}
	raw, err := sqlitestore.Open(path, sqlitestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	pages := func() int {
		tx, err := raw.Begin(false)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		n := 0
		// Below logstore's own keys (0xff 0xfe...): the pages.
		tx.Scan(nil, []byte{0xff, 0xfe}, false, func(k, _ []byte) bool { n++; return true })
		return n
	}
	if n := pages(); n >= 10_000 {
		t.Fatalf("%d pages right after the writes: merged already, the test shows nothing", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for pages() < 10_000 {
		if time.Now().After(deadline) {
			t.Fatalf("%d pages after a pause of 5 s: the write log was not merged", pages())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTwoHandlesRanksAndCounts: two handles on one file write one large
// sorted set (splitting its rank chunks, each handle keeping its own copy
// of their bounds) and create and delete keys; each handle's ZRANK and
// DBSIZE must agree with what a full read shows.
func TestTwoHandlesRanksAndCounts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	var dbs [2]*native.DB
	for i := range dbs {
		db, err := native.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	const n = 12000
	args := []any{"ZADD", "lb"}
	for i := range n {
		args = append(args, i%500, fmt.Sprint("p", i))
	}
	mustDo(t, dbs[0], args...)
	for step := range 6000 {
		db := dbs[step%2]
		// New members below every score: the first run grows and splits
		// (the other handle's copy of the bounds is then stale).
		mustDo(t, db, "ZADD", "lb", -1, fmt.Sprintf("n%05d", step))
		mustDo(t, db, "ZADD", "lb", step%997, fmt.Sprint("p", step*7919%n))
		if step%3 == 0 {
			mustDo(t, db, "ZREM", "lb", fmt.Sprint("p", step*104729%n))
		}
		if step%5 == 0 {
			mustDo(t, db, "SET", fmt.Sprint("k", step%40), "v")
		}
		if step%7 == 0 {
			mustDo(t, db, "DEL", fmt.Sprint("k", step*3%40))
		}
		if step%250 != 0 {
			continue
		}
		all := mustDo(t, dbs[(step+1)%2], "ZRANGE", "lb", 0, -1).([]any)
		for _, q := range []int{0, len(all) / 3, len(all) / 2, len(all) - 1} {
			for _, h := range dbs {
				if got := mustDo(t, h, "ZRANK", "lb", all[q]); got != int64(q) {
					t.Fatalf("step %d: ZRANK %v = %v, want %d", step, all[q], got, q)
				}
			}
		}
		keys := mustDo(t, dbs[step%2], "KEYS", "*").([]any)
		for _, h := range dbs {
			if got := mustDo(t, h, "DBSIZE"); got != int64(len(keys)) {
				t.Fatalf("step %d: DBSIZE %v, KEYS has %d", step, got, len(keys))
			}
		}
	}
}
