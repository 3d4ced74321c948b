// Package native is Folio as a Go library: Redis's commands, in process, on
// a SQLite file or in memory.
//
// # Basics
//
//	db, err := native.Open("app.db") // or ":memory:"
//	defer db.Close()
//	db.Do(ctx, "SET", "greeting", "hello")
//	v, err := db.Do(ctx, "GET", "greeting") // "hello"
//
// Replies are plain Go values; error replies are errors that match the
// sentinels (ErrWrongType, ...) with errors.Is. db.Client() returns a
// go-redis client wired to the engine in-process, with no TCP.
//
// # Caveats
//
// One engine serves one DB; its calls are serialized, as Redis serializes
// commands.
package native
