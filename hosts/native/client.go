package native

import (
	"bufio"
	"context"
	"net"
	"sync"

	"github.com/foliodb/folio/core/resp"
	"github.com/redis/go-redis/v9"
)

// Client returns a go-redis client wired to db in-process: each of its
// connections is a session served over an in-memory pipe, with no TCP.
// Pub/sub and blocking commands work through it.
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
	pc := &pipeConn{db: db, conn: server, s: s, delivered: make(chan struct{}, 1), done: make(chan struct{}), hangup: make(chan struct{})}
	go pc.deliver()
	go pc.serve()
	return client
}

type pipeConn struct {
	db        *DB
	conn      net.Conn
	s         *Session
	wmu       sync.Mutex
	delivered chan struct{}
	done      chan struct{}
	hangup    chan struct{}
}

func (pc *pipeConn) write(b []byte) error {
	pc.wmu.Lock()
	defer pc.wmu.Unlock()
	_, err := pc.conn.Write(b)
	return err
}

// deliver sends what the engine delivers to this session (messages,
// replies of blocking commands) as it arrives.
func (pc *pipeConn) deliver() {
	for {
		select {
		case <-pc.done:
			return
		case <-pc.s.sink.notify:
		}
		for _, b := range pc.s.sink.take() {
			if pc.write(b) != nil {
				return
			}
		}
		select {
		case pc.delivered <- struct{}{}:
		default:
		}
	}
}

// read parses requests into reqs until the peer hangs up.
func (pc *pipeConn) read(reqs chan<- [][]byte) {
	defer close(reqs)
	defer close(pc.hangup)
	rr := resp.NewRequestReader(bufio.NewReaderSize(pc.conn, 16<<10))
	for {
		args, err := rr.Read()
		if err != nil {
			if e, ok := err.(*resp.ErrRequest); ok {
				pc.write([]byte("-" + e.Msg + "\r\n"))
			}
			return
		}
		reqs <- ownArgs(args)
	}
}

func (pc *pipeConn) serve() {
	db, s := pc.db, pc.s
	defer close(pc.done)
	defer pc.conn.Close()
	defer s.Close()
	reqs := make(chan [][]byte, 256)
	go pc.read(reqs)
	var out []byte
	for args := range reqs {
		closeAfter, blocked := false, false
		out = out[:0]
		for {
			db.mu.Lock()
			if db.closed {
				db.mu.Unlock()
				return
			}
			s.w.B = out
			o := db.execLocked(s, args)
			out = s.w.B
			db.mu.Unlock()
			if o.Close {
				closeAfter = true
				break
			}
			if o.Blocked != nil {
				blocked = true
				break
			}
			// Serve a pipelined batch before writing.
			if len(reqs) == 0 {
				break
			}
			var ok bool
			if args, ok = <-reqs; !ok {
				break
			}
		}
		if len(out) > 0 {
			if err := pc.write(out); err != nil {
				return
			}
		}
		if closeAfter {
			return
		}
		for blocked {
			// Commands after a blocked one wait for its reply, as in Redis;
			// a hang-up while blocked ends the wait (s.Close unblocks).
			select {
			case <-pc.delivered:
			case <-pc.hangup:
				return
			}
			db.mu.Lock()
			blocked = s.s.IsBlocked()
			db.mu.Unlock()
		}
	}
}

// ownArgs copies a request's arguments, which the reader reuses, into one
// buffer.
func ownArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, n)
	own := make([][]byte, len(args))
	for i, a := range args {
		m := copy(buf, a)
		own[i], buf = buf[:m:m], buf[m:]
	}
	return own
}
