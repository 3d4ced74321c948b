package core

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foliodb/folio/conformance/transcript"
	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/memstore"
)

// checkKeyCounters compares every physical database's counters with its
// records, and DBSIZE's and INFO's live counts with a scan of the live
// keys of every logical database.
func checkKeyCounters(t *testing.T, e *Engine, where string) {
	t.Helper()
	c, tx := readCtx(t, e)
	defer tx.Rollback()
	counted := map[uint32]*keyStats{}
	dropped := map[uint32]bool{}
	stored := map[uint32]keyStats{}
	scan := func(p []byte, fn func(k, v []byte)) {
		if err := tx.Scan(p, prefixEnd(p), false, func(k, v []byte) bool { fn(k, v); return true }); err != nil {
			t.Fatal(err)
		}
	}
	scan([]byte{prefixKey}, func(k, v []byte) {
		db := binary.BigEndian.Uint32(k[1:5])
		if counted[db] == nil {
			counted[db] = &keyStats{}
		}
		r, _ := decodeRecord(v)
		counted[db].add(&r, 1)
	})
	scan(metaKey("dropdb"), func(k, _ []byte) { dropped[binary.BigEndian.Uint32(k[len(k)-4:])] = true })
	ck := countsKey(nil, 0)
	scan(ck[:len(ck)-4], func(k, v []byte) {
		s, ok := decodeKeyStats(v)
		if !ok {
			t.Fatalf("%s: counters page %q", where, v)
		}
		stored[binary.BigEndian.Uint32(k[len(k)-4:])] = s
	})
	for db, want := range counted {
		if dropped[db] {
			continue
		}
		if got, ok := stored[db]; !ok || got != *want {
			t.Fatalf("%s: database %d: counters %+v (stored %v), records %+v", where, db, got, ok, *want)
		}
	}
	for db, got := range stored {
		if counted[db] == nil && (got != keyStats{}) {
			t.Fatalf("%s: database %d: counters %+v and no records", where, db, got)
		}
		if dropped[db] {
			t.Fatalf("%s: dropped database %d kept its counters", where, db)
		}
	}
	for i := 0; i < e.ndb; i++ {
		var want keyStats
		if err := c.scanKeys(e.dbmap[i], nil, func(_ []byte, r Record) bool {
			want.add(&r, 1)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		got, err := c.liveKeyStats(e.dbmap[i])
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%s: logical database %d: live counts %+v, scan %+v", where, i, got, want)
		}
	}
}

// readCtx returns a command context on e in a transaction of its own, for
// a test to read the store through; roll tx back when done.
func readCtx(t *testing.T, e *Engine) (*Ctx, store.Tx) {
	t.Helper()
	c := &Ctx{E: e, S: e.NewSession(), Now: e.now(), W: &resp.Writer{}}
	tx, err := c.Tx()
	if err != nil {
		t.Fatal(err)
	}
	return c, tx
}

// TestKeyCounters plays every conformance transcript (every command, with
// expiries, renames, moves between databases, flushes and swaps) and checks
// the key counters after each command.
func TestKeyCounters(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "conformance", "testdata", "*.txt"))
	if err != nil || len(files) < 10 {
		t.Fatalf("transcripts: %v %v", files, err)
	}
	commands := map[string]bool{}
	for _, f := range files {
		playTranscript(t, filepath.Base(f), func(e *Engine, st transcript.Step, _ []byte) {
			commands[strings.ToLower(st.Cmd[0])] = true
			checkKeyCounters(t, e, filepath.Base(f)+":"+st.Text)
		})
	}
	for _, name := range []string{"set", "del", "expire", "persist", "rename", "move", "copy", "flushdb", "flushall", "swapdb", "sunionstore", "sort", "lpop", "getex", "getdel"} {
		if !commands[name] {
			t.Errorf("no transcript runs %s", name)
		}
	}
}

// TestKeyCountersUpgrade: a store of the layout before the counters gets
// them counted when an engine opens it.
func TestKeyCountersUpgrade(t *testing.T) {
	st := memstore.New()
	e, err := New(st, Options{Now: func() int64 { return 1700000000000 }, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession()
	e.Do(s, "SET", "a", "1")
	e.Do(s, "SET", "b", "1", "PX", "5000")
	e.Do(s, "RPUSH", "l", "x")
	e.Do(s, "SELECT", "3")
	e.Do(s, "SADD", "s", "m")
	// Make it a layout-1 store: no counters, the old version string.
	tx, _ := st.Begin(true)
	var del [][]byte
	ck := countsKey(nil, 0)
	tx.Scan(ck[:len(ck)-4], prefixEnd(ck[:len(ck)-4]), false, func(k, _ []byte) bool {
		del = append(del, bytes.Clone(k))
		return true
	})
	if len(del) != 2 {
		t.Fatalf("%d counters pages, want 2", len(del))
	}
	for _, k := range del {
		tx.Delete(k)
	}
	tx.Put(metaKey("layout"), []byte(layoutWithoutCounters))
	tx.Commit()

	e, err = New(st, Options{Now: func() int64 { return 1700000000000 }, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkKeyCounters(t, e, "after the upgrade")
	s = e.NewSession()
	if got := string(e.Do(s, "DBSIZE")); got != ":3\r\n" {
		t.Fatalf("DBSIZE %q", got)
	}
	if got := string(e.Do(s, "INFO", "keyspace")); !strings.Contains(got, "db0:keys=3,expires=1,avg_ttl=5000\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n") {
		t.Fatalf("INFO keyspace %q", got)
	}
	tx, _ = st.Begin(false)
	v, _, _ := tx.Get(metaKey("layout"))
	if string(v) != LayoutVersion {
		t.Fatalf("layout %q", v)
	}
	tx.Rollback()
}
