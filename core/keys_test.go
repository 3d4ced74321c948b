package core

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store/memstore"
)

func TestKeysTranscript(t *testing.T) { playPending(t, "keys.txt") }

// TestGlobAgainstRedis compares KEYS with random patterns over random keys
// drawn from glob's special characters against redis-server, so globMatch
// is Redis's stringmatchlen, corner cases included.
func TestGlobAgainstRedis(t *testing.T) {
	rc := startLiveRedis(t)
	e, s := testEngine(t)
	rng := rand.New(rand.NewPCG(7, 7))
	const alphabet = `ab*?[]^-\!`
	word := func(n int) string {
		b := make([]byte, rng.IntN(n+1))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	rc.do(t, []string{"FLUSHALL"})
	args := []string{"MSET"}
	for i := 0; i < 200; i++ {
		k := word(5)
		args = append(args, k, "v")
	}
	rc.do(t, args)
	e.Do(s, args...)
	for i := 0; i < 1500; i++ {
		pat := word(6)
		want := rc.do(t, []string{"KEYS", pat})
		got := e.Do(s, "KEYS", pat)
		if !sameUnordered(want, got) {
			t.Fatalf("KEYS %q:\nredis: %q\nfolio: %q", pat, want, got)
		}
	}
}

func testEngine(t testing.TB) (*Engine, *Session) {
	t.Helper()
	e, err := New(memstore.New(), Options{Now: func() int64 { return (time.Unix(1700000000, 0)).UnixMilli() }, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return e, e.NewSession()
}

// scanAll runs SCAN to the end and returns how many times each key came.
func scanAll(t *testing.T, e *Engine, s *Session, count int, between func(call int), extra ...string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	cur := "0"
	for call := 0; ; call++ {
		if call > 100000 {
			t.Fatal("SCAN does not end")
		}
		raw := e.Do(s, append([]string{"SCAN", cur, "COUNT", fmt.Sprint(count)}, extra...)...)
		v, err := resp.NewReader(bytes.NewReader(raw)).Read()
		if err != nil || len(v.Elems) != 2 {
			t.Fatalf("SCAN reply %q: %v", raw, err)
		}
		if len(v.Elems[1].Elems) > count {
			t.Fatalf("SCAN COUNT %d returned %d keys", count, len(v.Elems[1].Elems))
		}
		for _, k := range v.Elems[1].Elems {
			seen[k.Str]++
		}
		cur = v.Elems[0].Str
		if cur == "0" {
			return seen
		}
		if between != nil {
			between(call)
		}
	}
}

func TestScanCoversEveryKey(t *testing.T) {
	e, s := testEngine(t)
	args := []string{"MSET"}
	for i := 0; i < 1000; i++ {
		args = append(args, fmt.Sprintf("key:%04d", i), "v")
	}
	e.Do(s, args...)
	seen := scanAll(t, e, s, 7, nil)
	if len(seen) != 1000 {
		t.Fatalf("plain scan saw %d keys, want 1000", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("%s returned %d times without changes", k, n)
		}
	}
	// Keys added and removed during the scan: the ones present throughout
	// are returned, and the scan still ends.
	seen = scanAll(t, e, s, 13, func(call int) {
		e.Do(s, "DEL", fmt.Sprintf("key:%04d", 999-call))
		e.Do(s, "SET", fmt.Sprintf("key:%04d:new", call*7), "v")
		e.Do(s, "SET", fmt.Sprintf("a%d", call), "v")
	})
	for i := 0; i < 1000; i++ {
		k := fmt.Sprintf("key:%04d", i)
		if seen[k] == 0 && i < 900 {
			t.Errorf("%s present for the whole scan was not returned", k)
		}
	}
	// A MATCH with a literal prefix visits only the keys under it.
	seen = scanAll(t, e, s, 5, nil, "MATCH", "key:012*")
	if len(seen) != 11 { // key:0120-0129 and key:0126:new
		t.Errorf("MATCH key:012* saw %d keys: %v", len(seen), seen)
	}
	// MATCH and TYPE filter but still visit COUNT keys per call.
	standInCollection(t, e, s, []string{"RPUSH", "key:0500:list", "x"})
	seen = scanAll(t, e, s, 10, nil, "MATCH", "key:05*", "TYPE", "list")
	if len(seen) != 1 || seen["key:0500:list"] != 1 {
		t.Errorf("MATCH+TYPE scan saw %v", seen)
	}
}

// TestScanCursorFallback checks that a cursor the engine forgot (a restart,
// another process, eviction) still resumes at or before its position.
func TestScanCursorFallback(t *testing.T) {
	e, s := testEngine(t)
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[string]bool{}
	args := []string{"MSET"}
	for i := 0; i < 500; i++ {
		k := fmt.Sprintf("%x", rng.Uint64())
		want[k] = true
		args = append(args, k, "v")
	}
	e.Do(s, args...)
	seen := scanAll(t, e, s, 9, func(int) { e.scan = nil })
	for k := range want {
		if seen[k] == 0 {
			t.Fatalf("%s missed after the cursor cache was dropped", k)
		}
	}
	// Many cursors handed out: old ones are evicted, not leaked.
	for i := 0; i < 3*scanCursorCache; i++ {
		e.Do(s, "SCAN", "0", "COUNT", "1")
	}
	if n := len(e.cursors().pos); n > scanCursorCache {
		t.Errorf("%d cursors kept, limit %d", n, scanCursorCache)
	}
}

// TestCopyRenameCollections checks that COPY duplicates a collection's
// elements under a fresh id, RENAME and MOVE keep the id, and that the
// garbage of a deleted original leaves the copy intact.
func TestCopyRenameCollections(t *testing.T) {
	e, s := testEngine(t)
	standInCollection(t, e, s, []string{"HSET", "h", "f1", "v1", "f2", "v2"})
	elems := func(key string, db int) (uint64, []string) {
		c := &Ctx{E: e, S: &Session{DB: db}, W: &resp.Writer{}, Now: e.now()}
		r, ok, err := c.lookup([]byte(key))
		if err != nil || !ok {
			t.Fatalf("lookup %s: %v %v", key, ok, err)
		}
		var out []string
		c.eachElement(r.ID, func(sub, page []byte) bool {
			out = append(out, string(sub)+"="+string(page))
			return true
		})
		c.tx.Rollback()
		return r.ID, out
	}
	id, orig := elems("h", 0)
	runSteps(t, e, s, []step{
		{[]string{"COPY", "h", "h2"}, ":1\r\n"},
		{[]string{"COPY", "h", "h3", "DB", "2"}, ":1\r\n"},
	})
	id2, cp := elems("h2", 0)
	id3, cp3 := elems("h3", 2)
	if id2 == id || id3 == id || id2 == id3 {
		t.Errorf("COPY reused an id: %d %d %d", id, id2, id3)
	}
	if fmt.Sprint(cp) != fmt.Sprint(orig) || fmt.Sprint(cp3) != fmt.Sprint(orig) {
		t.Errorf("copied elements %v %v, want %v", cp, cp3, orig)
	}
	runSteps(t, e, s, []step{{[]string{"RENAME", "h2", "r"}, "+OK\r\n"}})
	if idr, _ := elems("r", 0); idr != id2 {
		t.Errorf("RENAME changed the id %d -> %d", id2, idr)
	}
	runSteps(t, e, s, []step{{[]string{"MOVE", "r", "5"}, ":1\r\n"}})
	if idm, _ := elems("r", 5); idm != id2 {
		t.Errorf("MOVE changed the id %d -> %d", id2, idm)
	}
	runSteps(t, e, s, []step{{[]string{"DEL", "h"}, ":1\r\n"}})
	for i := 0; i < 10; i++ {
		e.ActiveExpire(100)
	}
	if _, got := elems("r", 5); fmt.Sprint(got) != fmt.Sprint(orig) {
		t.Errorf("after reclaiming the original, the copy holds %v", got)
	}
}

// TestRandomAgainstRedis plays a random sequence of string, key, expiry and
// database commands over a few keys against redis-server and the engine;
// every reply must match (KEYS as a multiset).
func TestRandomAgainstRedis(t *testing.T) {
	rc := startLiveRedis(t)
	e, err := New(memstore.New(), Options{Now: func() int64 { return time.Now().UnixMilli() }, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession()
	rng := rand.New(rand.NewPCG(11, 13))
	key := func() string { return fmt.Sprint("k", rng.IntN(6)) }
	val := func() string {
		switch rng.IntN(5) {
		case 0:
			return fmt.Sprint(rng.IntN(30) - 10)
		case 1:
			return fmt.Sprintf("%.3f", rng.Float64()*100-50)
		case 2:
			return ""
		case 3:
			return strings.Repeat("x", 38+rng.IntN(10))
		}
		return fmt.Sprint("v", rng.IntN(100))
	}
	num := func() string { return fmt.Sprint(rng.IntN(40) - 10) }
	future := func() string { return fmt.Sprint(90000000000 + rng.IntN(1000)) }
	gens := []func() []string{
		func() []string { return []string{"SET", key(), val()} },
		func() []string {
			opts := [][]string{{"NX"}, {"XX"}, {"GET"}, {"KEEPTTL"}, {"EXAT", future()}, {"PXAT", future() + "000"}, {"EX", "0"}}
			a := []string{"SET", key(), val()}
			for i := rng.IntN(3); i > 0; i-- {
				a = append(a, opts[rng.IntN(len(opts))]...)
			}
			return a
		},
		func() []string { return []string{"GET", key()} },
		func() []string { return []string{"APPEND", key(), val()} },
		func() []string { return []string{"SETRANGE", key(), num(), val()} },
		func() []string { return []string{"GETRANGE", key(), num(), num()} },
		func() []string { return []string{"INCR", key()} },
		func() []string { return []string{"DECRBY", key(), num()} },
		func() []string { return []string{"INCRBYFLOAT", key(), val()} },
		func() []string { return []string{"STRLEN", key()} },
		func() []string { return []string{"MSET", key(), val(), key(), val()} },
		func() []string { return []string{"MSETNX", key(), val(), key(), val()} },
		func() []string { return []string{"MGET", key(), key(), key()} },
		func() []string { return []string{"GETSET", key(), val()} },
		func() []string { return []string{"GETDEL", key()} },
		func() []string { return []string{"GETEX", key(), "EXAT", future()} },
		func() []string { return []string{"GETEX", key(), "PERSIST"} },
		func() []string { return []string{"DEL", key(), key()} },
		func() []string { return []string{"EXISTS", key(), key()} },
		func() []string { return []string{"TYPE", key()} },
		func() []string { return []string{"RENAME", key(), key()} },
		func() []string { return []string{"RENAMENX", key(), key()} },
		func() []string { return []string{"COPY", key(), key(), "DB", fmt.Sprint(rng.IntN(3))} },
		func() []string { return []string{"COPY", key(), key(), "REPLACE"} },
		func() []string { return []string{"MOVE", key(), fmt.Sprint(rng.IntN(3))} },
		func() []string {
			return []string{"EXPIREAT", key(), future(), []string{"NX", "XX", "GT", "LT"}[rng.IntN(4)]}
		},
		func() []string { return []string{"EXPIREAT", key(), fmt.Sprint(rng.IntN(100))} },
		func() []string { return []string{"PERSIST", key()} },
		func() []string { return []string{"EXPIRETIME", key()} },
		func() []string { return []string{"TTL", key()} },
		func() []string { return []string{"OBJECT", "ENCODING", key()} },
		func() []string { return []string{"OBJECT", "REFCOUNT", key()} },
		func() []string { return []string{"LCS", key(), key(), "IDX", "WITHMATCHLEN"} },
		func() []string { return []string{"SELECT", fmt.Sprint(rng.IntN(3))} },
		func() []string { return []string{"SWAPDB", fmt.Sprint(rng.IntN(3)), fmt.Sprint(rng.IntN(3))} },
		func() []string { return []string{"DBSIZE"} },
		func() []string { return []string{"KEYS", "*"} },
		func() []string {
			if rng.IntN(10) == 0 {
				return []string{"FLUSHDB"}
			}
			return []string{"KEYS", "k[1-3]"}
		},
	}
	rc.do(t, []string{"FLUSHALL"})
	for i := 0; i < 4000; i++ {
		args := gens[rng.IntN(len(gens))]()
		want := rc.do(t, args)
		got := e.Do(s, args...)
		same := bytes.Equal(want, got)
		if !same && args[0] == "KEYS" {
			same = sameUnordered(want, got)
		}
		if !same && args[0] == "TTL" {
			same = want[0] == got[0]
		}
		if !same {
			t.Fatalf("step %d %q:\nredis: %q\nfolio: %q", i, args, want, got)
		}
	}
}

// TestRandomKeySpread checks that RANDOMKEY reaches every key, uniformly
// on a small database and not far from it on keys of one shape.
func TestRandomKeySpread(t *testing.T) {
	for _, tc := range []struct {
		n      int
		format string
		picks  int // per key
		lo, hi int // bounds on picks per key
	}{
		{100, "user:%d", 200, 120, 300},
		{1000, "user:%05d", 60, 15, 200},
	} {
		e, s := testEngine(t)
		args := []string{"MSET"}
		for i := 0; i < tc.n; i++ {
			args = append(args, fmt.Sprintf(tc.format, i*37), "v")
		}
		e.Do(s, args...)
		counts := map[string]int{}
		for i := 0; i < tc.picks*tc.n; i++ {
			counts[string(e.Do(s, "RANDOMKEY"))]++
		}
		if len(counts) != tc.n {
			t.Fatalf("RANDOMKEY reached %d of %d keys", len(counts), tc.n)
		}
		bad := 0
		for k, n := range counts {
			if n < tc.lo || n > tc.hi {
				bad++
				if bad < 5 {
					t.Errorf("%d keys: %q picked %d times, %d expected", tc.n, k, n, tc.picks)
				}
			}
		}
	}
}

// TestWatchFlushSwap checks WATCH across FLUSHDB, FLUSHALL and SWAPDB from
// another session, as Redis 7.0 answers (verified with redis-cli).
func TestWatchFlushSwap(t *testing.T) {
	e, s := testEngine(t)
	other := e.NewSession()
	exec := func(watched []string, between ...[]string) string {
		e.Do(s, append([]string{"WATCH"}, watched...)...)
		for _, b := range between {
			e.Do(other, b...)
		}
		e.Do(s, "MULTI")
		e.Do(s, "PING")
		return string(e.Do(s, "EXEC"))
	}
	aborted, ran := "*-1\r\n", "*1\r\n+PONG\r\n"
	e.Do(s, "SET", "k", "v")
	if got := exec([]string{"k"}, []string{"FLUSHDB"}); got != aborted {
		t.Errorf("FLUSHDB of a watched key: %q", got)
	}
	if got := exec([]string{"absent"}, []string{"FLUSHDB"}); got != ran {
		t.Errorf("FLUSHDB, watched key absent before and after: %q", got)
	}
	e.Do(other, "SELECT", "1")
	e.Do(other, "SET", "k", "in1")
	if got := exec([]string{"k"}, []string{"SWAPDB", "0", "1"}); got != aborted {
		t.Errorf("SWAPDB bringing the watched key: %q", got)
	}
	if got := exec([]string{"nope"}, []string{"SWAPDB", "0", "1"}); got != ran {
		t.Errorf("SWAPDB, watched key in neither: %q", got)
	}
	e.Do(s, "SET", "k", "again")
	if got := exec([]string{"k"}, []string{"FLUSHALL"}); got != aborted {
		t.Errorf("FLUSHALL of a watched key: %q", got)
	}
}
