package conformance

import (
	"path/filepath"
	"testing"

	"github.com/foliodb/folio/wasm"
)

// The wasm plugin (folio.wasm in wazero) is a target like the others, on
// the memory store and on a SQLite file (the store lives in the host).
func init() {
	targets = append(targets,
		target{"wasm+memory", func(t testing.TB) (conn, string) { return openWasm(t, ":memory:") }},
		target{"wasm+sqlite", func(t testing.TB) (conn, string) {
			return openWasm(t, filepath.Join(t.TempDir(), "folio.db"))
		}},
	)
}

type wasmConn struct {
	db *wasm.DB
	s  *wasm.Session
}

func openWasm(t testing.TB, path string) (conn, string) {
	db, err := wasm.Open(path, wasm.WithSeed(1))
	if err != nil {
		t.Fatalf("wasm.Open(%q): %v", path, err)
	}
	s, err := db.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	return &wasmConn{db: db, s: s}, ""
}

func (c *wasmConn) Do(args [][]byte) ([]byte, error) { return c.s.Exec(args) }

func (c *wasmConn) Close() error { c.s.Close(); return c.db.Close() }
