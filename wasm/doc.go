// Package wasm runs Folio's engine as folio.wasm, a WASI module, inside
// wazero: a sandboxed Redis engine in any Go program, with the page store
// in the host. The same module runs in other WASI runtimes (node/run.mjs,
// browsers); ABI.md documents its exports and imports.
//
// # Basics
//
//	db, err := wasm.Open(":memory:") // or a file path, with a file store linked
//	defer db.Close()
//	db.Do(ctx, "SET", "greeting", "hello")
//	v, err := db.Do(ctx, "GET", "greeting") // "hello", as native.DB.Do gives
//
// Do returns the same Go values as hosts/native, error replies match
// native's sentinels with errors.Is, Raw returns RESP bytes, NewSession
// gives another client, and Client returns a go-redis client wired to the
// module in-process (a pipelined batch is one call into the module).
//
// # Caveats
//
// The module is compiled once per process (about a second;
// WithCompilationCache keeps the result on disk), and each Open is one
// instance (tens of milliseconds) with its own memory. Calls into an
// instance are serialized. File paths need a file store registered in
// native.OpenStore (import hosts/native/sqlitestore). Guest memory grows
// with the largest reply and never shrinks.
package wasm
