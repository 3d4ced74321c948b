// Package store is the seam between Folio's command engine and its storage:
// an ordered, transactional map from byte keys to byte pages.
//
// The engine owns the layout of keys and pages; a store only keeps bytes in
// key order and makes a transaction's writes all-or-nothing. Implementations
// live in memstore (in core, the default for ":memory:" and tests), in
// hosts/native/sqlitestore (a SQLite file) and behind the wasm ABI.
package store

import "errors"

// ErrClosed is returned by Begin after Close.
var ErrClosed = errors.New("store: closed")

// Store is an ordered map of pages with transactions.
//
// The engine runs one transaction at a time per store; a store shared with
// other processes isolates their transactions from this one.
type Store interface {
	// Begin starts a transaction. A read-only transaction (writable false)
	// must not Put or Delete.
	Begin(writable bool) (Tx, error)
	Close() error
}

// Tx is one transaction. Slices returned by Get and passed to Scan's
// callback are read-only and valid until the next Put, Delete, Commit or
// Rollback on the same transaction. Put copies its arguments.
type Tx interface {
	// Get returns the page stored under key, or nil, false when there is none.
	Get(key []byte) (page []byte, ok bool, err error)
	Put(key, page []byte) error
	Delete(key []byte) error
	// Scan calls fn for every key in [start, end) in key order (descending
	// when reverse is true) until fn returns false. A nil end means no upper
	// bound. fn must not write through the transaction.
	Scan(start, end []byte, reverse bool, fn func(key, page []byte) bool) error
	Commit() error
	Rollback() error
}

// Changes is implemented by stores that other processes may write to. The
// engine keeps caches (the database map, the layout version) and drops them
// when the counter moves. The counter is read inside a transaction.
type Changes interface {
	// ExternalVersion returns a number that changes whenever another
	// connection or process committed a write since the last call.
	ExternalVersion(tx Tx) (uint64, error)
}

// Grouper is implemented by stores that can commit many transactions with
// one durable commit (group commit). A server uses it to amortize the cost
// of a commit over the commands of many connections.
//
// Contract:
//   - BeginGroup opens one store-level transaction (holding the store's
//     write lock, so other processes wait). Until EndGroup, every Begin on
//     the store, from any goroutine, runs nested inside it: Begin opens a
//     savepoint, Commit releases it (its writes become visible to later
//     transactions of the group but not yet to other processes, and are not
//     yet durable), Rollback undoes exactly that transaction's writes.
//   - EndGroup commits the group durably (as durably as a plain Commit) and
//     only then returns nil. A caller must not acknowledge a write made in
//     the group (send its reply) before EndGroup returned nil.
//   - If EndGroup returns an error, every transaction committed in the
//     group is lost: the store is as it was before BeginGroup. When the
//     store loses the group early (an I/O error, a full disk), later Begins
//     of the group fail too, and EndGroup still must be called (it reports
//     the loss and closes the group).
//   - Groups do not nest: BeginGroup while a group is open, or EndGroup
//     without one, returns an error. Begin/Commit inside a group must not
//     overlap (as outside one: one transaction at a time).
type Grouper interface {
	BeginGroup() error
	EndGroup() error
}

// Idler is implemented by stores with deferred work that a host can have
// done while no command runs, so that no command waits for it (logstore
// merges its overlay into the pages). Idle is called between transactions,
// never inside one or inside a group, and returns at once when there is
// nothing worth doing.
type Idler interface {
	Idle() error
}
