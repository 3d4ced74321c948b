package wasm

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/foliodb/folio/core/store/memstore"
	"github.com/tetratelabs/wazero"
)

// TestTimings measures cold compile, cached compile and instantiate of
// folio.wasm: FOLIO_WASM_TIMINGS=1 go test ./wasm -run TestTimings -v
func TestTimings(t *testing.T) {
	if os.Getenv("FOLIO_WASM_TIMINGS") == "" {
		t.Skip("set FOLIO_WASM_TIMINGS=1 to measure compile and instantiate times")
	}
	ctx := context.Background()
	dir := t.TempDir()
	compileOnce := func() time.Duration {
		cache, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
		defer r.Close(ctx)
		start := time.Now()
		if _, err := r.CompileModule(ctx, Binary); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	cold := compileOnce()
	cached := compileOnce()
	cfg := config{now: time.Now, binary: Binary}
	if _, err := start(cfg, memstore.New()); err != nil { // warm the process-wide compile
		t.Fatal(err)
	}
	const n = 5
	t0 := time.Now()
	for i := 0; i < n; i++ {
		h, err := start(cfg, memstore.New())
		if err != nil {
			t.Fatal(err)
		}
		h.mod.Close(ctx)
	}
	inst := time.Since(t0) / n
	// The ABI's own cost: an exec with an empty request (median).
	h, err := start(cfg, memstore.New())
	if err != nil {
		t.Fatal(err)
	}
	defer h.mod.Close(ctx)
	id, _ := h.sessionOpen()
	h.req = h.req[:0]
	ds := make([]time.Duration, 20000)
	for i := range ds {
		t1 := time.Now()
		h.run(nil, id)
		ds[i] = time.Since(t1)
	}
	slices.Sort(ds)
	t.Logf("empty exec round trip (median) %v", ds[len(ds)/2])
	t.Logf("folio.wasm %d bytes; cold compile %v, cached compile %v, instantiate+open %v",
		len(Binary), cold.Round(time.Millisecond), cached.Round(time.Millisecond), inst.Round(time.Microsecond))
}
