package core_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/memstore"
)

// List operations at the ends and by index must cost about the same on a
// 1,000,000-element list as on a 10-element one (memory store; the target
// is at most 3x). Compare the pairs:
//
//	go test ./core/ -run '^$' -bench 'ListScale' -benchtime 20000x
//
// Besides ns/op (wall clock, which a loaded machine inflates) each reports
// cpu-ns/op, the process's CPU time per operation.
func BenchmarkListScale(b *testing.B) {
	bench := func(b *testing.B, name string, fn func(b *testing.B)) {
		b.Run(name, func(b *testing.B) {
			start := cpuTime()
			fn(b)
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
	for _, size := range []int{10, 1_000_000} {
		e, s := scaleEngine(b, func(*testing.B) store.Store { return memstore.New() })
		fill(b, e, s, "RPUSH", "l", "e", size, false)
		key, mid := []byte("l"), []byte(strconv.Itoa(size/2))
		bench(b, fmt.Sprintf("RPUSH+LPOP/%d", size), func(b *testing.B) {
			var w resp.Writer
			rpush, lpop, v := []byte("RPUSH"), []byte("LPOP"), []byte("x")
			for i := 0; i < b.N; i++ {
				run1(b, e, s, &w, rpush, key, v)
				run1(b, e, s, &w, lpop, key)
			}
		})
		bench(b, fmt.Sprintf("LINDEX-middle/%d", size), func(b *testing.B) {
			var w resp.Writer
			lindex := []byte("LINDEX")
			for i := 0; i < b.N; i++ {
				run1(b, e, s, &w, lindex, key, mid)
			}
		})
		bench(b, fmt.Sprintf("LSET-middle/%d", size), func(b *testing.B) {
			var w resp.Writer
			lset, v := []byte("LSET"), []byte("y")
			for i := 0; i < b.N; i++ {
				run1(b, e, s, &w, lset, key, mid, v)
			}
		})
		bench(b, fmt.Sprintf("LRANGE-first-10/%d", size), func(b *testing.B) {
			var w resp.Writer
			lrange, zero, nine := []byte("LRANGE"), []byte("0"), []byte("9")
			for i := 0; i < b.N; i++ {
				run1(b, e, s, &w, lrange, key, zero, nine)
			}
		})
	}
}
