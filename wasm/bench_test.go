package wasm_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/hosts/native"
	"github.com/foliodb/folio/wasm"
)

// Benchmarks of the plugin against native, each over its own memory store,
// through the same call shape (Session.Raw: arguments as values, the raw
// RESP reply back, no decoding), with the arguments built before the
// clock starts. Run with
//
//	go test ./wasm -run '^$' -bench Commands -benchmem -benchtime 20000x
//
// or, for wasm/native ratios from one interleaved run (both targets take
// turns in chunks of 500 calls, so a load change on a shared machine hits
// both alike):
//
//	FOLIO_RATIOS=1 go test ./wasm -run TestRatios -v

type raw func(args []any) ([]byte, error)

func targets(tb testing.TB) map[string]raw {
	n, err := native.Open(":memory:", native.WithSeed(1))
	if err != nil {
		tb.Fatal(err)
	}
	w, err := wasm.Open(":memory:", wasm.WithSeed(1))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { n.Close(); w.Close() })
	ns := n.NewSession()
	ws, err := w.NewSession()
	if err != nil {
		tb.Fatal(err)
	}
	return map[string]raw{
		"native": func(args []any) ([]byte, error) { return ns.Raw(ctx, args...) },
		"wasm":   func(args []any) ([]byte, error) { return ws.Raw(ctx, args...) },
	}
}

// cases are the benchmarked commands: a setup command and a command whose
// arguments vary with i (1000 distinct argument lists).
var cases = []struct {
	name  string
	setup []string
	cmd   func(i int) []string
}{
	{"GET", []string{"SET", "k", "hello world"}, func(int) []string {
		return []string{"GET", "k"}
	}},
	{"SET", nil, func(i int) []string {
		return []string{"SET", "k" + strconv.Itoa(i%1000), "hello world"}
	}},
	{"HSET", nil, func(i int) []string {
		return []string{"HSET", "h", "f" + strconv.Itoa(i%1000), "v"}
	}},
	{"ZADD", nil, func(i int) []string {
		return []string{"ZADD", "z", strconv.Itoa(i % 997), "m" + strconv.Itoa(i%1000)}
	}},
}

// argLists builds the 1000 argument lists of cmd ([]byte values, as a
// client would send them).
func argLists(cmd func(int) []string) [][]any {
	out := make([][]any, 1000)
	for i := range out {
		for _, s := range cmd(i) {
			out[i] = append(out[i], []byte(s))
		}
	}
	return out
}

func toAny(ss []string) []any {
	a := make([]any, len(ss))
	for i, s := range ss {
		a[i] = s
	}
	return a
}

// prepare runs the setup command and a warm-up of 1000 calls; it reports
// false when the engine lacks the command.
func prepare(do raw, setup []string, lists [][]any) bool {
	if setup != nil {
		do(toAny(setup))
	}
	if out, _ := do(lists[0]); strings.Contains(string(out), "unknown command") {
		return false
	}
	for _, a := range lists {
		do(a)
	}
	return true
}

func BenchmarkCommands(b *testing.B) {
	for _, c := range cases {
		lists := argLists(c.cmd)
		for _, target := range []string{"native", "wasm"} {
			b.Run(c.name+"/"+target, func(b *testing.B) {
				do := targets(b)[target]
				if !prepare(do, c.setup, lists) {
					b.Skip("command not in this build of the engine")
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := do(lists[i%len(lists)]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestRatios reports wasm/native ratios from one interleaved run: the
// median call, the mean of the fastest 95% (the rest is mostly the
// machine taking the CPU away, on a shared host) and the plain mean.
func TestRatios(t *testing.T) {
	if os.Getenv("FOLIO_RATIOS") == "" {
		t.Skip("set FOLIO_RATIOS=1 to measure wasm/native ratios")
	}
	const rounds, chunk = 40, 500
	t.Logf("%-5s %-30s %-30s %s", "", "native p50 / mean95 / mean", "wasm p50 / mean95 / mean", "ratio p50 / mean95 / mean")
	for _, c := range cases {
		lists := argLists(c.cmd)
		tg := targets(t)
		names := []string{"native", "wasm"}
		ok := true
		for _, name := range names {
			ok = ok && prepare(tg[name], c.setup, lists)
		}
		if !ok {
			t.Logf("%-5s skipped (command not in this build)", c.name)
			continue
		}
		ds := map[string][]time.Duration{}
		for r := 0; r < rounds; r++ {
			for _, name := range names {
				do := tg[name]
				for i := 0; i < chunk; i++ {
					args := lists[(r*chunk+i)%len(lists)]
					t0 := time.Now()
					do(args)
					ds[name] = append(ds[name], time.Since(t0))
				}
			}
		}
		stat := map[string][3]time.Duration{}
		for _, name := range names {
			d := ds[name]
			var all time.Duration
			for _, x := range d {
				all += x
			}
			slices.Sort(d)
			k := len(d) * 95 / 100
			var fast time.Duration
			for _, x := range d[:k] {
				fast += x
			}
			stat[name] = [3]time.Duration{d[len(d)/2], fast / time.Duration(k), all / time.Duration(len(d))}
		}
		n, w := stat["native"], stat["wasm"]
		f := func(s [3]time.Duration) string { return fmt.Sprintf("%v / %v / %v", s[0], s[1], s[2]) }
		t.Logf("%-5s %-30s %-30s %.1fx / %.1fx / %.1fx", c.name, f(n), f(w),
			float64(w[0])/float64(n[0]), float64(w[1])/float64(n[1]), float64(w[2])/float64(n[2]))
	}
}
