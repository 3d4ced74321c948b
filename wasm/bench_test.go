package wasm_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/hosts/native"
	"github.com/foliodb/folio/wasm"
)

// Benchmarks of the plugin against native on the memory store, at the raw
// call (no reply decoding, which both hosts share). Run with
//
//	go test ./wasm -run '^$' -bench . -benchtime 20000x
//
// or FOLIO_RATIOS=1 go test ./wasm -run TestRatios -v for wasm/native ratios.

type raw func(args [][]byte) ([]byte, error)

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
		"native": func(args [][]byte) ([]byte, error) {
			a := make([]any, len(args))
			for i, x := range args {
				a[i] = x
			}
			return ns.Raw(ctx, a...)
		},
		"wasm": ws.Exec,
	}
}

// cases are the benchmarked commands: a setup command and a command whose
// arguments vary with i.
var cases = []struct {
	name  string
	setup []string
	cmd   func(i int) [][]byte
}{
	{"GET", []string{"SET", "k", "hello world"}, func(int) [][]byte {
		return [][]byte{[]byte("GET"), []byte("k")}
	}},
	{"SET", nil, func(i int) [][]byte {
		return [][]byte{[]byte("SET"), []byte("k" + strconv.Itoa(i%1000)), []byte("hello world")}
	}},
	{"HSET", nil, func(i int) [][]byte {
		return [][]byte{[]byte("HSET"), []byte("h"), []byte("f" + strconv.Itoa(i%1000)), []byte("v")}
	}},
	{"ZADD", nil, func(i int) [][]byte {
		return [][]byte{[]byte("ZADD"), []byte("z"), []byte(strconv.Itoa(i % 997)), []byte("m" + strconv.Itoa(i%1000))}
	}},
}

func bench(b *testing.B, do raw, setup []string, cmd func(int) [][]byte) {
	if setup != nil {
		args := make([][]byte, len(setup))
		for i, s := range setup {
			args[i] = []byte(s)
		}
		do(args)
	}
	if out, _ := do(cmd(0)); strings.Contains(string(out), "unknown command") {
		b.Skip("command not in this build of the engine")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := do(cmd(i)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCommands(b *testing.B) {
	for _, c := range cases {
		for _, target := range []string{"native", "wasm"} {
			b.Run(c.name+"/"+target, func(b *testing.B) {
				bench(b, targets(b)[target], c.setup, c.cmd)
			})
		}
	}
}

// TestRatios reports wasm/native ratios of the median call, which holds up
// better than a mean on a shared, loaded machine.
func TestRatios(t *testing.T) {
	if os.Getenv("FOLIO_RATIOS") == "" {
		t.Skip("set FOLIO_RATIOS=1 to measure wasm/native ratios")
	}
	const n = 20000
	for _, c := range cases {
		med := map[string]time.Duration{}
		for _, target := range []string{"native", "wasm"} {
			do := targets(t)[target]
			if c.setup != nil {
				args := make([][]byte, len(c.setup))
				for i, s := range c.setup {
					args[i] = []byte(s)
				}
				do(args)
			}
			if out, _ := do(c.cmd(0)); strings.Contains(string(out), "unknown command") {
				break
			}
			ds := make([]time.Duration, n)
			for i := range ds {
				args := c.cmd(i)
				t0 := time.Now()
				do(args)
				ds[i] = time.Since(t0)
			}
			slices.Sort(ds)
			med[target] = ds[n/2]
		}
		if len(med) < 2 {
			t.Logf("%-5s skipped (command not in this build)", c.name)
			continue
		}
		t.Logf("%-5s median native %8v  wasm %8v  ratio %.1fx", c.name, med["native"], med["wasm"],
			float64(med["wasm"])/float64(med["native"]))
	}
}
