package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/foliodb/folio/hosts/native/sqlitestore"
)

// The store alone, without the engine:
//
//	go test ./hosts/native/sqlitestore -run '^$' -bench . -benchtime 5000x -benchmem

func benchStore(b *testing.B) *sqlitestore.Store {
	s, err := sqlitestore.Open(filepath.Join(b.TempDir(), "b.db"), sqlitestore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	tx, _ := s.Begin(true)
	tx.Put([]byte("key"), []byte("a page of some twenty-odd bytes"))
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkReadTx: a read transaction with one Get (what GET costs the
// store).
func BenchmarkReadTx(b *testing.B) {
	s := benchStore(b)
	key := []byte("key")
	b.ReportAllocs()
	for b.Loop() {
		tx, err := s.Begin(false)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok, err := tx.Get(key); !ok || err != nil {
			b.Fatal(ok, err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteTx: a write transaction with one Get and one Put (what SET
// costs the store), synchronous=NORMAL.
func BenchmarkWriteTx(b *testing.B) {
	s := benchStore(b)
	key, page := []byte("key"), []byte("a page of some twenty-odd bytes")
	b.ReportAllocs()
	for b.Loop() {
		tx, err := s.Begin(true)
		if err != nil {
			b.Fatal(err)
		}
		tx.Get(key)
		if err := tx.Put(key, page); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGroupWriteTx: the same inside groups of 100 (group commit).
func BenchmarkGroupWriteTx(b *testing.B) {
	s := benchStore(b)
	key, page := []byte("key"), []byte("a page of some twenty-odd bytes")
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n%100 == 0 {
			if n > 0 {
				s.EndGroup()
			}
			s.BeginGroup()
		}
		n++
		tx, err := s.Begin(true)
		if err != nil {
			b.Fatal(err)
		}
		tx.Get(key)
		if err := tx.Put(key, page); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.EndGroup(); err != nil {
		b.Fatal(err)
	}
}
