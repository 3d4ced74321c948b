package sqlitestore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/faultstore"
	"github.com/foliodb/folio/hosts/native"
	"github.com/foliodb/folio/internal/storetest"
)

// TestFaults runs the engine-level fault checks through native.Open on a
// SQLite file wrapped in a fault-injecting store, then checks the file.
func TestFaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faults.db")
	var fs *faultstore.Store
	prev := native.OpenStore
	native.OpenStore = func(path, durability string) (store.Store, error) {
		st, err := prev(path, durability)
		if err != nil {
			return nil, err
		}
		fs = faultstore.New(st)
		return fs, nil
	}
	db, err := native.Open(path)
	native.OpenStore = prev
	if err != nil {
		t.Fatal(err)
	}
	sess := db.NewSession()
	storetest.EngineFaults(t, fs, func(args ...string) string {
		as := make([]any, len(args))
		for i, a := range args {
			as[i] = a
		}
		raw, err := sess.Raw(context.Background(), as...)
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	})
	db.Close()
	db, err = native.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := mustDo(t, db, "GET", "k"); got != "c" {
		t.Fatalf("after reopen GET k = %v", got)
	}
	if got := mustDo(t, db, "GET", "new"); got != nil {
		t.Fatalf("the write whose commit failed is in the file: %v", got)
	}
}
