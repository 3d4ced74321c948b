//go:build wasip1

package main

import (
	"runtime"
	_ "unsafe" // go:linkname
)

// The Go collector paced by GOGC runs concurrently with the program, but
// in a reactor nothing runs between calls, so a cycle drags across many
// exec calls with write barriers and assists on, and costs far more than
// the same collection done at once (measured: milliseconds forced, up to
// hundreds of milliseconds paced). So pacing is off and exec collects
// itself, between commands, once enough was allocated. The memory limit
// keeps a single command that allocates a lot from outgrowing memory: the
// runtime still collects on its own near it.
//
// runtime/debug would set both, but it imports os, fmt and time, which
// add 400 KB to folio.wasm; the runtime exports the two setters to it by
// name, and they are reached here the same way.
const (
	gcCheckEvery = 256      // exec calls between looks at the allocation counter (ReadMemStats: ~4 µs)
	gcAfter      = 16 << 20 // bytes allocated between collections
	gcLimit      = 512 << 20
)

//go:linkname setGCPercent runtime/debug.setGCPercent
func setGCPercent(int32) int32

//go:linkname setMemoryLimit runtime/debug.setMemoryLimit
func setMemoryLimit(int64) int64

var (
	gcStats     runtime.MemStats
	gcLastAlloc uint64
	gcCalls     int
)

func init() {
	setGCPercent(-1)
	setMemoryLimit(gcLimit)
}

// maybeCollect runs a collection when gcAfter bytes were allocated since
// the last one.
func maybeCollect() {
	gcCalls++
	if gcCalls%gcCheckEvery != 0 {
		return
	}
	runtime.ReadMemStats(&gcStats)
	if a := gcStats.TotalAlloc; a-gcLastAlloc >= gcAfter {
		runtime.GC()
		runtime.ReadMemStats(&gcStats)
		gcLastAlloc = gcStats.TotalAlloc
	}
}
