package core

import (
	"testing"

	"github.com/foliodb/folio/core/resp"
)

// BenchmarkExecHot measures, through Exec on the memory store, the commands
// redis-benchmark sends, with its keys (-r 100000: key:000000012345):
//
//	go test ./core -run '^$' -bench ExecHot -benchmem -benchtime 200000x
func BenchmarkExecHot(b *testing.B) {
	e, s := testEngine(b)
	var w resp.Writer
	do := func(args ...string) {
		bs := make([][]byte, len(args))
		for i, a := range args {
			bs[i] = []byte(a)
		}
		w.B = w.B[:0]
		e.Exec(s, bs, &w)
	}
	// The keyspace redis-benchmark leaves behind: strings, counters, and
	// the collections, each with a part of the random range.
	for i := 0; i < 100000; i += 2 {
		k := string(randKey("key:", uint32(i)))
		do("SET", k, "xxx")
		do("SET", "counter:"+k[4:], "7")
		if i%10 == 0 {
			do("SADD", "myset", "element:"+k[4:])
			do("HSET", "myhash", "element:"+k[4:], "xxx")
			do("ZADD", "myzset", "0", "element:"+k[4:])
		}
	}
	for i := 0; i < 1000; i++ {
		do("LPUSH", "mylist", "xxx")
	}
	for _, bc := range []struct {
		name string
		args []string
		rnd  []int // the arguments holding __rand_int__
	}{
		{"SET", []string{"SET", "key:", "xxx"}, []int{1}},
		{"GET", []string{"GET", "key:"}, []int{1}},
		{"INCR", []string{"INCR", "counter:"}, []int{1}},
		{"LPUSH", []string{"LPUSH", "mylist", "xxx"}, nil},
		{"RPUSH", []string{"RPUSH", "mylist", "xxx"}, nil},
		{"LPOP", []string{"LPOP", "mylist"}, nil},
		{"SADD", []string{"SADD", "myset", "element:"}, []int{2}},
		{"HSET", []string{"HSET", "myhash", "element:", "xxx"}, []int{2}},
		{"ZADD", []string{"ZADD", "myzset", "", "element:"}, []int{2, 3}},
		{"LRANGE_100", []string{"LRANGE", "mylist", "0", "99"}, nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if bc.name == "LPOP" {
				for i := 0; i < b.N; i++ {
					do("RPUSH", "mylist", "xxx")
				}
			}
			args := make([][]byte, len(bc.args))
			for i, a := range bc.args {
				args[i] = []byte(a)
			}
			for _, j := range bc.rnd {
				args[j] = make([]byte, len(bc.args[j])+12)
			}
			x := uint32(12345)
			next := func() {
				for _, j := range bc.rnd {
					x = x*1664525 + 1013904223
					randKeyInto(args[j], bc.args[j], (x>>8)%100000)
				}
			}
			next()
			w.B = w.B[:0]
			e.Exec(s, args, &w)
			if len(w.B) > 0 && (w.B[0] == '-' || (w.B[0] == '*' && w.B[1] == '0')) {
				b.Fatalf("%s: %q", bc.name, w.B)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				next()
				w.B = w.B[:0]
				e.Exec(s, args, &w)
			}
		})
	}
}

func randKey(prefix string, n uint32) []byte {
	b := make([]byte, len(prefix)+12)
	randKeyInto(b, prefix, n)
	return b
}

// randKeyInto writes prefix and n in 12 digits, as redis-benchmark
// replaces __rand_int__.
func randKeyInto(b []byte, prefix string, n uint32) {
	copy(b, prefix)
	for i := len(b) - 1; i >= len(prefix); i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}

// BenchmarkExecHotOneKey is BenchmarkExecHot's SET, GET and INCR on one
// key, where the store's own cost is smallest: what is left is the
// engine's:
//
//	go test ./core -run '^$' -bench ExecHotOneKey -benchmem
func BenchmarkExecHotOneKey(b *testing.B) {
	for _, args := range [][]string{
		{"SET", "key:000000012345", "xxx"},
		{"GET", "key:000000012345"},
		{"INCR", "counter:000000012345"},
	} {
		b.Run(args[0], func(b *testing.B) {
			e, s := testEngine(b)
			e.Do(s, "SET", "key:000000012345", "xxx")
			bs := make([][]byte, len(args))
			for i, a := range args {
				bs[i] = []byte(a)
			}
			var w resp.Writer
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.B = w.B[:0]
				e.Exec(s, bs, &w)
			}
		})
	}
}
