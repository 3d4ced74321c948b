package core

import (
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"

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
		// The rest of redis-benchmark's default tests.
		{"PING", []string{"PING"}, nil},
		{"RPOP", []string{"RPOP", "mylist"}, nil},
		{"SPOP", []string{"SPOP", "myset"}, nil},
		{"ZPOPMIN", []string{"ZPOPMIN", "myzset"}, nil},
		{"LRANGE_600", []string{"LRANGE", "mylist", "0", "599"}, nil},
		{"MSET", []string{"MSET", "key:", "xxx", "key:", "xxx", "key:", "xxx", "key:", "xxx", "key:", "xxx", "key:", "xxx", "key:", "xxx", "key:", "xxx", "key:", "xxx", "key:", "xxx"}, []int{1, 3, 5, 7, 9, 11, 13, 15, 17, 19}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if bc.name == "LPOP" || bc.name == "RPOP" {
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
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ReportAllocs()
			b.ResetTimer()
			t0 := hotThreadCPU()
			for i := 0; i < b.N; i++ {
				next()
				w.B = w.B[:0]
				e.Exec(s, args, &w)
			}
			reportCPU(b, t0)
		})
	}
}

// hotThreadCPU returns the calling thread's CPU time in nanoseconds
// (clock_gettime(CLOCK_THREAD_CPUTIME_ID)). On a shared machine it is a
// steadier figure than wall time: time the thread waits for a core is not
// counted (nor the garbage collector's background work on other threads).
func hotThreadCPU() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// reportCPU adds the thread CPU time per op since t0 as "cpu-ns/op"; the
// benchmark holds its OS thread.
func reportCPU(b *testing.B, t0 int64) {
	b.ReportMetric(float64(hotThreadCPU()-t0)/float64(b.N), "cpu-ns/op")
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
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ReportAllocs()
			b.ResetTimer()
			t0 := hotThreadCPU()
			for i := 0; i < b.N; i++ {
				w.B = w.B[:0]
				e.Exec(s, bs, &w)
			}
			reportCPU(b, t0)
		})
	}
}

// TestCtxFields is a tripwire: putCtx clears a reused Ctx field by field,
// so a new field must be added there (and here).
func TestCtxFields(t *testing.T) {
	want := "E S Args W Cmd Now tx writable inExec lazyExpired rerun timedOut stillBlocked out deleted rkey ekey page skey ckey zck scanning writeBulk"
	var got []string
	ty := reflect.TypeOf(Ctx{})
	for i := 0; i < ty.NumField(); i++ {
		got = append(got, ty.Field(i).Name)
	}
	if g := strings.Join(got, " "); g != want {
		t.Fatalf("Ctx fields changed:\n got %s\nwant %s\nclear the new ones in putCtx, then update this test", g, want)
	}
}

// TestCtxReuse runs commands that leave state in their Ctx (a blocked
// pop, an EXEC, a lazily expired key) and checks the next commands see
// none of it.
func TestCtxReuse(t *testing.T) {
	e, s := testEngine(t)
	s2 := e.NewSession()
	e.Do(s, "SET", "k", "v", "PX", "1")
	for _, step := range []struct {
		sess *Session
		args []string
		want string
	}{
		{s, []string{"GET", "k"}, "$1\r\nv\r\n"},
		{s2, []string{"BLPOP", "l", "0"}, ""},
		{s, []string{"MULTI"}, "+OK\r\n"},
		{s, []string{"RPUSH", "l", "a", "b"}, "+QUEUED\r\n"},
		{s, []string{"EXEC"}, "*1\r\n:2\r\n"},
		{s, []string{"LRANGE", "l", "0", "-1"}, "*1\r\n$1\r\nb\r\n"},
		{s, []string{"SET", "x", "1"}, "+OK\r\n"},
		{s, []string{"INCR", "x"}, ":2\r\n"},
	} {
		if got := string(e.Do(step.sess, step.args...)); got != step.want {
			t.Fatalf("%q: got %q, want %q", step.args, got, step.want)
		}
	}
	// EXEC served the blocked BLPOP, in a transaction of its own.
	var got string
	for _, d := range e.TakeDeliveries() {
		if d.Session == s2 {
			got += string(d.Data)
		}
	}
	if want := "*2\r\n$1\r\nl\r\n$1\r\na\r\n"; got != want {
		t.Fatalf("BLPOP after EXEC got %q, want %q", got, want)
	}
	for _, c := range e.ctxFree {
		if c.E != nil || c.tx != nil || c.out != (Outcome{}) || c.lazyExpired != nil || c.scanning != 0 {
			t.Fatalf("a reused Ctx keeps state: %+v", *c)
		}
	}
}

// TestWatchElementUpdate: HSET of an existing field and ZADD of a new
// score for an existing member leave the key's record as it was (the
// engine does not rewrite it), yet a WATCH on the key must still fail.
func TestWatchElementUpdate(t *testing.T) {
	e, s := testEngine(t)
	other := e.NewSession()
	e.Do(s, "HSET", "h", "f", "1")
	e.Do(s, "ZADD", "z", "1", "m")
	for _, write := range [][]string{
		{"HSET", "h", "f", "2"},
		{"ZADD", "z", "2", "m"},
		{"HSET", "h", "f", "2"}, // same value: still a write, as in Redis
	} {
		e.Do(s, "WATCH", write[1])
		e.Do(s, "MULTI")
		e.Do(s, "PING")
		if got := string(e.Do(other, write...)); got != ":0\r\n" {
			t.Fatalf("%q: %q", write, got)
		}
		if got := string(e.Do(s, "EXEC")); got != "*-1\r\n" {
			t.Fatalf("EXEC after %q by another client: got %q, want a null array", write, got)
		}
	}
	if got := string(e.Do(s, "HGET", "h", "f")); got != "$1\r\n2\r\n" {
		t.Fatalf("HGET: %q", got)
	}
	if got := string(e.Do(s, "ZSCORE", "z", "m")); got != "$1\r\n2\r\n" {
		t.Fatalf("ZSCORE: %q", got)
	}
}

// TestRandomSubOne: one random pick from a small collection walks to the
// chosen sub instead of reading them all, and chooses exactly what reading
// them all chose, drawing the same random numbers.
func TestRandomSubOne(t *testing.T) {
	for _, size := range []int{1, 2, 3, 10, 100} {
		for _, distinct := range []bool{true, false} {
			e1, s1 := testEngine(t)
			e2, s2 := testEngine(t)
			for i := 0; i < size; i++ {
				m := "m" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('0'+i/26))
				e1.Do(s1, "SADD", "s", m)
				e2.Do(s2, "SADD", "s", m)
			}
			c1 := &Ctx{E: e1, S: s1, Now: e1.now()}
			c2 := &Ctx{E: e2, S: s2, Now: e2.now()}
			r, _, _ := c1.lookup([]byte("s"))
			for round := 0; round < 20; round++ {
				got, err := c1.randomSub(r.ID, r.Count, distinct)
				if err != nil {
					t.Fatal(err)
				}
				// What randomSubs did before: read all, then pick.
				all, _ := c2.elemSubs(r.ID, -1)
				var want []byte
				switch {
				case distinct && len(all) == 1:
					want = all[0]
				case distinct:
					want = all[e2.Random().IntN(len(all))]
				default:
					want = all[e2.Random().IntN(len(all))]
				}
				if len(got) != 1 || string(got[0]) != string(want) {
					t.Fatalf("size %d distinct %v round %d: got %q, want %q", size, distinct, round, got, want)
				}
			}
			c1.tx.Rollback()
			c2.tx.Rollback()
		}
	}
}
