package core

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/memstore"
)

// pageCounter counts the pages a transaction reads and writes.
type pageCounter struct {
	store.Store
	gets, puts, dels, scans int
}

type pageCounterTx struct {
	store.Tx
	s *pageCounter
}

func (s *pageCounter) Begin(w bool) (store.Tx, error) {
	tx, err := s.Store.Begin(w)
	return pageCounterTx{tx, s}, err
}

func (t pageCounterTx) Get(k []byte) ([]byte, bool, error) { t.s.gets++; return t.Tx.Get(k) }
func (t pageCounterTx) Put(k, p []byte) error              { t.s.puts++; return t.Tx.Put(k, p) }
func (t pageCounterTx) Delete(k []byte) error              { t.s.dels++; return t.Tx.Delete(k) }
func (t pageCounterTx) Scan(a, b []byte, r bool, fn func(k, p []byte) bool) error {
	t.s.scans++
	return t.Tx.Scan(a, b, r, fn)
}

func collEngine(t *testing.T, st store.Store, now *time.Time) (*Engine, *Session) {
	t.Helper()
	e, err := New(st, Options{Now: func() int64 { return (*now).UnixMilli() }, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return e, e.NewSession()
}

// inCtx runs fn as a write command would.
func inCtx(t *testing.T, e *Engine, s *Session, fn func(c *Ctx) error) {
	t.Helper()
	c := &Ctx{E: e, S: s, W: &resp.Writer{Proto: 2}, writable: true, Now: e.now()}
	if err := fn(c); err != nil {
		t.Fatal(err)
	}
	if c.tx != nil {
		if err := c.tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

func record(t *testing.T, e *Engine, s *Session, key string) (r Record, ok bool) {
	inCtx(t, e, s, func(c *Ctx) error {
		var err error
		r, ok, err = c.lookup([]byte(key))
		return err
	})
	return
}

func setExpire(t *testing.T, e *Engine, s *Session, key string, at int64) {
	inCtx(t, e, s, func(c *Ctx) error {
		r, ok, err := c.lookup([]byte(key))
		if err != nil || !ok {
			return fmt.Errorf("no key %s: %v", key, err)
		}
		prev := r
		r.ExpireAt = at
		return c.put([]byte(key), &r, &prev)
	})
}

func expiryEntries(t *testing.T, st store.Store) int {
	tx, _ := st.Begin(false)
	defer tx.Rollback()
	n := 0
	tx.Scan([]byte{prefixExpire}, []byte{prefixExpire + 1}, false, func(k, p []byte) bool { n++; return true })
	return n
}

func doS(e *Engine, s *Session, args ...string) string { return string(e.Do(s, args...)) }

// A write to an existing collection keeps its TTL; emptying it deletes the
// key and its expiry entry; an expired collection is invisible and a write
// starts a new one.
func TestCollectionTTL(t *testing.T) {
	now := time.Unix(1700000000, 0)
	st := memstore.New()
	e, s := collEngine(t, st, &now)
	at := now.UnixMilli() + 100_000
	for _, tc := range []struct{ key, add, more, del string }{
		{"h", "HSET h a 1 b 2", "HSET h c 3", "HDEL h a b c"},
		{"s", "SADD s a b", "SADD s c", "SREM s a b c"},
	} {
		doS(e, s, strings.Fields(tc.add)...)
		setExpire(t, e, s, tc.key, at)
		doS(e, s, strings.Fields(tc.more)...)
		if strings.HasPrefix(tc.key, "h") {
			doS(e, s, "HINCRBY", "h", "n", "1")
			doS(e, s, "HINCRBYFLOAT", "h", "f", "1")
			doS(e, s, "HSETNX", "h", "x", "1")
			doS(e, s, "HDEL", "h", "n", "f", "x")
		}
		if r, ok := record(t, e, s, tc.key); !ok || r.ExpireAt != at {
			t.Fatalf("%s: TTL lost by a write: %+v %v", tc.key, r, ok)
		}
		if got := doS(e, s, strings.Fields(tc.del)...); got != ":3\r\n" {
			t.Fatalf("%s: %q", tc.del, got)
		}
		if _, ok := record(t, e, s, tc.key); ok {
			t.Fatalf("%s: emptied collection not deleted", tc.key)
		}
		if n := expiryEntries(t, st); n != 0 {
			t.Fatalf("%s: %d expiry entries left", tc.key, n)
		}
	}
	// Expired: invisible to reads, replaced by writes.
	doS(e, s, "HSET", "h", "a", "1", "b", "2")
	doS(e, s, "SADD", "s", "a", "b")
	setExpire(t, e, s, "h", now.UnixMilli()+1000)
	setExpire(t, e, s, "s", now.UnixMilli()+1000)
	now = now.Add(2 * time.Second)
	for _, c := range [][2]string{
		{"HGET h a", "$-1\r\n"}, {"HLEN h", ":0\r\n"}, {"SCARD s", ":0\r\n"}, {"SISMEMBER s a", ":0\r\n"},
		{"HSET h c 3", ":1\r\n"}, {"HLEN h", ":1\r\n"}, {"HGET h a", "$-1\r\n"},
		{"SADD s c", ":1\r\n"}, {"SCARD s", ":1\r\n"},
	} {
		if got := doS(e, s, strings.Fields(c[0])...); got != c[1] {
			t.Errorf("%s: got %q want %q", c[0], got, c[1])
		}
	}
	if r, _ := record(t, e, s, "h"); r.ExpireAt != 0 {
		t.Errorf("a new hash inherited an old TTL")
	}
	// Store commands replace the destination and its TTL.
	setExpire(t, e, s, "s", now.UnixMilli()+100_000)
	doS(e, s, "SADD", "src", "x", "y")
	if got := doS(e, s, "SUNIONSTORE", "s", "src"); got != ":2\r\n" {
		t.Fatal(got)
	}
	if r, _ := record(t, e, s, "s"); r.ExpireAt != 0 {
		t.Errorf("SUNIONSTORE kept the destination's TTL")
	}
}

// One field operation touches O(1) pages whatever the hash's size (SMOVE,
// the most, 12: two collections, and the key counters of the key it
// creates).
func TestCollectionPagesPerOp(t *testing.T) {
	now := time.Unix(1700000000, 0)
	cs := &pageCounter{Store: memstore.New()}
	e, s := collEngine(t, cs, &now)
	args := []string{"HSET", "h"}
	sargs := []string{"SADD", "s"}
	for i := 0; i < 20000; i++ {
		args = append(args, fmt.Sprint("f", i), "v")
		sargs = append(sargs, fmt.Sprint("m", i))
	}
	doS(e, s, args...)
	doS(e, s, sargs...)
	for _, cmd := range []string{
		"HSET h f5 x", "HSET h new x", "HDEL h f6", "HGET h f7", "HINCRBY h n 1", "HEXISTS h f8",
		"SADD s new", "SREM s m5", "SISMEMBER s m7", "SMOVE s s2 m9", "SCARD s", "HLEN h",
	} {
		*cs = pageCounter{Store: cs.Store}
		doS(e, s, strings.Fields(cmd)...)
		n := cs.gets + cs.puts + cs.dels + cs.scans
		t.Logf("%s: %d page operations", cmd, n)
		if n > 12 {
			t.Errorf("%s: %d page operations (%d gets, %d puts, %d deletes, %d scans)", cmd, n, cs.gets, cs.puts, cs.dels, cs.scans)
		}
	}
}

// HSCAN's cursor progresses over fields sharing long prefixes, and over
// fields made of zero bytes.
func TestScanCursorEdges(t *testing.T) {
	now := time.Unix(1700000000, 0)
	e, s := collEngine(t, memstore.New(), &now)
	want := map[string]bool{"": true, "\x00": true, "\x00\x00\x00\x00\x00\x00\x00\x00\x00": true}
	for i := 0; i < 300; i++ {
		want[fmt.Sprintf("a-very-long-common-prefix:%d", i)] = true
		want[fmt.Sprintf("b%d", i)] = true
	}
	for f := range want {
		doS(e, s, "SADD", "s", f)
	}
	seen := map[string]bool{}
	cursor := "0"
	for calls := 0; ; calls++ {
		v, err := resp.NewReader(strings.NewReader(doS(e, s, "SSCAN", "s", cursor, "COUNT", "7"))).Read()
		if err != nil {
			t.Fatal(err)
		}
		cursor = v.Elems[0].Str
		for _, m := range v.Elems[1].Elems {
			seen[m.Str] = true
		}
		if cursor == "0" {
			break
		}
		if calls > 1000 {
			t.Fatal("SSCAN does not end")
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("SSCAN saw %d of %d members", len(seen), len(want))
	}
}

func TestLongDouble(t *testing.T) {
	for _, c := range [][3]string{
		{"10.5", "0.1", "10.6"}, {"1.1", "2.2", "3.3"}, {"1.10", "1e3", "1001.09999999999999998"},
		{"0", "-0", "0"}, {"5", "0x10", "21"}, {"1e20", "1e-20", "100000000000000000000"},
		{"3.0e3", "200", "3200"}, {"-1.5", "1.5", "0"},
	} {
		a, ok1 := parseLongDouble([]byte(c[0]))
		b, ok2 := parseLongDouble([]byte(c[1]))
		got, ok := addLongDoubles(a, b)
		if !ok1 || !ok2 || !ok || got != c[2] {
			t.Errorf("%s + %s = %q, want %q", c[0], c[1], got, c[2])
		}
	}
	for _, bad := range []string{"", " 1", "1 ", "nan", "abc", "1_0", "0b1", "--1", "1e"} {
		if _, ok := parseLongDouble([]byte(bad)); ok {
			t.Errorf("parseLongDouble(%q) accepted", bad)
		}
	}
}

// Random picks in a large collection spread over it for common key shapes.
func TestRandomPickSpread(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// The least number of distinct members 2000 picks among 5000 must
	// give (uniform picks give about 1648).
	floor := map[string]int{"num": 1000, "hex": 1400, "word": 1400, "uuid": 1100}
	shapes := map[string]func(i int) string{
		"num": func(i int) string { return fmt.Sprintf("m%d", i) },
		"hex": func(i int) string { return fmt.Sprintf("%016x", rng.Uint64()) },
		"word": func(i int) string {
			b := make([]byte, 3+rng.IntN(8))
			for j := range b {
				b[j] = 'a' + byte(rng.IntN(26))
			}
			return string(b)
		},
		"uuid": func(i int) string { return fmt.Sprintf("user:%08x-%04x", rng.Uint32(), rng.Uint32()&0xffff) },
	}
	for _, name := range []string{"num", "hex", "word", "uuid"} {
		gen := shapes[name]
		now := time.Unix(1700000000, 0)
		e, s := collEngine(t, memstore.New(), &now)
		args := []string{"SADD", "s"}
		for i := 0; i < 5000; i++ {
			args = append(args, gen(i))
		}
		e.Do(s, args...)
		var n int
		fmt.Sscanf(doS(e, s, "SCARD", "s")[1:], "%d", &n)
		seen := map[string]int{}
		for i := 0; i < 2000; i++ {
			seen[doS(e, s, "SRANDMEMBER", "s")]++
		}
		mx := 0
		for _, c := range seen {
			mx = max(mx, c)
		}
		t.Logf("%s: %d members, 2000 picks: %d distinct (uniform ~%d), max hits %d", name, n, len(seen), int(float64(n)*(1-math.Exp(-2000/float64(n)))), mx)
		if len(seen) < floor[name] {
			t.Errorf("%s: only %d distinct members in 2000 picks (want >= %d)", name, len(seen), floor[name])
		}
	}
}

// collScanAll runs SSCAN (or HSCAN) to the end, calling between after each
// step, and returns the elements seen and the largest batch.
func collScanAll(t *testing.T, e *Engine, s *Session, cmd, key string, count int, between func(step int)) (map[string]bool, int) {
	t.Helper()
	seen := map[string]bool{}
	cursor, maxBatch := "0", 0
	for step := 0; ; step++ {
		v, err := resp.NewReader(strings.NewReader(doS(e, s, cmd, key, cursor, "COUNT", fmt.Sprint(count)))).Read()
		if err != nil || len(v.Elems) != 2 {
			t.Fatalf("%s: %+v %v", cmd, v, err)
		}
		cursor = v.Elems[0].Str
		stride := 1
		if cmd == "HSCAN" {
			stride = 2
		}
		maxBatch = max(maxBatch, len(v.Elems[1].Elems)/stride)
		for i := 0; i < len(v.Elems[1].Elems); i += stride {
			seen[v.Elems[1].Elems[i].Str] = true
		}
		if cursor == "0" {
			return seen, maxBatch
		}
		if step > 100000 {
			t.Fatal("scan does not end")
		}
		if between != nil {
			between(step)
		}
	}
}

// Batches stay near COUNT when names share a long prefix, and a scan
// survives its collection's common prefix shrinking under it.
func TestScanCursorPrefix(t *testing.T) {
	now := time.Unix(1700000000, 0)
	e, s := collEngine(t, memstore.New(), &now)
	args := []string{"HSET", "h"}
	for i := 0; i < 20000; i++ {
		args = append(args, fmt.Sprintf("user:session:%08d", i), "v")
	}
	doS(e, s, args...)
	seen, maxBatch := collScanAll(t, e, s, "HSCAN", "h", 10, nil)
	if len(seen) != 20000 || maxBatch > 20 {
		t.Errorf("HSCAN COUNT 10 over 20000 fields: %d seen, batches up to %d", len(seen), maxBatch)
	}
	// The common prefix "aa:" shrinks to "" when "b" arrives mid-scan.
	sargs := []string{"SADD", "s"}
	for i := 0; i < 1000; i++ {
		sargs = append(sargs, fmt.Sprintf("aa:%04d", i))
	}
	doS(e, s, sargs...)
	seen, _ = collScanAll(t, e, s, "SSCAN", "s", 10, func(step int) {
		if step == 20 {
			doS(e, s, "SADD", "s", "b")
		}
		if step == 40 {
			doS(e, s, "SREM", "s", "b")
			doS(e, s, "SADD", "s", "a")
		}
	})
	for i := 0; i < 1000; i++ {
		if m := fmt.Sprintf("aa:%04d", i); !seen[m] {
			t.Fatalf("SSCAN missed %s", m)
		}
	}
	// A common prefix beyond 255 bytes.
	long := strings.Repeat("p", 300)
	for i := 0; i < 500; i++ {
		doS(e, s, "SADD", "long", fmt.Sprintf("%s%04d", long, i))
	}
	if seen, _ := collScanAll(t, e, s, "SSCAN", "long", 10, nil); len(seen) != 500 {
		t.Errorf("SSCAN over a 300-byte common prefix saw %d of 500", len(seen))
	}
}
