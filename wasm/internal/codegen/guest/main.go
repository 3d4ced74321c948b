//go:build wasip1

// Command guest runs codegen's workloads inside a wasm module: the probe
// TestCodegen (package wasm) builds it and times run against native.
package main

import (
	"runtime/debug"

	"github.com/foliodb/folio/wasm/internal/codegen"
)

func main() {}

// The collector as folio.wasm sets it (guest/gc.go): no pacing, a memory
// limit. A run allocates a few megabytes at most.
func init() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(512 << 20)
}

var wl *codegen.Workload

//go:wasmexport prepare
func prepare(c int32) { wl = codegen.New(int(c)) }

//go:wasmexport run
func run(n int32) int32 { return int32(wl.Run(int(n))) }
