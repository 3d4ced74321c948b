package native_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/foliodb/folio/hosts/native"
)

// Do on a SQLite file: one command, one SQLite transaction.
//
//	go test ./hosts/native -run '^$' -bench SQLite -benchtime 2000x -benchmem

func openSQLite(b *testing.B, opts ...native.Option) *native.DB {
	b.Helper()
	db, err := native.Open(filepath.Join(b.TempDir(), "bench.db"), opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func BenchmarkDoSQLiteGet(b *testing.B) {
	db := openSQLite(b)
	ctx := context.Background()
	if _, err := db.Do(ctx, "SET", "key", "value-of-some-length"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		v, err := db.Do(ctx, "GET", "key")
		if err != nil || v != "value-of-some-length" {
			b.Fatal(v, err)
		}
	}
}

func BenchmarkDoSQLiteSet(b *testing.B) {
	for _, mode := range []string{"normal", "full"} {
		b.Run(mode, func(b *testing.B) {
			db := openSQLite(b, native.WithDurability(mode))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := db.Do(ctx, "SET", "key", "value-of-some-length"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
