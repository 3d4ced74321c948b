package native

import (
	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
)

// The SQLite store is what Open uses for a file path. It registers here,
// not in sqlitestore, so that sqlitestore need not import this package.
func init() {
	OpenStore = func(path, durability string) (store.Store, error) {
		return sqlitestore.Open(path, sqlitestore.Options{Durability: durability})
	}
}
