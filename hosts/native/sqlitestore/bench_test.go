package sqlitestore_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/logstore"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
)

// The store alone, without the engine:
//
//	go test ./hosts/native/sqlitestore -run '^$' -bench . -benchtime 5000x -benchmem

func benchStore(b *testing.B) *sqlitestore.Store {
	s, err := sqlitestore.Open(filepath.Join(b.TempDir(), "b.db"), sqlitestore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	tx, _ := s.Begin(true)
	tx.Put([]byte("key"), []byte("a page of some twenty-odd bytes"))
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkReadTx: a read transaction with one Get (what GET costs the
// store).
func BenchmarkReadTx(b *testing.B) {
	s := benchStore(b)
	key := []byte("key")
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		tx, err := s.Begin(false)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok, err := tx.Get(key); !ok || err != nil {
			b.Fatal(ok, err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteTx: a write transaction with one Get and one Put (what SET
// costs the store), synchronous=NORMAL.
func BenchmarkWriteTx(b *testing.B) {
	s := benchStore(b)
	key, page := []byte("key"), []byte("a page of some twenty-odd bytes")
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for b.Loop() {
		tx, err := s.Begin(true)
		if err != nil {
			b.Fatal(err)
		}
		tx.Get(key)
		if err := tx.Put(key, page); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGroupWriteTx: the same inside groups of 100 (group commit).
func BenchmarkGroupWriteTx(b *testing.B) {
	s := benchStore(b)
	key, page := []byte("key"), []byte("a page of some twenty-odd bytes")
	b.ReportAllocs()
	defer cpuPerOp(b)()
	n := 0
	for b.Loop() {
		if n%100 == 0 {
			if n > 0 {
				s.EndGroup()
			}
			s.BeginGroup()
		}
		n++
		tx, err := s.Begin(true)
		if err != nil {
			b.Fatal(err)
		}
		tx.Get(key)
		if err := tx.Put(key, page); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.EndGroup(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEngineGroup: real engine commands over the store, the way a
// server with group commit runs them: groups of 800 commands (50 clients x
// 16 pipelined) in one BeginGroup/EndGroup, each command its own engine
// transaction (a savepoint). One op is one command; the group's commit is
// included (amortized). set: SET on 1000 distinct keys; get: GET of those
// keys; group-of-0/1: a whole group (BeginGroup, 0 or 1 SET, EndGroup);
// commit: an EndGroup of 800 SETs alone, per group.
//
//	go test ./hosts/native/sqlitestore -run '^$' -bench EngineGroup -benchtime 8000x -benchmem
func BenchmarkEngineGroup(b *testing.B) {
	const group = 800
	setup := func(b *testing.B) (*core.Engine, *core.Session, *sqlitestore.Store, [][][]byte, [][][]byte) {
		s := benchStore(b)
		e, err := core.New(s, core.Options{Now: func() int64 { return time.Now().UnixMilli() }})
		if err != nil {
			b.Fatal(err)
		}
		var sets, gets [][][]byte
		for i := range 1000 {
			k := []byte(fmt.Sprintf("key:%06d", i))
			sets = append(sets, [][]byte{[]byte("SET"), k, []byte("value-of-some-length")})
			gets = append(gets, [][]byte{[]byte("GET"), k})
		}
		sess := e.NewSession()
		w := &resp.Writer{}
		for _, c := range sets {
			e.Exec(sess, c, w)
		}
		return e, sess, s, sets, gets
	}
	for _, name := range []string{"set", "get"} {
		b.Run(name, func(b *testing.B) {
			e, sess, s, sets, gets := setup(b)
			cmds := sets
			if name == "get" {
				cmds = gets
			}
			w := &resp.Writer{}
			b.ReportAllocs()
			defer cpuPerOp(b)()
			n := 0
			for b.Loop() {
				if n%group == 0 {
					if n > 0 {
						if err := s.EndGroup(); err != nil {
							b.Fatal(err)
						}
					}
					if err := s.BeginGroup(); err != nil {
						b.Fatal(err)
					}
				}
				w.B = w.B[:0]
				e.Exec(sess, cmds[n%len(cmds)], w)
				if w.B[0] == '-' {
					b.Fatal(string(w.B))
				}
				n++
			}
			if err := s.EndGroup(); err != nil {
				b.Fatal(err)
			}
		})
	}
	// The fixed cost of a group: empty (a batch of reads), and with one SET.
	for _, n := range []int{0, 1} {
		b.Run(fmt.Sprintf("group-of-%d", n), func(b *testing.B) {
			e, sess, s, sets, _ := setup(b)
			w := &resp.Writer{}
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for i := 0; b.Loop(); i++ {
				if err := s.BeginGroup(); err != nil {
					b.Fatal(err)
				}
				for range n {
					e.Exec(sess, sets[i%len(sets)], w)
				}
				if err := s.EndGroup(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("commit", func(b *testing.B) {
		e, sess, s, sets, _ := setup(b)
		w := &resp.Writer{}
		b.ReportAllocs()
		var cpu int64
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			if err := s.BeginGroup(); err != nil {
				b.Fatal(err)
			}
			for j := range group {
				e.Exec(sess, sets[(i*group+j)%len(sets)], w)
			}
			b.StartTimer()
			t0 := cpuNow()
			if err := s.EndGroup(); err != nil {
				b.Fatal(err)
			}
			cpu += cpuNow() - t0
		}
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	})
}

// cpuPerOp starts measuring the process's CPU time (user+system, all
// threads); the returned func reports it per op as cpu-ns/op. On a shared
// machine that varies less than ns/op, which also counts the time other
// processes ran. Use as defer cpuPerOp(b)() after the setup.
func cpuPerOp(b *testing.B) func() {
	start := cpuNow()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuNow()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuNow() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkEngineGroupRandom: what folio-server does under redis-benchmark
// -r 100000 -P 16 with group commit per pipeline: groups of 16 SETs on
// random keys of a 100,000-key space, so each group dirties pages all over
// the file (and the WAL fills and is checkpointed). One op is one SET.
//
//	go test ./hosts/native/sqlitestore -run '^$' -bench EngineGroupRandom -benchtime 20000x -benchmem
func BenchmarkEngineGroupRandom(b *testing.B) {
	for _, group := range []int{16, 800} {
		b.Run(fmt.Sprint("group-", group), func(b *testing.B) {
			s := benchStore(b)
			e, err := core.New(s, core.Options{Now: func() int64 { return time.Now().UnixMilli() }})
			if err != nil {
				b.Fatal(err)
			}
			sess := e.NewSession()
			w := &resp.Writer{}
			const space = 100000
			set := func(i int) {
				w.B = w.B[:0]
				e.Exec(sess, [][]byte{[]byte("SET"), fmt.Appendf(nil, "key:%012d", i), []byte("xxx")}, w)
				if w.B[0] == '-' {
					b.Fatal(string(w.B))
				}
			}
			s.BeginGroup()
			for i := range space {
				set(i)
			}
			if err := s.EndGroup(); err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			defer cpuPerOp(b)()
			n := 0
			for b.Loop() {
				if n%group == 0 {
					if n > 0 {
						if err := s.EndGroup(); err != nil {
							b.Fatal(err)
						}
					}
					if err := s.BeginGroup(); err != nil {
						b.Fatal(err)
					}
				}
				set(rng.IntN(space))
				n++
			}
			if err := s.EndGroup(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkMerge: logstore's merge of an overlay of 100,000 changed keys
// (random 16-byte keys, 10% of them deletions, over a file holding them
// already) into SQLite, through WriteThrough and, for comparison, through
// Put and Delete (a base whose transactions hide WriteThrough):
//
//	go test ./hosts/native/sqlitestore -run '^$' -bench Merge -benchtime 5x
func BenchmarkMerge(b *testing.B) {
	for _, name := range []string{"through", "put"} {
		b.Run(name, func(b *testing.B) {
			s := benchStore(b)
			var base store.Store = s
			if name == "put" {
				base = hideThrough{s}
			}
			ls := logstore.New(base, logstore.Options{MergeEntries: 1 << 30, MergeBytes: 1 << 30, MergeDeletes: 1 << 30})
			rng := rand.New(rand.NewPCG(1, 2))
			const n = 100_000
			fill := func(round int) {
				for i := 0; i < n; i += 1000 {
					tx, err := ls.Begin(true)
					if err != nil {
						b.Fatal(err)
					}
					for j := i; j < i+1000; j++ {
						k := fmt.Appendf(nil, "k%015d", rng.IntN(10*n))
						if round > 0 && j%10 == 0 {
							tx.Delete(k)
						} else {
							tx.Put(k, fmt.Appendf(nil, "page %d %d", round, j))
						}
					}
					if err := tx.Commit(); err != nil {
						b.Fatal(err)
					}
				}
			}
			fill(0)
			if err := ls.Merge(); err != nil {
				b.Fatal(err)
			}
			var cpu int64 // of the merges alone
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				fill(i + 1)
				b.StartTimer()
				c := cpuNow()
				if err := ls.Merge(); err != nil {
					b.Fatal(err)
				}
				cpu += cpuNow() - c
			}
			b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// hideThrough is a store whose transactions have only store.Tx's methods.
type hideThrough struct{ s *sqlitestore.Store }

func (h hideThrough) Begin(w bool) (store.Tx, error) {
	tx, err := h.s.Begin(w)
	if err != nil {
		return nil, err
	}
	return struct{ store.Tx }{tx}, nil
}

func (h hideThrough) Close() error { return h.s.Close() }
