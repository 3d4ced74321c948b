package core_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/memstore"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
)

// BenchmarkScale measures single-element operations on a collection of
// 10 elements and on one of 1,000,000: with one page per element, the
// cost should barely grow (the target is at most 3x). Run with
//
//	go test ./core -run '^$' -bench 'Scale' -benchtime 20000x
//
// (add -bench 'Scale/mem' for the memory store only: filling SQLite with a
// million elements takes a while). Other collection types may add cases;
// keep the names Scale/<store>/<op>/<size>.
//
// What these measure: hset-existing rewrites one field (size/2) every
// time and sadd-srem adds and removes one new member, so both stay in
// cache at any size; srandmember and spop-sadd pick at random. On a shared
// machine ns/op of one run can be off by 2x; TestScaleRatios (in
// scale_ratio_test.go) measures the ratios with random elements
// at both sizes, in alternating rounds, by thread CPU time.
func BenchmarkScale(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"mem", func(*testing.B) store.Store { return memstore.New() }},
		{"sqlite", func(b *testing.B) store.Store {
			st, err := sqlitestore.Open(filepath.Join(b.TempDir(), "scale.db"), sqlitestore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			return st
		}},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			for _, size := range []int{10, 1_000_000} {
				benchScaleHash(b, st.open, size)
				benchScaleSet(b, st.open, size)
			}
		})
	}
}

// scaleEngine opens an engine over a fresh store for a scale benchmark.
func scaleEngine(b *testing.B, open func(*testing.B) store.Store) (*core.Engine, *core.Session) {
	e, err := core.New(open(b), core.Options{Now: func() int64 { return (time.Unix(1700000000, 0)).UnixMilli() }, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	return e, e.NewSession()
}

// fill runs cmd key [elements...] in batches of 1000 so that key holds
// size elements named prefix0..prefix<size-1> (a value follows each
// element when pairs).
func fill(b *testing.B, e *core.Engine, s *core.Session, cmd, key, prefix string, size int, pairs bool) {
	var w resp.Writer
	for i := 0; i < size; {
		args := [][]byte{[]byte(cmd), []byte(key)}
		for j := 0; j < 1000 && i < size; j, i = j+1, i+1 {
			args = append(args, []byte(prefix+strconv.Itoa(i)))
			if pairs {
				args = append(args, []byte("v"))
			}
		}
		w.B = w.B[:0]
		e.Exec(s, args, &w)
		if w.B[0] == '-' {
			b.Fatalf("%s: %s", cmd, w.B)
		}
	}
}

func run1(b *testing.B, e *core.Engine, s *core.Session, w *resp.Writer, args ...[]byte) {
	w.B = w.B[:0]
	e.Exec(s, args, w)
	if w.B[0] == '-' {
		b.Fatalf("%q: %s", args, w.B)
	}
}

func benchScaleHash(b *testing.B, open func(*testing.B) store.Store, size int) {
	e, s := scaleEngine(b, open)
	fill(b, e, s, "HSET", "h", "field:", size, true)
	hset, key := []byte("HSET"), []byte("h")
	b.Run(fmt.Sprintf("hset-existing/%d", size), func(b *testing.B) {
		var w resp.Writer
		field := []byte("field:" + strconv.Itoa(size/2))
		for i := 0; i < b.N; i++ {
			run1(b, e, s, &w, hset, key, field, []byte("x"))
		}
	})
	b.Run(fmt.Sprintf("hset-new/%d", size), func(b *testing.B) {
		var w resp.Writer
		for i := 0; i < b.N; i++ {
			run1(b, e, s, &w, hset, key, []byte("new:"+strconv.Itoa(i)), []byte("x"))
		}
	})
}

func benchScaleSet(b *testing.B, open func(*testing.B) store.Store, size int) {
	e, s := scaleEngine(b, open)
	fill(b, e, s, "SADD", "s", "member:", size, false)
	sadd, srem, key := []byte("SADD"), []byte("SREM"), []byte("s")
	b.Run(fmt.Sprintf("sadd-srem/%d", size), func(b *testing.B) {
		var w resp.Writer
		for i := 0; i < b.N; i++ {
			m := []byte("new:" + strconv.Itoa(i))
			run1(b, e, s, &w, sadd, key, m)
			run1(b, e, s, &w, srem, key, m)
		}
	})
	// Random picks probe the ordered members instead of reading them.
	b.Run(fmt.Sprintf("srandmember/%d", size), func(b *testing.B) {
		var w resp.Writer
		for i := 0; i < b.N; i++ {
			run1(b, e, s, &w, []byte("SRANDMEMBER"), key)
		}
	})
	b.Run(fmt.Sprintf("spop-sadd/%d", size), func(b *testing.B) {
		var w resp.Writer
		for i := 0; i < b.N; i++ {
			run1(b, e, s, &w, []byte("SPOP"), key)
			m := append([]byte(nil), w.B[bytes.IndexByte(w.B, '\n')+1:len(w.B)-2]...)
			run1(b, e, s, &w, sadd, key, m)
		}
	})
}
