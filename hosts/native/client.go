package native

import (
	"bufio"
	"context"
	"net"

	"github.com/foliodb/folio/core/resp"
	"github.com/redis/go-redis/v9"
)

// Client returns a go-redis client wired to db in-process: each of its
// connections is a session served over an in-memory pipe, with no TCP.
func (db *DB) Client(opts ...func(*redis.Options)) *redis.Client {
	o := &redis.Options{
		Addr: "folio:in-process",
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return db.dialPipe(), nil
		},
		Protocol: 2,
		// The pipe has no deadlines worth enforcing; blocking commands wait.
		ReadTimeout:  -1,
		WriteTimeout: -1,
	}
	for _, f := range opts {
		f(o)
	}
	return redis.NewClient(o)
}

// dialPipe starts a session served over one end of a net.Pipe.
func (db *DB) dialPipe() net.Conn {
	client, server := net.Pipe()
	s := db.NewSession()
	go db.serve(server, s)
	return client
}

func (db *DB) serve(conn net.Conn, s *Session) {
	defer conn.Close()
	defer s.Close()
	rr := resp.NewRequestReader(bufio.NewReaderSize(conn, 16<<10))
	var out []byte
	for {
		args, err := rr.Read()
		if err != nil {
			if e, ok := err.(*resp.ErrRequest); ok {
				conn.Write(append(out[:0], "-"+e.Msg+"\r\n"...))
			}
			return
		}
		closeAfter := false
		out = out[:0]
		for {
			db.mu.Lock()
			if db.closed {
				db.mu.Unlock()
				return
			}
			s.w.B = out
			o := db.eng.Exec(s.s, args, &s.w)
			out = s.w.B
			db.mu.Unlock()
			if o.Close {
				closeAfter = true
				break
			}
			// Serve a pipelined batch before writing.
			if rr.Buffered() == 0 {
				break
			}
			if args, err = rr.Read(); err != nil {
				break
			}
		}
		if _, err := conn.Write(out); err != nil || closeAfter {
			return
		}
	}
}
