package native_test

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/hosts/native"
)

// BenchmarkGroupSQLite runs the engine on a SQLite file as folio-server
// does under redis-benchmark: commands in groups, one commit per group
// (800 SETs for -c 50 -P 16, 15 ZADDs for -c 50 -P 1), random keys and
// members out of 100,000 (redis-benchmark -r 100000), and SETs out of
// 1,000,000 keys, more than the write log holds unmerged. It measures the server's own work without the
// network, so a change to the write path shows on a machine too noisy for
// make bench-server to tell:
//
//	go test ./hosts/native -run '^$' -bench GroupSQLite -count 6 -cpu 1
func BenchmarkGroupSQLite(b *testing.B) {
	cases := []struct {
		name  string
		group int
		keys  int
		args  func(next func() int) [][]byte
	}{
		{"set/800", 800, 100000, func(next func() int) [][]byte {
			return [][]byte{[]byte("SET"), []byte("key:" + strconv.Itoa(next())), []byte("xxx")}
		}},
		{"set/800/1M-keys", 800, 1000000, func(next func() int) [][]byte {
			return [][]byte{[]byte("SET"), []byte("key:" + strconv.Itoa(next())), []byte("xxx")}
		}},
		// As redis-benchmark's zadd: score and member each random, so
		// most calls move a member in the score index.
		{"zadd/15", 15, 100000, func(next func() int) [][]byte {
			score := strconv.Itoa(next())
			return [][]byte{[]byte("ZADD"), []byte("myzset"), []byte(score), []byte("element:" + strconv.Itoa(next()))}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			st, err := native.OpenStore(filepath.Join(b.TempDir(), "group.db"), "normal")
			if err != nil {
				b.Fatal(err)
			}
			e, err := core.New(st, core.Options{Now: func() int64 { return time.Now().UnixMilli() }})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			g := st.(store.Grouper)
			s := e.NewSession()
			var w resp.Writer
			seed := uint32(1)
			next := func() int { // xorshift: the same keys every run
				seed ^= seed << 13
				seed ^= seed >> 17
				seed ^= seed << 5
				return int(seed % uint32(c.keys))
			}
			run := func() {
				if err := g.BeginGroup(); err != nil {
					b.Fatal(err)
				}
				for i := 0; i < c.group; i++ {
					w.B = w.B[:0]
					e.Exec(s, c.args(next), &w)
					if len(w.B) == 0 || w.B[0] == '-' {
						b.Fatalf("%q", w.B)
					}
				}
				if err := g.EndGroup(); err != nil {
					b.Fatal(err)
				}
			}
			// Warm up to the state a benchmark run reaches: most keys
			// present, the write log part merged.
			for i := 0; i < 200000/c.group; i++ {
				run()
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				run()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*c.group), "ns/cmd")
		})
	}
}
