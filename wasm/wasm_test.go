package wasm_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/hosts/native"
	"github.com/foliodb/folio/wasm"
	"github.com/redis/go-redis/v9"
)

var ctx = context.Background()

func open(t testing.TB) *wasm.DB {
	t.Helper()
	db, err := wasm.Open(":memory:", wasm.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestDo(t *testing.T) {
	db := open(t)
	if v, err := db.Do(ctx, "SET", "k", "v"); err != nil || v != "OK" {
		t.Fatalf("SET: %v %v", v, err)
	}
	if v, err := db.Do(ctx, "GET", "k"); err != nil || v != "v" {
		t.Fatalf("GET: %v %v", v, err)
	}
	if v, err := db.Do(ctx, "GET", "missing"); err != nil || v != nil {
		t.Fatalf("GET missing: %v %v", v, err)
	}
	if _, err := db.Do(ctx, "GET"); !errors.Is(err, native.ErrGeneric) {
		t.Fatalf("GET without key: want ERR, got %v", err)
	}
	if v, err := db.Do(ctx, "PING"); err != nil || v != "PONG" {
		t.Fatalf("PING: %v %v", v, err)
	}
	// A value larger than every buffer in the ABI crosses it intact.
	big := strings.Repeat("abcdefgh", 300_000)
	if _, err := db.Do(ctx, "SET", "big", big); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Do(ctx, "GET", "big"); err != nil || v != big {
		t.Fatalf("GET big: len %d %v", len(fmt.Sprint(v)), err)
	}
	raw, err := db.Raw(ctx, "GET", "k")
	if err != nil || string(raw) != "$1\r\nv\r\n" {
		t.Fatalf("Raw GET: %q %v", raw, err)
	}
}

func TestSessions(t *testing.T) {
	db := open(t)
	s, err := db.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Do(ctx, "SELECT", 3); err != nil {
		t.Fatal(err)
	}
	s.Do(ctx, "SET", "k", "in3")
	if v, _ := db.Do(ctx, "GET", "k"); v != nil {
		t.Fatalf("default session sees db 3's key: %v", v)
	}
	if v, _ := s.Do(ctx, "GET", "k"); v != "in3" {
		t.Fatalf("session GET: %v", v)
	}
	s.Close()
	if _, err := s.Do(ctx, "PING"); err == nil {
		t.Fatal("a closed session still runs commands")
	}
}

func TestClient(t *testing.T) {
	db := open(t)
	c := db.Client()
	defer c.Close()
	if err := c.Set(ctx, "x", "y", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "x").Result(); err != nil || got != "y" {
		t.Fatalf("client GET: %q %v", got, err)
	}
	if err := c.Get(ctx, "nope").Err(); err != redis.Nil {
		t.Fatalf("client GET missing: %v", err)
	}
	cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := 0; i < 50; i++ {
			p.Set(ctx, fmt.Sprint("p", i), i, 0)
		}
		p.Get(ctx, "p49")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := cmds[len(cmds)-1].(*redis.StringCmd).Val(); got != "49" {
		t.Fatalf("pipelined GET: %q", got)
	}
}

func TestFilePathWithoutStore(t *testing.T) {
	if native.OpenStore != nil {
		t.Skip("a file store is linked")
	}
	_, err := wasm.Open(t.TempDir() + "/x.db")
	if err == nil || !strings.Contains(err.Error(), "no file store linked") {
		t.Fatalf("want a clear error, got %v", err)
	}
}

// skipIfStale skips a no-diff test when the embedded folio.wasm was built
// from older engine sources than the native code it is compared with
// (make wasm-check is the check that fails for that).
func skipIfStale(t *testing.T) {
	t.Helper()
	n, err := native.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	w := open(t)
	nc, _ := n.Do(ctx, "COMMAND", "COUNT")
	wc, _ := w.Do(ctx, "COMMAND", "COUNT")
	if nc != wc {
		t.Skipf("folio.wasm is stale (COMMAND COUNT %v, the sources have %v): run make wasm", wc, nc)
	}
}

// TestNoDiff runs the same commands natively and in the module and wants
// byte-identical replies.
func TestNoDiff(t *testing.T) {
	skipIfStale(t)
	clock := func() time.Time { return time.UnixMilli(1_700_000_000_000) }
	n, err := native.Open(":memory:", native.WithSeed(7), native.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	w, err := wasm.Open(":memory:", wasm.WithSeed(7), wasm.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ns := n.NewSession()
	ws, err := w.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range noDiffCommands {
		args := make([]any, len(cmd))
		for i, a := range cmd {
			args[i] = a
		}
		nr, err1 := ns.Raw(ctx, args...)
		wr, err2 := ws.Raw(ctx, args...)
		if err1 != nil || err2 != nil {
			t.Fatalf("%q: %v %v", cmd, err1, err2)
		}
		if !bytes.Equal(nr, wr) {
			t.Errorf("%q\nnative: %q\nwasm:   %q", cmd, nr, wr)
		}
	}
}

var noDiffCommands = [][]string{
	{"PING"}, {"PING", "hi"}, {"ECHO", "x"},
	{"SET", "a", "1"}, {"GET", "a"}, {"GET", "nope"}, {"SET"}, {"NOSUCH", "x"},
	{"SET", "b", "x", "EX", "100"}, {"SET", "b", "y", "NX"}, {"SET", "b", "z", "XX", "GET"},
	{"INCR", "a"}, {"INCRBY", "a", "10"}, {"DECR", "a"}, {"APPEND", "a", "z"}, {"STRLEN", "a"},
	{"MSET", "m1", "1", "m2", "2"}, {"MGET", "m1", "m2", "m3"},
	{"DEL", "a", "m1"}, {"EXISTS", "a", "m2", "b"}, {"TYPE", "m2"},
	{"TTL", "b"}, {"PTTL", "b"}, {"EXPIRE", "m2", "50"}, {"PERSIST", "m2"},
	{"KEYS", "*"}, {"DBSIZE"}, {"SELECT", "2"}, {"SET", "x", "2"}, {"SELECT", "0"},
	{"HSET", "h", "f", "v", "g", "w"}, {"HGET", "h", "f"}, {"HGETALL", "h"}, {"HLEN", "h"},
	{"LPUSH", "l", "a", "b", "c"}, {"LRANGE", "l", "0", "-1"}, {"RPOP", "l"},
	{"SADD", "s", "x", "y"}, {"SISMEMBER", "s", "x"}, {"SCARD", "s"},
	{"ZADD", "z", "1", "a", "2.5", "b"}, {"ZRANGE", "z", "0", "-1", "WITHSCORES"}, {"ZSCORE", "z", "b"},
	{"GET", "h"}, {"HELLO", "3"}, {"HGETALL", "h"}, {"ZSCORE", "z", "b"}, {"GET", "nope"},
	{"COMMAND", "COUNT"}, {"COMMAND", "INFO", "get"},
	{"MULTI"}, {"SET", "t", "1"}, {"INCR", "t"}, {"EXEC"},
	{"FLUSHALL"}, {"DBSIZE"},
}

func TestABIVersionRejected(t *testing.T) {
	// The real module with its abi_version export renamed away.
	bin := bytes.Replace(wasm.Binary, []byte("\x0babi_version"), []byte("\x0babi_versioX"), 1)
	if bytes.Equal(bin, wasm.Binary) {
		t.Fatal("abi_version export not found in folio.wasm")
	}
	if _, err := wasm.Open(":memory:", wasm.WithModule(bin)); !errors.Is(err, wasm.ErrABI) {
		t.Fatalf("module without abi_version: want ErrABI, got %v", err)
	}
	// A module with every export, whose abi_version says 1 (the version
	// before the control block's host clock).
	if _, err := wasm.Open(":memory:", wasm.WithModule(fakeModule(1))); !errors.Is(err, wasm.ErrABI) || !strings.Contains(err.Error(), "version 1") {
		t.Fatalf("version 1 module: want ErrABI, got %v", err)
	}
	// The same fake saying ABIVersion gets past the check (and fails
	// later, at open, since it is no engine): the check reads the
	// export's value.
	if _, err := wasm.Open(":memory:", wasm.WithModule(fakeModule(wasm.ABIVersion))); err == nil || errors.Is(err, wasm.ErrABI) {
		t.Fatalf("version %d fake: want a non-ABI error, got %v", wasm.ABIVersion, err)
	}
	// The untouched module still opens.
	db := open(t)
	if _, err := db.Do(ctx, "PING"); err != nil {
		t.Fatal(err)
	}
}

// fakeModule builds a module with folio.wasm's exports, each returning a
// constant: abi_version returns version, open returns -9, the rest 0.
func fakeModule(version byte) []byte {
	const i32, i64 = 0x7f, 0x7e
	types := [][2][]byte{
		{nil, {i32}},        // 0 () -> i32
		{{i32}, {i32}},      // 1 (i32) -> i32
		{nil, {i64}},        // 2 () -> i64
		{{i64}, {i32}},      // 3 (i64) -> i32
		{{i64, i32}, {i32}}, // 4 (i64, i32) -> i32
	}
	funcs := []struct {
		name string
		typ  byte
		body []byte
	}{
		{"abi_version", 0, []byte{0x41, version}},
		{"control", 0, []byte{0x41, 0}},
		{"reserve", 1, []byte{0x41, 0}},
		{"open", 1, []byte{0x41, 0x77}},
		{"session_open", 2, []byte{0x42, 1}},
		{"session_close", 3, []byte{0x41, 0}},
		{"exec", 4, []byte{0x41, 0}},
		{"deliveries", 0, []byte{0x41, 0}},
		{"expire_blocked", 0, []byte{0x41, 0}},
		{"housekeep", 0, []byte{0x41, 0}},
		{"cancel_blocked", 3, []byte{0x41, 0}},
	}
	section := func(id byte, body []byte) []byte {
		return append(binary.AppendUvarint([]byte{id}, uint64(len(body))), body...) // LEB128
	}
	var ts []byte
	ts = append(ts, byte(len(types)))
	for _, t := range types {
		ts = append(ts, 0x60, byte(len(t[0])))
		ts = append(ts, t[0]...)
		ts = append(ts, byte(len(t[1])))
		ts = append(ts, t[1]...)
	}
	fs := []byte{byte(len(funcs))}
	es := []byte{byte(len(funcs) + 1)}
	cs := []byte{byte(len(funcs))}
	for i, f := range funcs {
		fs = append(fs, f.typ)
		es = append(es, byte(len(f.name)))
		es = append(es, f.name...)
		es = append(es, 0x00, byte(i))
		body := append(append([]byte{0x00}, f.body...), 0x0b)
		cs = append(cs, byte(len(body)))
		cs = append(cs, body...)
	}
	m := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
	m = append(m, section(1, ts)...)
	m = append(m, section(3, fs)...)
	m = append(m, section(5, []byte{1, 0, 1})...) // one memory of one page
	es = append(es, 6, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0)
	m = append(m, section(7, es)...)
	m = append(m, section(10, cs)...)
	return m
}

func TestMain(m *testing.M) {
	if len(wasm.Binary) == 0 {
		fmt.Fprintln(os.Stderr, "wasm/folio.wasm is empty: run make wasm")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// TestNoDiffScans fills both targets with enough keys and elements that
// scans cross several store_scan batches (forward and reverse), then wants
// identical replies.
func TestNoDiffScans(t *testing.T) {
	skipIfStale(t)
	clock := func() time.Time { return time.UnixMilli(1_700_000_000_000) }
	n, err := native.Open(":memory:", native.WithSeed(3), native.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	w, err := wasm.Open(":memory:", wasm.WithSeed(3), wasm.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ns := n.NewSession()
	ws, _ := w.NewSession()
	var cmds [][]string
	pad := strings.Repeat("x", 40)
	for i := 0; i < 600; i++ {
		cmds = append(cmds, []string{"SET", fmt.Sprintf("key:%04d:%s", i, pad), pad})
		cmds = append(cmds, []string{"HSET", "h", fmt.Sprintf("f%04d%s", i, pad), pad})
		cmds = append(cmds, []string{"SADD", "s", fmt.Sprintf("m%04d%s", i, pad)})
		cmds = append(cmds, []string{"ZADD", "z", fmt.Sprint(i % 37), fmt.Sprintf("m%04d%s", i, pad)})
		cmds = append(cmds, []string{"RPUSH", "l", fmt.Sprintf("e%04d%s", i, pad)})
	}
	// A page bigger than the first scan batch.
	cmds = append(cmds, []string{"HSET", "h", "big", strings.Repeat("b", 10_000)})
	cmds = append(cmds,
		[]string{"KEYS", "*"}, []string{"KEYS", "key:01*"}, []string{"DBSIZE"}, []string{"SCAN", "0", "COUNT", "1000"},
		[]string{"HGETALL", "h"}, []string{"HKEYS", "h"}, []string{"HLEN", "h"},
		[]string{"SMEMBERS", "s"}, []string{"SCARD", "s"},
		[]string{"ZRANGE", "z", "0", "-1", "WITHSCORES"}, []string{"ZREVRANGE", "z", "0", "-1"},
		[]string{"ZRANGEBYSCORE", "z", "5", "9"}, []string{"ZREVRANGEBYSCORE", "z", "30", "20"},
		[]string{"LRANGE", "l", "0", "-1"}, []string{"LRANGE", "l", "-50", "-1"},
		[]string{"DEL", "h", "s"}, []string{"FLUSHDB"}, []string{"KEYS", "*"},
	)
	for _, cmd := range cmds {
		args := make([]any, len(cmd))
		for i, a := range cmd {
			args[i] = a
		}
		nr, err1 := ns.Raw(ctx, args...)
		wr, err2 := ws.Raw(ctx, args...)
		if err1 != nil || err2 != nil {
			t.Fatalf("%.60q: %v %v", cmd, err1, err2)
		}
		if !bytes.Equal(nr, wr) {
			t.Fatalf("%.60q\nnative: %.300q\nwasm:   %.300q", cmd, nr, wr)
		}
	}
}

// TestSQLiteFile runs the module over the host's SQLite store: what one
// instance wrote, the next one reads, and native opens the same file.
func TestSQLiteFile(t *testing.T) {
	if native.OpenStore == nil {
		t.Skip("no file store linked into hosts/native")
	}
	path := t.TempDir() + "/folio.db"
	db, err := wasm.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Do(ctx, "SET", "k", "from wasm"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Do(ctx, "HSET", "h", "f", "v"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = wasm.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := db.Do(ctx, "GET", "k"); err != nil || v != "from wasm" {
		t.Fatalf("GET after reopen: %v %v", v, err)
	}
	db.Close()
	n, err := native.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if v, err := n.Do(ctx, "HGET", "h", "f"); err != nil || v != "v" {
		t.Fatalf("native HGET of the wasm-written file: %v %v", v, err)
	}
}

func TestCompilationCache(t *testing.T) {
	dir := t.TempDir()
	db, err := wasm.Open(":memory:", wasm.WithCompilationCache(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.Do(ctx, "PING"); err != nil || v != "PONG" {
		t.Fatalf("PING: %v %v", v, err)
	}
	var files int
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files == 0 {
		t.Fatal("nothing written to the compilation cache directory")
	}
}
