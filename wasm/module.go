package wasm

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Binary is folio.wasm, built from ./guest by `make wasm`.
//
//go:embed folio.wasm
var Binary []byte

// ABIVersion is the version of ABI.md this package speaks; a module whose
// abi_version export returns another number is refused.
const ABIVersion = 3

// ErrABI is returned by Open for a module that does not speak ABIVersion.
var ErrABI = errors.New("wasm: module does not speak folio ABI version " + strconv.Itoa(ABIVersion))

// The process-wide runtimes, one per compilation cache directory ("" for
// none): compiling folio.wasm takes about a second, so it is done once per
// process (and per distinct binary), and every DB is an instance of the
// same compiled module.
var rt struct {
	sync.Mutex
	byDir map[string]*runtimeEntry
}

type runtimeEntry struct {
	r        wazero.Runtime
	compiled map[[32]byte]wazero.CompiledModule
}

// exports every folio.wasm must have, with their signatures.
var wantExports = map[string][2][]api.ValueType{
	"abi_version":    {nil, {i32}},
	"control":        {nil, {i32}},
	"reserve":        {{i32}, {i32}},
	"open":           {{i32}, {i32}},
	"session_open":   {nil, {i64}},
	"session_close":  {{i64}, {i32}},
	"exec":           {{i64, i32}, {i32}},
	"deliveries":     {nil, {i32}},
	"expire_blocked": {nil, {i32}},
	"housekeep":      {nil, {i32}},
	"cancel_blocked": {{i64}, {i32}},
}

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// runtime returns the runtime for cacheDir, creating it on first use.
func runtime(ctx context.Context, cacheDir string) (*runtimeEntry, error) {
	if e := rt.byDir[cacheDir]; e != nil {
		return e, nil
	}
	cfg := wazero.NewRuntimeConfig()
	if cacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cacheDir)
		if err != nil {
			return nil, fmt.Errorf("wasm: compilation cache: %w", err)
		}
		cfg = cfg.WithCompilationCache(cache)
	}
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		r.Close(ctx)
		return nil, err
	}
	if _, err := hostModule(r).Instantiate(ctx); err != nil {
		r.Close(ctx)
		return nil, err
	}
	if rt.byDir == nil {
		rt.byDir = map[string]*runtimeEntry{}
	}
	e := &runtimeEntry{r: r, compiled: map[[32]byte]wazero.CompiledModule{}}
	rt.byDir[cacheDir] = e
	return e, nil
}

// compile returns bin compiled, checking its imports and exports against
// the ABI before anything runs.
func compile(ctx context.Context, bin []byte, cacheDir string) (wazero.Runtime, wazero.CompiledModule, error) {
	rt.Lock()
	defer rt.Unlock()
	e, err := runtime(ctx, cacheDir)
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(bin)
	if cm := e.compiled[sum]; cm != nil {
		return e.r, cm, nil
	}
	cm, err := e.r.CompileModule(ctx, bin)
	if err != nil {
		return nil, nil, fmt.Errorf("wasm: compile: %w", err)
	}
	if err := checkShape(cm); err != nil {
		cm.Close(ctx)
		return nil, nil, err
	}
	e.compiled[sum] = cm
	return e.r, cm, nil
}

func checkShape(cm wazero.CompiledModule) error {
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod == "folio" {
			if _, ok := hostFuncs[name]; !ok {
				return fmt.Errorf("%w: unknown import folio.%s", ErrABI, name)
			}
		}
	}
	got := cm.ExportedFunctions()
	for name, sig := range wantExports {
		f, ok := got[name]
		if !ok {
			return fmt.Errorf("%w: missing export %s", ErrABI, name)
		}
		if !sameTypes(f.ParamTypes(), sig[0]) || !sameTypes(f.ResultTypes(), sig[1]) {
			return fmt.Errorf("%w: export %s has another signature", ErrABI, name)
		}
	}
	return nil
}

func sameTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
