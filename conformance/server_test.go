package conformance

import (
	"io"
	"net"
	"path/filepath"
	"testing"

	"github.com/foliodb/folio/conformance/transcript"
	"github.com/foliodb/folio/hosts/server"
)

// The server targets: folio-server over real TCP on 127.0.0.1, spoken to
// in raw RESP, on the memory store and on a SQLite file.
func init() {
	targets = append(targets,
		target{"server+memory", func(t testing.TB) (conn, string) { return openServer(t, ":memory:") }},
		target{"server+sqlite", func(t testing.TB) (conn, string) {
			return openServer(t, filepath.Join(t.TempDir(), "folio.db"))
		}},
	)
}

// serverConn is a raw connection that stops its server when closed.
type serverConn struct {
	*transcript.Conn
	srv  interface{ Close() error } // *server.Server or *wasmhost.Server
	addr string
	done chan error
}

// Another opens a second connection to the same server.
func (c *serverConn) Another() (conn, error) { return transcript.Dial(c.addr) }

func (c *serverConn) Close() error {
	c.Conn.Close()
	err := c.srv.Close()
	<-c.done
	return err
}

func openServer(t testing.TB, db string) (conn, string) {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Port = 0
	cfg.DB = db
	cfg.LogLevel = "warning"
	cfg.Log = io.Discard
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("server.New(%s): %v", db, err)
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
