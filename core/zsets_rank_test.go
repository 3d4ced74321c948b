package core

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/foliodb/folio/conformance/transcript"
	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/faultstore"
	"github.com/foliodb/folio/core/store/logstore"
	"github.com/foliodb/folio/core/store/memstore"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
)

// smallChunks makes rank chunks tiny for the test, so that small sets
// build, split and join them.
func smallChunks(t *testing.T) {
	b, d, x, n := zChunkBuild, zChunkDrop, zChunkMax, zChunkMin
	zChunkBuild, zChunkDrop, zChunkMax, zChunkMin = 6, 3, 8, 2
	t.Cleanup(func() { zChunkBuild, zChunkDrop, zChunkMax, zChunkMin = b, d, x, n })
}

// checkChunks verifies the rank chunks of every sorted set in the store:
// the first bound empty, each count the number of index entries from its
// bound to the next, sizes within bounds, the total the record's count,
// every set of zChunkBuild members or more chunked, and none below
// zChunkDrop.
func checkChunks(t *testing.T, e *Engine, where string) (chunks int) {
	t.Helper()
	c, tx := readCtx(t, e)
	defer tx.Rollback()
	var sets []Record
	tx.Scan([]byte{prefixKey}, []byte{prefixKey + 1}, false, func(_, v []byte) bool {
		if r, _ := decodeRecord(v); r.Type == TypeZSet {
			sets = append(sets, r)
		}
		return true
	})
	for _, r := range sets {
		p := zChunkKey(nil, r.ID, nil)
		var bounds [][]byte
		var counts []int64
		tx.Scan(p, prefixEnd(p), false, func(k, v []byte) bool {
			bounds = append(bounds, bytes.Clone(k[len(p):]))
			counts = append(counts, getCount(v))
			return true
		})
		if _, gen, _ := tx.Get(zGenKey(nil, r.ID)); gen != (len(bounds) > 0) {
			t.Fatalf("%s: %d chunks, generation present %v", where, len(bounds), gen)
		}
		if len(bounds) == 0 {
			if r.Count >= zChunkBuild {
				t.Fatalf("%s: a set of %d members without chunks", where, r.Count)
			}
			continue
		}
		chunks += len(bounds)
		if r.Count < zChunkDrop {
			t.Fatalf("%s: a set of %d members with chunks", where, r.Count)
		}
		if len(bounds[0]) != 0 {
			t.Fatalf("%s: first chunk bound %q", where, bounds[0])
		}
		var entries [][]byte
		c.zScan(r.ID, nil, nil, false, func(m []byte, s float64) bool {
			entries = append(entries, zIndexSuffix(nil, s, m))
			return true
		})
		if int64(len(entries)) != r.Count {
			t.Fatalf("%s: %d index entries, count %d", where, len(entries), r.Count)
		}
		j := 0
		for i := range bounds {
			n := int64(0)
			for j < len(entries) && (i+1 == len(bounds) || bytes.Compare(entries[j], bounds[i+1]) < 0) {
				if bytes.Compare(entries[j], bounds[i]) < 0 {
					t.Fatalf("%s: entry %q below its chunk %q", where, entries[j], bounds[i])
				}
				n++
				j++
			}
			if n != counts[i] {
				t.Fatalf("%s: chunk %d (%q) counts %d, holds %d (counts %v)", where, i, bounds[i], counts[i], n, counts)
			}
			if n > zChunkMax || i > 0 && n < zChunkMin {
				t.Fatalf("%s: chunk %d holds %d (counts %v)", where, i, n, counts)
			}
		}
	}
	return chunks
}

// TestZsetRankChunksTranscripts plays every transcript with tiny chunks:
// every reply must still be Redis's, and the chunks right after each
// command.
func TestZsetRankChunksTranscripts(t *testing.T) {
	smallChunks(t)
	files, _ := filepath.Glob(filepath.Join("..", "conformance", "testdata", "*.txt"))
	if len(files) < 10 {
		t.Fatalf("transcripts: %v", files)
	}
	most := 0
	for _, f := range files {
		name := filepath.Base(f)
		playTranscript(t, name, func(e *Engine, st transcript.Step, got []byte) {
			// (A blocking command that would wait has no reply here.)
			if err := st.Check(got); err != nil && len(got) > 0 {
				t.Errorf("%s:%d %s: %v\nredis: %q\nfolio: %q", name, st.Line, st.Text, err, st.Want, transcript.Text(got))
			}
			most = max(most, checkChunks(t, e, name+":"+st.Text))
		})
	}
	if most < 3 {
		t.Fatalf("at most %d chunks at once: the transcripts' sets are too small to test them", most)
	}
}

// TestZsetRankChunksRandom runs random writes on sorted sets with tiny
// chunks and checks ranks, counts and rank ranges against a walk of the
// index after each.
func TestZsetRankChunksRandom(t *testing.T) {
	smallChunks(t)
	t.Run("memory", func(t *testing.T) { zsetRankChunksRandom(t, memstore.New(), 6000) })
	// Failed writes: their commands roll back, the engine's cached chunk
	// bounds of a rolled-back split or join must not be used after.
	t.Run("faults", func(t *testing.T) { zsetRankChunksRandom(t, faultstore.New(memstore.New()), 6000) })
	t.Run("sqlite", func(t *testing.T) {
		// A file as the hosts open it: the write log over SQLite.
		st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "z.db"), sqlitestore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ls := logstore.New(st, logstore.Options{})
		t.Cleanup(func() { ls.Close() })
		zsetRankChunksRandom(t, ls, 1500)
	})
}

func zsetRankChunksRandom(t *testing.T, st store.Store, ops int) {
	e, err := New(st, Options{Now: func() int64 { return 1700000000000 }, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession()
	rng := rand.New(rand.NewPCG(1, 2))
	member := func() string { return "m" + strconv.Itoa(rng.IntN(120)) }
	score := func() string { return randScore(rng, 2, 40) }
	do := func(args ...string) []byte { return e.Do(s, args...) }
	fs, _ := st.(*faultstore.Store)
	most := 0
	for op := 0; op < ops; op++ {
		var args []string
		switch k := rng.IntN(12); {
		case k < 5:
			args = []string{"ZADD", "z"}
			for i := rng.IntN(4); i >= 0; i-- {
				args = append(args, score(), member())
			}
		case k == 5:
			args = []string{"ZINCRBY", "z", strconv.Itoa(rng.IntN(7) - 3), member()}
		case k == 6:
			args = []string{"ZREM", "z", member(), member()}
		case k == 7:
			args = []string{"ZPOPMIN", "z", strconv.Itoa(rng.IntN(3))}
		case k == 8:
			args = []string{"ZREMRANGEBYRANK", "z", strconv.Itoa(rng.IntN(60)), strconv.Itoa(rng.IntN(60))}
		case k == 9:
			args = []string{"ZREMRANGEBYSCORE", "z", score(), score()}
		case k == 10:
			args = []string{"ZUNIONSTORE", "z", "2", "z", "w"}
			do("ZADD", "w", score(), member(), score(), member())
		default:
			args = []string{"ZRANGESTORE", "z2", "z", "0", strconv.Itoa(rng.IntN(80))}
		}
		if fs != nil && rng.IntN(3) == 0 {
			if rng.IntN(2) == 0 {
				fs.FailNth(faultstore.Commit, 1, faultstore.ErrIO)
			} else {
				fs.FailNth(faultstore.Put, 1+rng.IntN(8), faultstore.ErrIO)
			}
		}
		injected := fs != nil && fs.Pending() > 0
		if r := do(args...); r[0] == '-' && !injected {
			t.Fatalf("%q: %q", args, r)
		}
		for i := 0; fs != nil && fs.Pending() > 0; i++ {
			do("SET", "spare", strconv.Itoa(i)) // fire a fault the command left
		}
		where := "op " + strconv.Itoa(op) + " " + string(bytes.Join(argsBytes(args), []byte(" ")))
		most = max(most, checkChunks(t, e, where))
		checkRanks(t, e, s, "z", rng, where)
		checkRanks(t, e, s, "z2", rng, where)
	}
	if most < 10 {
		t.Fatalf("at most %d chunks at once", most)
	}
}

// randScore returns -inf, +inf or -0 about once in 3*odds, else an
// integer in [-spread/2, spread/2).
func randScore(rng *rand.Rand, odds, spread int) string {
	switch rng.IntN(3 * odds) {
	case 0:
		return "-inf"
	case 1:
		return "+inf"
	case 2:
		return "-0"
	}
	return strconv.Itoa(rng.IntN(spread) - spread/2)
}

func argsBytes(a []string) [][]byte {
	out := make([][]byte, len(a))
	for i, s := range a {
		out[i] = []byte(s)
	}
	return out
}

// checkRanks compares ZRANK, ZREVRANK, ZCOUNT and ZRANGE by index on key
// with a walk of its index.
func checkRanks(t *testing.T, e *Engine, s *Session, key string, rng *rand.Rand, where string) {
	t.Helper()
	c := &Ctx{E: e, S: s, Now: e.now(), W: &resp.Writer{}}
	r, ok, err := c.lookup([]byte(key))
	var all []zEntry
	if ok {
		c.zScan(r.ID, nil, nil, false, zCollect(&all, 0, -1))
	}
	c.tx.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	n := len(all)
	if n == 0 {
		return
	}
	i := rng.IntN(n)
	m := string(all[i].member)
	if got, want := string(e.Do(s, "ZRANK", key, m)), ":"+strconv.Itoa(i)+"\r\n"; got != want {
		t.Fatalf("%s: ZRANK %s %s = %q, want %q", where, key, m, got, want)
	}
	if got, want := string(e.Do(s, "ZREVRANK", key, m)), ":"+strconv.Itoa(n-1-i)+"\r\n"; got != want {
		t.Fatalf("%s: ZREVRANK %s %s = %q, want %q", where, key, m, got, want)
	}
	bounds := []string{"-inf", "+inf", "0", "(0", "-0", "3", "(3", "-5", "(-5", "17", "(+inf", "(-inf"}
	lo, hi := bounds[rng.IntN(len(bounds))], bounds[rng.IntN(len(bounds))]
	rg, _ := parseScoreRange([]byte(lo), []byte(hi))
	want := 0
	for _, en := range all {
		if rg.gteMin(en.score) && rg.lteMax(en.score) {
			want++
		}
	}
	if got := string(e.Do(s, "ZCOUNT", key, lo, hi)); got != ":"+strconv.Itoa(want)+"\r\n" {
		t.Fatalf("%s: ZCOUNT %s %s %s = %q, want %d", where, key, lo, hi, got, want)
	}
	a, b := rng.IntN(n+2)-1, rng.IntN(n+2)-1
	for _, rev := range []bool{false, true} {
		cmd := "ZRANGE"
		if rev {
			cmd = "ZREVRANGE"
		}
		var w resp.Writer
		sa, sb, ok := zRankRange(int64(a), int64(b), int64(n))
		if !ok {
			w.Array(0)
		} else {
			w.Array(int(sb - sa + 1))
			for q := sa; q <= sb; q++ {
				j := q
				if rev {
					j = int64(n) - 1 - q
				}
				w.Bulk(all[j].member)
			}
		}
		if got := e.Do(s, cmd, key, strconv.Itoa(a), strconv.Itoa(b)); !bytes.Equal(got, w.B) {
			t.Fatalf("%s: %s %s %d %d = %q, want %q", where, cmd, key, a, b, got, w.B)
		}
	}
}

// TestZsetRanksAgainstRedis: a set large enough for rank chunks (default
// sizes), random writes that split and join them, and every rank, count
// and rank range reply compared with redis-server's.
func TestZsetRanksAgainstRedis(t *testing.T) {
	lr := startLiveRedis(t)
	e, err := New(memstore.New(), Options{Now: func() int64 { return 1700000000000 }, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession()
	rng := rand.New(rand.NewPCG(3, 4))
	both := func(args ...string) {
		t.Helper()
		want, got := lr.do(t, args), e.Do(s, args...)
		if !bytes.Equal(want, got) {
			t.Fatalf("%q: redis %q, folio %q", args, want, got)
		}
	}
	both("DEL", "lb")
	const members = 12000
	score := func() string { return randScore(rng, 7, 2000) } // many equal scores
	member := func() string { return "p" + strconv.Itoa(rng.IntN(members)) }
	for i := 0; i < members; i += 500 {
		args := []string{"ZADD", "lb"}
		for j := i; j < i+500; j++ {
			args = append(args, score(), "p"+strconv.Itoa(j))
		}
		both(args...)
	}
	bound := func() string {
		b := score()
		if rng.IntN(3) == 0 && b[0] != '(' {
			b = "(" + b
		}
		return b
	}
	for op := 0; op < 4000; op++ {
		switch rng.IntN(10) {
		case 0, 1:
			both("ZADD", "lb", score(), member(), score(), member())
		case 2:
			both("ZINCRBY", "lb", strconv.Itoa(rng.IntN(200)-100), member())
		case 3:
			both("ZREM", "lb", member(), member(), member())
		case 4:
			if rng.IntN(8) == 0 {
				a := rng.IntN(members)
				both("ZREMRANGEBYRANK", "lb", strconv.Itoa(a), strconv.Itoa(a+rng.IntN(300)))
			} else {
				both("ZPOPMAX", "lb", strconv.Itoa(rng.IntN(3)))
			}
		case 5:
			both("ZRANK", "lb", member())
		case 6:
			both("ZREVRANK", "lb", member())
		case 7:
			both("ZCOUNT", "lb", bound(), bound())
		case 8:
			a := rng.IntN(members+200) - 100
			both("ZRANGE", "lb", strconv.Itoa(a), strconv.Itoa(a+rng.IntN(4)), "WITHSCORES")
		default:
			a := rng.IntN(members+200) - 100
			both("ZREVRANGE", "lb", strconv.Itoa(a), strconv.Itoa(a+rng.IntN(4)))
		}
	}
	if on, _ := func() (bool, error) {
		c := &Ctx{E: e, S: s, Now: e.now(), W: &resp.Writer{}}
		defer func() { c.tx.Rollback() }()
		r, _, err := c.lookup([]byte("lb"))
		if err != nil {
			return false, err
		}
		return c.zChunked(r.ID)
	}(); !on {
		t.Fatal("the set kept no rank chunks: the test compared nothing of them")
	}
}
