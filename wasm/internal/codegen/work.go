// Package codegen is a probe of what Go's wasm code costs, apart from the
// ABI: the same engine workload, run natively and inside a wasm module
// (./guest) with the memory store in the guest, so that no call crosses
// the module boundary. TestCodegen in package wasm compares the two.
package codegen

import (
	"strconv"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store/memstore"
)

// Cases are the workloads, by number: the commands of wasm's
// BenchmarkCommands (GET, SET, HSET, ZADD).
var Cases = []string{"GET", "SET", "HSET", "ZADD"}

// Workload is an engine over a memory store and the 1,000 argument lists
// of one case.
type Workload struct {
	e    *core.Engine
	s    *core.Session
	args [][][]byte
	w    resp.Writer
}

// New prepares case c and warms it up with one pass over its arguments.
func New(c int) *Workload {
	e, err := core.New(memstore.New(), core.Options{Now: func() int64 { return 1700000000000 }, Seed: 1})
	if err != nil {
		panic(err)
	}
	wl := &Workload{e: e, s: e.NewSession()}
	for i := 0; i < 1000; i++ {
		var ss []string
		switch Cases[c] {
		case "GET":
			ss = []string{"GET", "k"}
		case "SET":
			ss = []string{"SET", "k" + strconv.Itoa(i), "hello world"}
		case "HSET":
			ss = []string{"HSET", "h", "f" + strconv.Itoa(i), "v"}
		case "ZADD":
			ss = []string{"ZADD", "z", strconv.Itoa(i % 997), "m" + strconv.Itoa(i)}
		}
		a := make([][]byte, len(ss))
		for j, s := range ss {
			a[j] = []byte(s)
		}
		wl.args = append(wl.args, a)
	}
	wl.e.Exec(wl.s, [][]byte{[]byte("SET"), []byte("k"), []byte("hello world")}, &wl.w)
	wl.Run(1000)
	return wl
}

// Run executes n commands of the case and returns the bytes of the last
// reply (so the work cannot be dropped).
func (wl *Workload) Run(n int) int {
	for i := 0; i < n; i++ {
		wl.w.B = wl.w.B[:0]
		wl.e.Exec(wl.s, wl.args[i%len(wl.args)], &wl.w)
	}
	return len(wl.w.B)
}
