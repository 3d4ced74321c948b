package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
	"github.com/foliodb/folio/internal/storetest"
)

func open(t *testing.T, path string, opt sqlitestore.Options) *sqlitestore.Store {
	t.Helper()
	st, err := sqlitestore.Open(path, opt)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	return st
}

func TestSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "suite.db"), sqlitestore.Options{})
	})
}

func TestSuiteFull(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "suite.db"), sqlitestore.Options{Durability: "full"})
	})
}
