package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/redcon"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
)

// Redis's protocol limits (networking.c).
const (
	maxInlineSize   = 64 << 10 // PROTO_INLINE_MAX_SIZE
	maxMultibulk    = 1 << 20  // arguments in one command
	maxUnauthArgs   = 10       // before AUTH, as Redis 7.0
	maxUnauthBulk   = 16384    // before AUTH, as Redis 7.0
	initialReadBuf  = 16 << 10
	flushThreshold  = 64 << 10 // write replies out once a batch has this much
	keepReplyBuffer = 1 << 20  // larger reply buffers are dropped after use
)

// conn is one client connection. Its goroutine reads requests into buf,
// parses every complete command without copying, runs them under one
// engine lock, and writes their replies with one write.
type conn struct {
	srv  *Server
	nc   net.Conn
	sess *core.Session
	addr string
	fd   int

	buf  []byte // read buffer; unread bytes are buf[r:w]
	r, w int
	// Parse state of the command starting at buf[r], kept across reads so a
	// command arriving in pieces is never parsed twice.
	pcount int   // arguments the multibulk header declared; -1 before it
	ppos   int   // bytes of the command parsed so far
	poffs  []int // start and end of each parsed argument, relative to r

	argv [][]byte // arguments of the batched commands, slices of buf
	ends []int    // end of each batched command in argv
	out  resp.Writer

	killed atomic.Bool
	qbuf   atomic.Int64

	// Served by the event loop (loop_linux.go) until handed off.
	inLoop     atomic.Bool
	fdMu       sync.Mutex // inLoop and fd, between the loop and Kill
	lastIO     time.Time  // loop: last read, for --timeout
	outPos     int        // loop: bytes of out.B already written
	outPending bool       // loop: waiting for EPOLLOUT
	closeAfter bool       // loop: close once the replies are out
	perr       string     // a protocol error to answer after the batch
	group      *group     // loop: the group this turn's batch joined
	groupStart int
	groupCmds  int
	resume     bool // blocked in the loop: the goroutine waits, then runs the rest
	next       int  // loop: the batched command to run next
	nextStart  int  // and where its arguments start in argv
	qfree      atomic.Int64

	// A client that can receive pushes (subscribed, blocked, MONITOR) is
	// switched to queued mode during one of its own commands: from then on
	// every byte for it is appended to qBuf with the engine locked, in the
	// order it was produced, and a writer goroutine sends it, so other
	// connections never wait on its socket.
	queued  bool        // guarded by srv.mu
	noIdle  atomic.Bool // queued: exempt from the idle timeout, as Redis exempts subscribers
	monitor bool        // guarded by srv.mu
	qMu     sync.Mutex
	qBuf    []byte
	qHeld   []byte // output produced in the open group (group.go)
	qWake   chan struct{}
	omem    atomic.Int64

	closing          atomic.Bool   // the writer sends what is queued, then stops
	drained          chan struct{} // closed by the writer once it has
	waiting          bool          // blocked, reading only to notice a hang-up; srv.mu
	readWhileBlocked bool          // waitServed read bytes that await parsing
	done             chan struct{} // closed by Kill
	killOnce         sync.Once
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{srv: s, nc: nc, pcount: -1, fd: -1, done: make(chan struct{}), drained: make(chan struct{})}
	c.addr = nc.RemoteAddr().String()
	if tc, ok := nc.(*net.TCPConn); ok {
		if raw, err := tc.SyscallConn(); err == nil {
			raw.Control(func(fd uintptr) { c.fd = int(fd) })
		}
	}
	s.mu.Lock()
	c.sess = s.eng.NewSession()
	c.sess.Addr = c.addr
	c.sess.LAddr = nc.LocalAddr().String()
	c.sess.Host = c
	s.mu.Unlock()
	return c
}

func (c *conn) serve() {
	s := c.srv
	defer s.wg.Done()
	defer c.cleanup()
	c.buf = make([]byte, initialReadBuf)
	c.readLoop()
}

// readLoop reads and serves requests until the connection must close.
func (c *conn) readLoop() {
	s := c.srv
	for {
		if c.w == len(c.buf) && !c.grow() {
			s.logf(levelWarning, "Closing client that reached max query buffer length: addr=%s", c.addr)
			return
		}
		if t := s.timeout.Load(); t > 0 && !c.noIdle.Load() {
			c.nc.SetReadDeadline(time.Now().Add(time.Duration(t) * time.Second))
		} else if t > 0 {
			c.nc.SetReadDeadline(time.Time{})
		}
		n, err := c.nc.Read(c.buf[c.w:])
		if n > 0 {
			c.w += n
			s.stats.netIn.Add(int64(n))
			if c.process() {
				return
			}
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !c.killed.Load() {
				s.logf(levelVerbose, "Closing idle client: addr=%s", c.addr)
			}
			return
		}
		if c.killed.Load() {
			return
		}
	}
}

// process serves the complete commands in the read buffer. It reports
// whether the connection must close.
func (c *conn) process() (closeConn bool) {
	s := c.srv
	for {
		perr, retry := c.parse()
		if len(c.ends) > 0 && c.runBatch() {
			return true
		}
		if retry || c.readWhileBlocked {
			c.readWhileBlocked = false
			continue
		}
		if perr != "" {
			c.protocolError(perr)
			return true
		}
		break
	}
	if int64(c.w-c.r) > s.maxQueryBuf.Load() {
		s.logf(levelWarning, "Closing client that reached max query buffer length: addr=%s qbuf=%d", c.addr, c.w-c.r)
		return true
	}
	c.compact()
	c.qbuf.Store(int64(c.w - c.r))
	c.qfree.Store(int64(len(c.buf) - c.w))
	return false
}

// protocolError answers a request that breaks the protocol; the
// connection then closes, as Redis closes it.
func (c *conn) protocolError(perr string) {
	s := c.srv
	c.out.B = redcon.AppendError(c.out.B[:0], perr)
	s.mu.Lock()
	if c.queued {
		c.enqueue(c.out.B)
		c.out.B = c.out.B[:0]
	}
	s.mu.Unlock()
	c.flush()
	s.logf(levelVerbose, "Protocol error (%s) from client: addr=%s", perr, c.addr)
}

func (c *conn) cleanupSession() {
	c.srv.mu.Lock()
	c.srv.eng.CloseSession(c.sess)
	c.srv.mu.Unlock()
}

func (c *conn) cleanup() {
	s := c.srv
	s.mu.Lock()
	queued := c.queued
	s.mu.Unlock()
	if queued {
		// Let the writer send the last replies (QUIT's +OK) first.
		c.closing.Store(true)
		select {
		case c.qWake <- struct{}{}:
		default:
		}
		select {
		case <-c.drained:
		case <-c.done:
		case <-time.After(time.Second):
		}
	}
	c.Kill()
	s.mu.Lock()
	if c.monitor {
		c.monitor = false
		s.monitors.Add(-1)
	}
	s.eng.CloseSession(c.sess)
	s.mu.Unlock()
	s.forget(c)
}

// grow makes room in a full buffer: it drops consumed bytes, or doubles
// the buffer while the pending command stays within the query buffer limit.
func (c *conn) grow() bool {
	if c.r > 0 {
		c.compact()
		if c.w < len(c.buf) {
			return true
		}
	}
	if int64(len(c.buf)) >= c.srv.maxQueryBuf.Load() {
		return false
	}
	nb := make([]byte, 2*len(c.buf))
	copy(nb, c.buf[:c.w])
	c.buf = nb
	return true
}

// compact moves unread bytes to the front and gives back a buffer that a
// large command grew.
func (c *conn) compact() {
	if c.r == c.w {
		c.r, c.w = 0, 0
		if len(c.buf) > 4*initialReadBuf {
			c.buf = make([]byte, initialReadBuf)
		}
		return
	}
	if c.r > 0 {
		copy(c.buf, c.buf[c.r:c.w])
		c.w -= c.r
		c.r = 0
	}
}

// parse collects the complete commands in buf[r:w] into argv/ends. It
// returns a protocol error (Redis's text) to reply before closing; retry
// means an error depends on the commands batched before it (an AUTH may
// lift it): run them, then parse again.
func (c *conn) parse() (perr string, retry bool) {
	c.argv = c.argv[:0]
	c.ends = c.ends[:0]
	authed := c.sess.Authed
	for c.r < c.w {
		b := c.buf[c.r:c.w]
		if c.pcount < 0 {
			if b[0] != '*' {
				i := bytes.IndexByte(b, '\n')
				if i < 0 {
					if len(b) > maxInlineSize {
						return "ERR Protocol error: too big inline request", false
					}
					return "", false
				}
				args, err := splitInline(b[:i+1])
				if err != "" {
					return err, false
				}
				c.r += i + 1
				if len(args) > 0 {
					c.argv = append(c.argv, args...)
					c.ends = append(c.ends, len(c.argv))
				}
				continue
			}
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				if len(b) > maxInlineSize {
					return "ERR Protocol error: too big mbulk count string", false
				}
				return "", false
			}
			n, ok := parseLen(b[1:i])
			if !ok || n > maxMultibulk {
				return "ERR Protocol error: invalid multibulk length", false
			}
			if n > maxUnauthArgs && !authed {
				if len(c.ends) > 0 {
					return "", true
				}
				return "ERR Protocol error: unauthenticated multibulk length", false
			}
			if n <= 0 {
				c.r += i + 1
				continue
			}
			c.pcount, c.ppos, c.poffs = int(n), i+1, c.poffs[:0]
		}
		for len(c.poffs)/2 < c.pcount {
			p := c.ppos
			if p >= len(b) {
				return "", false
			}
			i := bytes.IndexByte(b[p:], '\n')
			if i < 0 {
				if len(b)-p > maxInlineSize {
					return "ERR Protocol error: too big bulk count string", false
				}
				return "", false
			}
			if b[p] != '$' {
				return "ERR Protocol error: expected '$', got '" + string(b[p]) + "'", false
			}
			sz, ok := parseLen(b[p+1 : p+i])
			if !ok || sz < 0 || sz > c.srv.maxBulk.Load() {
				return "ERR Protocol error: invalid bulk length", false
			}
			if sz > maxUnauthBulk && !authed {
				if len(c.ends) > 0 {
					return "", true
				}
				return "ERR Protocol error: unauthenticated bulk length", false
			}
			start := p + i + 1
			if int64(len(b)-start) < sz+2 {
				return "", false
			}
			c.poffs = append(c.poffs, start, start+int(sz))
			c.ppos = start + int(sz) + 2
		}
		for k := 0; k < len(c.poffs); k += 2 {
			c.argv = append(c.argv, b[c.poffs[k]:c.poffs[k+1]])
		}
		c.ends = append(c.ends, len(c.argv))
		c.r += c.ppos
		c.pcount, c.ppos, c.poffs = -1, 0, c.poffs[:0]
	}
	return "", false
}

// parseLen reads the decimal after '*' or '$', with its optional '\r'.
func parseLen(b []byte) (int64, bool) {
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	neg := false
	if b[0] == '-' {
		neg, b = true, b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var n int64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int64(ch-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// splitInline splits an inline command (a line of words, with Redis's
// quoting) using core's request reader; inline commands are rare.
func splitInline(line []byte) ([][]byte, string) {
	rr := resp.NewRequestReader(bufio.NewReaderSize(bytes.NewReader(line), len(line)+16))
	args, err := rr.Read()
	if err != nil {
		var pe *resp.ErrRequest
		if errors.As(err, &pe) {
			return nil, pe.Msg
		}
		if err == io.EOF {
			return nil, ""
		}
		return nil, err.Error()
	}
	return args, ""
}

// runBatch runs the batched commands under as few lock acquisitions as the
// replies allow, writing once per flushThreshold of replies. A command that
// blocks holds the rest of the batch until it is served. It reports whether
// the connection must close.
func (c *conn) runBatch() (closeConn bool) { return c.runBatchFrom(0, 0) }

// runBatchFrom runs the batched commands from the i-th on, whose arguments
// start at argv[start].
func (c *conn) runBatchFrom(i, start int) (closeConn bool) {
	s := c.srv
	for i < len(c.ends) && !closeConn {
		blocked := false
		s.waiting.Add(1)
		s.mu.Lock()
		s.waiting.Add(-1)
		now := s.cfg.Now()
		c.sess.LastUsed = now.UnixMilli()
		// Group commit: these commands join the open group, and their
		// replies go out only once it is durable. Reads join only an open
		// group (they may see its writes); alone they need no commit.
		var g *group
		if s.grouper != nil && (s.grp != nil || c.mayWrite(start, i)) {
			g = s.joinGroup()
		}
		groupStart, groupCmds := len(c.out.B), 0
		for i < len(c.ends) {
			groupCmds++
			args := c.argv[start:c.ends[i]]
			start = c.ends[i]
			i++
			if s.monitors.Load() > 0 {
				s.feedMonitors(c, args, now)
			}
			at := len(c.out.B)
			o := s.eng.Exec(c.sess, args, &c.out)
			s.dispatch(c, at)
			if !c.queued && (o.Blocked != nil || isSubscribe(args[0])) {
				c.setQueued()
			}
			if c.queued {
				c.enqueue(c.out.B)
				c.out.B = c.out.B[:0]
			}
			if o.Close || c.killed.Load() {
				closeConn = true
				break
			}
			if o.Blocked != nil {
				blocked = true
				s.armDeadline(o.Blocked)
				break
			}
			if len(c.out.B) >= flushThreshold {
				break
			}
		}
		queued := c.queued
		s.mu.Unlock()
		if g != nil && !queued {
			c.awaitGroup(g, groupStart, groupCmds)
		}
		if !c.flush() {
			return true
		}
		if blocked && !closeConn && !c.waitServed() {
			return true
		}
	}
	c.argv = c.argv[:0]
	c.ends = c.ends[:0]
	return closeConn
}

// mayWrite reports whether a batched command from the i-th on, whose
// arguments start at argv[start], could write.
func (c *conn) mayWrite(start, i int) bool {
	for ; i < len(c.ends); i++ {
		if core.MayWrite(c.argv[start:c.ends[i]]) {
			return true
		}
		start = c.ends[i]
	}
	return false
}

func isSubscribe(name []byte) bool {
	return bytes.EqualFold(name, []byte("subscribe")) || bytes.EqualFold(name, []byte("psubscribe")) || bytes.EqualFold(name, []byte("ssubscribe"))
}

// flush writes the pending replies with one write.
func (c *conn) flush() bool {
	if len(c.out.B) == 0 {
		return true
	}
	n, err := c.nc.Write(c.out.B)
	c.srv.stats.netOut.Add(int64(n))
	if cap(c.out.B) > keepReplyBuffer {
		c.out.B = nil
	} else {
		c.out.B = c.out.B[:0]
	}
	return err == nil
}

// Kill closes the connection (CLIENT KILL from another client, output
// over its limit, server shutdown).
func (c *conn) Kill() {
	c.killOnce.Do(func() {
		c.killed.Store(true)
		close(c.done)
		c.fdMu.Lock()
		if c.inLoop.Load() {
			// The loop may be using the descriptor: make it see end of
			// file, and let it close the connection.
			shutdownFD(c.fd)
			c.fdMu.Unlock()
			return
		}
		nc := c.nc
		c.fdMu.Unlock()
		nc.Close()
	})
}

// ClientInfo reports figures for CLIENT LIST. Called with the engine locked.
func (c *conn) ClientInfo() core.ClientInfo {
	ev := "r"
	if c.omem.Load() > 0 {
		ev = "rw"
	}
	c.fdMu.Lock()
	fd := c.fd
	c.fdMu.Unlock()
	return core.ClientInfo{Fd: fd, Qbuf: c.qbuf.Load(), QbufFree: c.qfree.Load(), Omem: c.omem.Load(), TotMem: c.qbuf.Load() + c.qfree.Load() + c.omem.Load(), Events: ev, Monitor: c.monitor}
}

// SetMonitor turns the MONITOR feed on or off. Called with the engine locked.
func (c *conn) SetMonitor(on bool) {
	if on == c.monitor {
		return
	}
	c.monitor = on
	if on {
		c.srv.monitors.Add(1)
		c.setQueued()
	} else {
		c.srv.monitors.Add(-1)
	}
}

// setQueued switches the connection to queued output and starts its
// writer. Called with the engine locked.
func (c *conn) setQueued() {
	if c.queued {
		return
	}
	c.queued = true
	c.noIdle.Store(true)
	c.qWake = make(chan struct{}, 1)
	c.srv.wg.Add(1)
	go c.writer()
}

// Shutdown stops the server (SHUTDOWN). Called with the engine locked, so
// the server closes from another goroutine once this command is done.
func (c *conn) Shutdown(save bool) error {
	s := c.srv
	if s.shuttingDown.Swap(true) {
		return nil
	}
	s.logf(levelWarning, "User requested shutdown...")
	go s.Close()
	return nil
}

// enqueue appends bytes for a queued client and wakes its writer; past
// PushBufferLimit unsent bytes the client is disconnected, so a subscriber
// or monitor that does not read cannot grow the server's memory. Called
// with the engine locked.
func (c *conn) enqueue(b []byte) {
	if len(b) == 0 {
		return
	}
	c.qMu.Lock()
	if g := c.srv.grp; g != nil {
		// Produced inside an open group: held until it is durable.
		if len(c.qHeld) == 0 {
			g.held = append(g.held, c)
		}
		c.qHeld = append(c.qHeld, b...)
	} else {
		c.qBuf = append(c.qBuf, b...)
	}
	n := int64(len(c.qBuf) + len(c.qHeld))
	c.qMu.Unlock()
	c.omem.Store(n)
	if n > c.srv.cfg.PushBufferLimit {
		c.srv.logf(levelWarning, "Client addr=%s scheduled to be closed for overcoming of output buffer limits.", c.addr)
		c.Kill()
		return
	}
	c.wake()
}

// release sends the output held for a group once the group is durable;
// if the group was lost, the client is disconnected instead, so it is never
// told of writes that did not happen. Called with the engine locked.
func (c *conn) release(committed bool) {
	if !committed {
		c.Kill()
		return
	}
	c.qMu.Lock()
	c.qBuf = append(c.qBuf, c.qHeld...)
	c.qHeld = c.qHeld[:0]
	c.qMu.Unlock()
	c.wake()
}

func (c *conn) wake() {
	select {
	case c.qWake <- struct{}{}:
	default:
	}
}

func (c *conn) writer() {
	defer c.srv.wg.Done()
	var out []byte
	for {
		select {
		case <-c.qWake:
		case <-c.done:
			return
		}
		c.qMu.Lock()
		out, c.qBuf = c.qBuf, out[:0]
		c.qMu.Unlock()
		if len(out) > 0 {
			n, err := c.nc.Write(out)
			c.srv.stats.netOut.Add(int64(n))
			c.qMu.Lock()
			c.omem.Store(int64(len(c.qBuf)))
			c.qMu.Unlock()
			if err != nil {
				c.Kill()
				return
			}
			if cap(out) > keepReplyBuffer {
				out = nil
			}
		}
		if c.closing.Load() {
			c.qMu.Lock()
			empty := len(c.qBuf) == 0 && len(c.qHeld) == 0
			c.qMu.Unlock()
			if empty {
				close(c.drained)
				return
			}
		}
	}
}

// feedMonitors sends a command to every MONITOR client. Called with the
// engine locked.
func (s *Server) feedMonitors(from *conn, args [][]byte, now time.Time) {
	if len(args) > 0 {
		switch string(bytes.ToLower(args[0])) {
		case "auth", "hello", "monitor":
			return
		}
	}
	line := monitorLine(nil, now, from.sess.DB, from.addr, args)
	s.connMu.Lock()
	defer s.connMu.Unlock()
	for c := range s.conns {
		if c.monitor {
			c.enqueue(line)
		}
	}
}
