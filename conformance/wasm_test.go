package conformance

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/store/memstore"
	"github.com/foliodb/folio/wasm"
)

// The wasm target: the engine compiled to folio.wasm, run by wazero, on
// the memory store.
func init() {
	targets = append(targets, target{"wasm+memory", openWasm})
}

// wasmStale says, once per test binary, why the embedded folio.wasm cannot
// be compared: it was built from older engine sources (make wasm rebuilds
// it; make check fails on it).
var wasmStale struct {
	once sync.Once
	why  string
}

func openWasm(t testing.TB) (conn, string) {
	wasmStale.once.Do(func() {
		db, err := wasm.Open(":memory:", wasm.WithSeed(1))
		if err != nil {
			wasmStale.why = "wasm.Open: " + err.Error()
			return
		}
		defer db.Close()
		got, err := db.Raw(context.Background(), "COMMAND", "COUNT")
		if err != nil {
			wasmStale.why = "COMMAND COUNT: " + err.Error()
			return
		}
		if want := commandCount(); string(got) != want {
			wasmStale.why = fmt.Sprintf("the embedded folio.wasm is stale (COMMAND COUNT %q, the engine sources have %q): run make wasm", got, want)
		}
	})
	if wasmStale.why != "" {
		return nil, wasmStale.why
	}
	db, err := wasm.Open(":memory:", wasm.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.NewSession()
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	return &wasmConn{db: db, s: s, owner: true}, ""
}

// commandCount is COMMAND COUNT's reply from the engine built from these
// sources.
func commandCount() string {
	e, err := core.New(memstore.New(), core.Options{Now: func() int64 { return testClock().UnixMilli() }})
	if err != nil {
		return err.Error()
	}
	return string(e.Do(e.NewSession(), "COMMAND", "COUNT"))
}

type wasmConn struct {
	db    *wasm.DB
	s     *wasm.Session
	owner bool
}

func (c *wasmConn) Do(args [][]byte) ([]byte, error) { return c.s.Exec(args) }

// Another opens a second session on the same instance.
func (c *wasmConn) Another() (conn, error) {
	s, err := c.db.NewSession()
	if err != nil {
		return nil, err
	}
	return &wasmConn{db: c.db, s: s}, nil
}

func (c *wasmConn) Close() error {
	c.s.Close()
	if c.owner {
		return c.db.Close()
	}
	return nil
}
