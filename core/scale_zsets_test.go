package core_test

import (
	"strconv"
	"syscall"
	"testing"

	"github.com/foliodb/folio/core"
)

// Sorted set operations must cost about the same on a 1,000,000-member set
// as on a 10-member one (memory store); ranks and counts (ZRANK, ZCOUNT,
// ZRANGE by index) read a few thousand chunk counts and entries there.
// Compare the pairs:
//
//	go test ./core/ -run '^$' -bench 'ZsetScale' -benchtime 20000x
//
// Besides ns/op (wall clock, which a loaded machine inflates) each reports
// cpu-ns/op, the process's CPU time per operation.
func BenchmarkZsetScale(b *testing.B) {
	for _, n := range []int{10, 1000000} {
		e, s := zsetOfSize(b, n)
		name := "n=" + strconv.Itoa(n)
		run := func(op string, fn func(b *testing.B)) {
			b.Run(op+"/"+name, func(b *testing.B) {
				start := cpuTime()
				fn(b)
				b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
			})
		}
		run("ZADD+ZREM-new", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				e.Do(s, "ZADD", "z", "12345.5", "newcomer")
				e.Do(s, "ZREM", "z", "newcomer")
			}
		})
		// The score is new every time (i grows): with i%n, at n=10 member
		// i*7919%10 got the score it already had after the first ten
		// calls, and ZADD wrote nothing, which made the small case cheap.
		run("ZADD-update", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				m := "m" + strconv.Itoa(i*7919%n)
				e.Do(s, "ZADD", "z", strconv.Itoa(i), m)
			}
		})
		run("ZRANGEBYSCORE-10", func(b *testing.B) {
			mid := strconv.Itoa(n / 2)
			for i := 0; i < b.N; i++ {
				if r := e.Do(s, "ZRANGEBYSCORE", "z", mid, "+inf", "LIMIT", "0", "10"); r[0] != '*' {
					b.Fatalf("%q", r)
				}
			}
		})
		run("ZSCORE", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				e.Do(s, "ZSCORE", "z", "m"+strconv.Itoa(i*7919%n))
			}
		})
		// Ranks and counts read the rank chunks (zsets_rank.go): the
		// counts before the member's chunk and a run inside it.
		run("ZRANK", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if r := e.Do(s, "ZRANK", "z", "m"+strconv.Itoa(i*7919%n)); r[0] != ':' {
					b.Fatalf("%q", r)
				}
			}
		})
		run("ZCOUNT", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				lo := i * 7919 % n
				if r := e.Do(s, "ZCOUNT", "z", strconv.Itoa(lo), strconv.Itoa(lo+n/2)); r[0] != ':' {
					b.Fatalf("%q", r)
				}
			}
		})
		run("ZRANGE-rank-3", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				q := i * 7919 % n
				if r := e.Do(s, "ZRANGE", "z", strconv.Itoa(q), strconv.Itoa(q+2)); r[0] != '*' {
					b.Fatalf("%q", r)
				}
			}
		})
		// The same member every time: what the layout costs, without the
		// cache misses of random access to a large tree.
		run("ZSCORE-hot", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				e.Do(s, "ZSCORE", "z", "m1")
			}
		})
		run("ZADD-update-hot", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				e.Do(s, "ZADD", "z", strconv.Itoa(i&1), "m1")
			}
		})
		run("ZRANGE-0-9", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				e.Do(s, "ZRANGE", "z", "0", "9", "WITHSCORES")
			}
		})
	}
}

// zsetOfSize returns an engine holding "z" with members m0..m(n-1), scored
// by their number.
func zsetOfSize(b *testing.B, n int) (*core.Engine, *core.Session) {
	b.Helper()
	e, s := newEngine(b)
	const batch = 1000
	for i := 0; i < n; i += batch {
		args := []string{"ZADD", "z"}
		for j := i; j < i+batch && j < n; j++ {
			v := strconv.Itoa(j)
			args = append(args, v, "m"+v)
		}
		if r := e.Do(s, args...); r[0] != ':' {
			b.Fatalf("%q", r)
		}
	}
	return e, s
}

// cpuTime returns the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkZsetBaselineGet is the reference for the random-access figures
// above: GET of a random key among 1,000,000 strings against 10, on the
// same memory store. What it loses at 1M is the store's (a B-tree whose key
// comparisons chase pointers), not the sorted set layout's.
//
//	go test ./core/ -run '^$' -bench 'ZsetBaselineGet' -benchtime 20000x
func BenchmarkZsetBaselineGet(b *testing.B) {
	for _, n := range []int{10, 1000000} {
		e, s := newEngine(b)
		for i := 0; i < n; i++ {
			e.Do(s, "SET", "k"+strconv.Itoa(i), "v")
		}
		b.Run("GET/n="+strconv.Itoa(n), func(b *testing.B) {
			start := cpuTime()
			for i := 0; i < b.N; i++ {
				e.Do(s, "GET", "k"+strconv.Itoa(i*7919%n))
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}
