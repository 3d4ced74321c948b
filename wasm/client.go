package wasm

import (
	"bufio"
	"context"
	"net"
	"sync"

	"github.com/foliodb/folio/core/resp"
	"github.com/redis/go-redis/v9"
)

// Client returns a go-redis client wired to db in-process: each of its
// connections is a session of the module served over an in-memory pipe,
// with no TCP. A pipelined batch goes into the module in one exec call.
func (db *DB) Client(opts ...func(*redis.Options)) *redis.Client {
	o := &redis.Options{
		Addr: "folio:wasm",
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			s, err := db.NewSession()
			if err != nil {
				return nil, err
			}
			client, server := net.Pipe()
			go db.serve(server, s, 0)
			return client, nil
		},
		Protocol:     2,
		ReadTimeout:  -1,
		WriteTimeout: -1,
	}
	for _, f := range opts {
		f(o)
	}
	return redis.NewClient(o)
}

// maxBatch bounds the bytes of pipelined commands sent in one exec.
const maxBatch = 1 << 20

// ServeConn serves one client connection (TCP, a pipe) on a new session
// of db until the client closes it, sends QUIT, breaks the protocol or db
// is closed: commands are read as Redis reads them (maxBulk is
// proto-max-bulk-len; 0 keeps the default 512 MB), a pipelined batch runs
// in one exec call, blocking commands hold the connection until they are
// served or time out, and pub/sub messages are written as they arrive. It
// closes conn before it returns.
func (db *DB) ServeConn(conn net.Conn, maxBulk int64) error {
	s, err := db.NewSession()
	if err != nil {
		conn.Close()
		return err
	}
	db.serve(conn, s, maxBulk)
	return nil
}

func (db *DB) serve(conn net.Conn, s *Session, maxBulk int64) {
	defer conn.Close()
	defer s.Close()
	var writeMu sync.Mutex
	write := func(b []byte) error {
		writeMu.Lock()
		defer writeMu.Unlock()
		// Deliveries that arrived first go first.
		if q := s.sink.take(); len(q) > 0 {
			if _, err := conn.Write(q); err != nil {
				return err
			}
		}
		_, err := conn.Write(b)
		return err
	}
	done := make(chan struct{})
	defer close(done)
	go func() { // pub/sub messages and late replies of blocked commands
		for {
			select {
			case <-done:
				return
			case <-s.sink.notify:
				if write(nil) != nil {
					return
				}
			}
		}
	}()
	rr := resp.NewRequestReader(bufio.NewReaderSize(conn, 16<<10))
	if maxBulk > 0 {
		rr.MaxBulk = maxBulk
	}
	var req, out []byte
	for {
		args, err := rr.Read()
		if err != nil {
			if e, ok := err.(*resp.ErrRequest); ok {
				write([]byte("-" + e.Msg + "\r\n"))
			}
			return
		}
		req = appendCommand(req[:0], args)
		var perr *resp.ErrRequest
		for rr.Buffered() > 0 && len(req) < maxBatch {
			if args, err = rr.Read(); err != nil {
				perr, _ = err.(*resp.ErrRequest)
				break
			}
			req = appendCommand(req, args)
		}
		closeAfter := false
		for len(req) > 0 {
			db.mu.Lock()
			if db.closed || s.closed {
				db.mu.Unlock()
				return
			}
			h := db.h
			h.req = append(h.req[:0], req...)
			var flags uint32
			var consumed int
			out, flags, consumed, err = h.run(out[:0], s.id)
			if err == nil && flags&flagBlocked != 0 {
				db.armDeadline()
			}
			db.mu.Unlock()
			if err != nil {
				return
			}
			req = req[consumed:]
			if flags&flagClose != 0 {
				closeAfter = true
				req = req[:0]
			}
			if err := write(out); err != nil {
				return
			}
			if flags&flagBlocked != 0 {
				// Redis runs nothing else for a blocked client: wait for
				// the reply, then run the rest of the pipeline.
				select {
				case <-s.sink.unblocked:
				case <-db.done:
					return
				}
				if err := write(nil); err != nil {
					return
				}
			}
		}
		if perr != nil && !closeAfter {
			write([]byte("-" + perr.Msg + "\r\n"))
			closeAfter = true
		}
		if closeAfter {
			return
		}
	}
}
