package conformance

import (
	"io"
	"net"
	"testing"

	"github.com/foliodb/folio/conformance/transcript"
	"github.com/foliodb/folio/hosts/server"
	"github.com/foliodb/folio/hosts/server/wasmhost"
	"github.com/foliodb/folio/wasm"
)

// The wasm-engine server target: folio-server --engine wasm (package
// hosts/server/wasmhost) over real TCP on 127.0.0.1, on the memory store.
func init() {
	targets = append(targets, target{"server-wasm+memory", openServerWasm})
}

func openServerWasm(t testing.TB) (conn, string) {
	t.Helper()
	// The same staleness check as the wasm+memory target.
	if c, skip := openWasm(t); skip != "" {
		return nil, skip
	} else {
		c.Close()
	}
	cfg := server.DefaultConfig()
	cfg.Port = 0
	cfg.DB = ":memory:"
	cfg.Engine = "wasm"
	cfg.LogLevel = "warning"
	cfg.Log = io.Discard
	srv, err := wasmhost.New(cfg, wasm.WithSeed(1))
	if err != nil {
		t.Fatalf("wasmhost.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	c, err := transcript.Dial(ln.Addr().String())
	if err != nil {
		srv.Close()
		<-done
		t.Fatal(err)
	}
	return &serverConn{Conn: c, srv: srv, addr: ln.Addr().String(), done: done}, ""
}
