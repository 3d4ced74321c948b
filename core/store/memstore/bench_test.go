package memstore

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"unsafe"

	"github.com/tidwall/btree"
)

// BenchmarkTree compares random point lookups in a small tree and in one
// of 2,000,000 keys shaped like a sorted set's (a member and an index key
// per member), for this store's tree and for tidwall/btree (the store's
// previous tree), in one process so that the machine's load hits both:
//
//	go test ./core/store/memstore -run '^$' -bench Tree -benchtime 200000x
//
// The point is the ratio of each tree's large/small figures; cpu-ns/op is
// the benchmark thread's CPU time, less noisy than ns/op on a shared machine.
func BenchmarkTree(b *testing.B) {
	for _, n := range []int{10, 1_000_000} {
		keys := zsetKeys(n)
		tr := newTree()
		tw := btree.NewBTreeGOptions(func(a, b twItem) bool { return bytes.Compare(a.kv, b.kv) < 0 },
			btree.Options{NoLocks: true, Degree: 64})
		for _, k := range keys {
			tr.set(makeItem(k, []byte("12345678")))
			tw.Set(makeTwItem(k, []byte("12345678")))
		}
		// Probes are built per iteration, as the engine builds its keys,
		// for random members: no probe is cached by an earlier one.
		var buf []byte
		probe := func(i int) []byte {
			buf = zsetKey(buf[:0], i*7919%n, i&1 == 0)
			return buf
		}
		name := strconv.Itoa(len(keys))
		run := func(name string, fn func(b *testing.B)) {
			b.Run(name, func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				start := threadCPU()
				fn(b)
				b.ReportMetric(float64(threadCPU()-start)/float64(b.N), "cpu-ns/op")
			})
		}
		run("get/abbr/"+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, ok := tr.get(probe(i)); !ok {
					b.Fatal("missing")
				}
			}
		})
		run("get/tidwall/"+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, ok := tw.Get(twItem{probe(i)}); !ok {
					b.Fatal("missing")
				}
			}
		})
		run("set/abbr/"+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				tr.set(makeItem(probe(i), []byte("87654321")))
			}
		})
		run("set/tidwall/"+name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				tw.Set(makeTwItem(probe(i), []byte("87654321")))
			}
		})
	}
}

// zsetKeys returns the keys of a sorted set of n members, as the engine
// lays them out: 'e' id(8) 'm' member and 'e' id(8) 's' score(8) member.
func zsetKeys(n int) [][]byte {
	var keys [][]byte
	for i := 0; i < n; i++ {
		keys = append(keys, zsetKey(nil, i, true), zsetKey(nil, i, false))
	}
	return keys
}

// zsetKey appends member i's member key (or index key) to buf.
func zsetKey(buf []byte, i int, member bool) []byte {
	buf = append(buf, "e\x00\x00\x00\x00\x00\x00\x00\x05"...)
	if member {
		buf = append(buf, 'm')
	} else {
		buf = append(buf, 's')
		buf = binary.BigEndian.AppendUint64(buf, uint64(i)|1<<63)
	}
	buf = append(buf, "member:"...)
	return strconv.AppendInt(buf, int64(i), 10)
}

// threadCPU returns the calling thread's CPU time in nanoseconds
// (CLOCK_THREAD_CPUTIME_ID): unlike wall time, it leaves out the time
// other processes of a loaded machine take, and unlike the process's, the
// garbage collector's workers.
func threadCPU() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// twItem is the previous store's entry: key and page in one allocation,
// held by a slice of the key whose capacity extends over the page.
type twItem struct {
	kv []byte
}

func makeTwItem(key, page []byte) twItem {
	buf := make([]byte, len(key)+len(page))
	copy(buf, key)
	copy(buf[len(key):], page)
	return twItem{buf[:len(key):len(buf)]}
}
