// Package wasmhost serves a Folio database over TCP with the engine running
// as folio.wasm under wazero (package wasm): folio-server --engine wasm.
//
// Each connection is a session of the module; commands are read as Redis
// reads them, a pipelined batch runs in one exec call, blocking commands
// (BLPOP, XREAD BLOCK, ...) hold their connection until served or timed
// out, and pub/sub messages are written as they arrive (wasm.DB.ServeConn).
//
// Reduced against the native server (package server), whose host
// implements these outside the engine:
//   - MONITOR, and CLIENT LIST/KILL/INFO host figures (address, idle,
//     buffers): only what the guest knows of its own sessions;
//   - INFO: no host sections (clients, stats network counters, memory);
//   - no group commit: each exec commits on its own;
//   - requirepass, timeout (idle clients), databases (the guest has its
//     default 16), client-query-buffer-limit, the push buffer limit and
//     CONFIG SET of the host limits are not applied (requirepass is
//     refused by New rather than ignored);
//   - no log lines (loglevel has nothing to filter);
//   - SHUTDOWN is the guest's; stop the server with SIGINT or SIGTERM;
//   - folio-server --import is not available.
//
// maxclients and proto-max-bulk-len are applied.
package wasmhost

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	_ "github.com/foliodb/folio/hosts/native/sqlitestore" // file stores for wasm.Open
	"github.com/foliodb/folio/hosts/server"
	"github.com/foliodb/folio/wasm"
)

// Server serves one wasm.DB over TCP.
type Server struct {
	cfg server.Config
	db  *wasm.DB

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup

	closeOnce sync.Once
	done      chan struct{}
	closeErr  error
}

// New opens cfg.DB (":memory:" or a SQLite file) in a new instance of
// folio.wasm. Extra options go to wasm.Open.
func New(cfg server.Config, opts ...wasm.Option) (*Server, error) {
	d := server.DefaultConfig()
	if cfg.Bind == "" {
		cfg.Bind = d.Bind
	}
	if cfg.DB == "" {
		cfg.DB = d.DB
	}
	if cfg.Durability == "" {
		cfg.Durability = d.Durability
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = d.MaxClients
	}
	if cfg.ProtoMaxBulkLen <= 0 {
		cfg.ProtoMaxBulkLen = d.ProtoMaxBulkLen
	}
	if cfg.RequirePass != "" {
		return nil, errors.New("requirepass is not supported with --engine wasm")
	}
	o := []wasm.Option{wasm.WithDurability(cfg.Durability)}
	if cfg.Now != nil {
		o = append(o, wasm.WithClock(cfg.Now))
	}
	db, err := wasm.Open(cfg.DB, append(o, opts...)...)
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, db: db, conns: map[net.Conn]struct{}{}, done: make(chan struct{})}, nil
}

// DB is the served database.
func (s *Server) DB() *wasm.DB { return s.db }

// Done is closed when the server is closed.
func (s *Server) Done() <-chan struct{} { return s.done }

// ListenAndServe listens on the configured bind address and port.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", net.JoinHostPort(s.cfg.Bind, strconv.Itoa(s.cfg.Port)))
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln until Close; it then returns
// server.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return server.ErrServerClosed
	}
	s.ln = ln
	s.mu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return server.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return server.ErrServerClosed
		}
		if len(s.conns) >= s.cfg.MaxClients {
			s.mu.Unlock()
			c.Write([]byte("-ERR max number of clients reached\r\n"))
			c.Close()
			continue
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.db.ServeConn(c, s.cfg.ProtoMaxBulkLen)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// Close stops accepting, closes every connection, waits for them and
// closes the database. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		if s.ln != nil {
			s.ln.Close()
		}
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		// Closing the database wakes connections parked on a blocking
		// command; the rest end on their closed sockets.
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("closing the database: %w", err)
		}
		s.wg.Wait()
		close(s.done)
	})
	return s.closeErr
}
