// Package foliotest runs a real folio-server inside a test, in the spirit
// of miniredis: a TCP server on 127.0.0.1 and a free port, a memory store,
// and a virtual clock the test moves.
//
//	s := foliotest.Run(t)
//	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
//	rdb.Set(ctx, "k", "v", time.Second)
//	s.FastForward(2 * time.Second) // k has expired
package foliotest

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/foliodb/folio/hosts/server"
)

// Server is a running test server.
type Server struct {
	srv  *server.Server
	ln   net.Listener
	done chan error

	mu  sync.Mutex
	now time.Time
}

// Option adjusts the server's configuration before it starts.
type Option func(*server.Config)

// WithConfig lets a test change any server setting (RequirePass, Timeout,
// limits...).
func WithConfig(f func(*server.Config)) Option { return Option(f) }

// Run starts a server and stops it when the test ends. The clock starts at
// the current time and moves only by FastForward and SetTime.
func Run(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Start starts a server; the caller closes it.
func Start(opts ...Option) (*Server, error) {
	s := &Server{now: time.Now(), done: make(chan error, 1)}
	cfg := server.DefaultConfig()
	cfg.Port = 0
	cfg.DB = ":memory:"
	cfg.Now = s.Now
	cfg.LogLevel = "warning"
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, err
	}
	s.srv, s.ln = srv, ln
	go func() { s.done <- srv.Serve(ln) }()
	return s, nil
}

// Addr returns host:port to connect to.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Server returns the underlying server.
func (s *Server) Server() *server.Server { return s.srv }

// Now is the virtual clock's reading.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// FastForward moves the clock forward by d: keys whose TTL ran out are gone.
func (s *Server) FastForward(d time.Duration) {
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.mu.Unlock()
}

// SetTime sets the clock.
func (s *Server) SetTime(t time.Time) {
	s.mu.Lock()
	s.now = t
	s.mu.Unlock()
}

// Close stops the server and waits for it.
func (s *Server) Close() error {
	err := s.srv.Close()
	if serr := <-s.done; serr != nil && !errors.Is(serr, server.ErrServerClosed) && err == nil {
		err = serr
	}
	s.done <- nil
	return err
}
