package wasm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/foliodb/folio/wasm/internal/codegen"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// TestCodegen separates what Go's wasm code costs from what the ABI
// costs: it builds ./internal/codegen/guest (the engine with a memory
// store inside the module, nothing crossing the boundary per command) and
// runs the same workloads as BenchmarkCommands natively and in wazero,
// reporting ns per command and the ratio. With TestRatios (the plugin
// against native, store in the host) the difference is the ABI's share.
//
//	FOLIO_WASM_CODEGEN=1 go test ./wasm -run TestCodegen -v
func TestCodegen(t *testing.T) {
	if os.Getenv("FOLIO_WASM_CODEGEN") == "" {
		t.Skip("set FOLIO_WASM_CODEGEN=1 to measure Go's wasm code against native code")
	}
	bin := filepath.Join(t.TempDir(), "codegen.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", bin, "./internal/codegen/guest")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	code, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	cm, err := r.CompileModule(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	const n, rounds = 20000, 7
	t.Logf("%-5s %12s %12s %7s", "", "native ns", "wasm ns", "ratio")
	for c, name := range codegen.Cases {
		mod, err := r.InstantiateModule(ctx, cm, wazero.NewModuleConfig().WithName("").
			WithStartFunctions("_initialize").WithSysWalltime().WithSysNanotime())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mod.ExportedFunction("prepare").Call(ctx, api.EncodeI32(int32(c))); err != nil {
			t.Fatal(err)
		}
		run := mod.ExportedFunction("run")
		wl := codegen.New(c)
		// Alternate the two, best round of each: a load change on a
		// shared machine hits both alike.
		best := [2]time.Duration{1 << 62, 1 << 62}
		for i := 0; i < rounds; i++ {
			t0 := time.Now()
			if wl.Run(n) == 0 {
				t.Fatal("no reply")
			}
			best[0] = min(best[0], time.Since(t0))
			t0 = time.Now()
			res, err := run.Call(ctx, api.EncodeI32(n))
			if err != nil {
				t.Fatal(err)
			}
			if api.DecodeI32(res[0]) == 0 {
				t.Fatal("no reply in the module")
			}
			best[1] = min(best[1], time.Since(t0))
		}
		mod.Close(ctx)
		nat, wsm := float64(best[0].Nanoseconds())/n, float64(best[1].Nanoseconds())/n
		t.Logf("%-5s %12.0f %12.0f %6.1fx", name, nat, wsm, wsm/nat)
	}
}
