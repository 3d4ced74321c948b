package native

import (
	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/logstore"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
)

// The SQLite store is what Open uses for a file path. It registers here,
// not in sqlitestore, so that sqlitestore need not import this package.
// The write log in front of it (logstore) makes a commit write one record
// instead of every B-tree page its changes touch; every host opens files
// this way, so they all read the same data.
func init() {
	OpenStore = func(path, durability string) (store.Store, error) {
		st, err := sqlitestore.Open(path, sqlitestore.Options{Durability: durability})
		if err != nil {
			return nil, err
		}
		return logstore.New(st, logstore.Options{}), nil
	}
}
