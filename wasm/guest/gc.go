//go:build wasip1

package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// The Go collector paced by GOGC runs concurrently with the program, but
// in a reactor nothing runs between calls, so a cycle drags across many
// exec calls with write barriers and assists on, and costs far more than
// the same collection done at once (measured: milliseconds forced, up to
// hundreds of milliseconds paced). So pacing is off and exec collects
// itself, between commands, once enough was allocated. The memory limit
// keeps a single command that allocates a lot from outgrowing memory: the
// runtime still collects on its own near it.
const (
	gcCheckEvery = 64       // exec calls between looks at the allocation counter
	gcAfter      = 16 << 20 // bytes allocated between collections
	gcLimit      = 512 << 20
)

var (
	gcSample    = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	gcLastAlloc uint64
	gcCalls     int
)

func init() {
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcLimit)
}

// maybeCollect runs a collection when gcAfter bytes were allocated since
// the last one.
func maybeCollect() {
	gcCalls++
	if gcCalls%gcCheckEvery != 0 {
		return
	}
	metrics.Read(gcSample)
	if a := gcSample[0].Value.Uint64(); a-gcLastAlloc >= gcAfter {
		runtime.GC()
		metrics.Read(gcSample)
		gcLastAlloc = gcSample[0].Value.Uint64()
	}
}
