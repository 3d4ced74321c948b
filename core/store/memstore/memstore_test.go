package memstore

import (
	"bytes"
	"maps"
	"math/rand"
	"strconv"
	"testing"
)

// TestTxModel runs random transactions against a map, committing some and
// rolling back others. The engine reads a key before writing it, so most
// writes here follow a get of their key and, when the page keeps its
// length, change the item in place (tree.overwrite); rollback must restore
// those pages as well as the replaced and deleted items.
func TestTxModel(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	s := New()
	model := map[string]string{}
	key := func() []byte { return []byte("k" + strconv.Itoa(r.Intn(3000))) }
	page := func() []byte {
		// Few lengths, so that many writes keep a page's length.
		return bytes.Repeat([]byte{byte('a' + r.Intn(26))}, r.Intn(3)*4)
	}
	inPlace := 0
	for round := 0; round < 3000; round++ {
		tx, err := s.Begin(true)
		if err != nil {
			t.Fatal(err)
		}
		want := maps.Clone(model)
		for op := r.Intn(40); op >= 0; op-- {
			k := key()
			pg, ok, err := tx.Get(k)
			if err != nil {
				t.Fatal(err)
			}
			if mv, mok := want[string(k)]; ok != mok || string(pg) != mv {
				t.Fatalf("round %d: get %q = %q %v, want %q %v", round, k, pg, ok, mv, mok)
			}
			if r.Intn(4) == 0 {
				if err := tx.Delete(k); err != nil {
					t.Fatal(err)
				}
				delete(want, string(k))
				continue
			}
			if r.Intn(5) == 0 {
				k = key() // a write that no get preceded
			}
			v := page()
			if ok && len(v) == len(pg) {
				inPlace++
			}
			if err := tx.Put(k, v); err != nil {
				t.Fatal(err)
			}
			want[string(k)] = string(v)
		}
		if r.Intn(3) == 0 {
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
		} else {
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			model = want
		}
		if round%500 == 0 || round == 2999 {
			check(t, s.tree)
			tx, _ := s.Begin(false)
			n := 0
			tx.Scan(nil, nil, false, func(k, pg []byte) bool {
				if mv, ok := model[string(k)]; !ok || mv != string(pg) {
					t.Fatalf("round %d: %q = %q, want %q %v", round, k, pg, mv, ok)
				}
				n++
				return true
			})
			tx.Rollback()
			if n != len(model) {
				t.Fatalf("round %d: %d keys, want %d", round, n, len(model))
			}
		}
	}
	if inPlace < 10000 {
		t.Fatalf("only %d writes could be in place", inPlace)
	}
}
