//go:build linux

package server

import (
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// The event loop: on Linux, plain request/reply connections are served by
// one goroutine over epoll, as Redis serves them. A goroutine per
// connection costs a wasted read per request (the netpoller reads until
// EAGAIN before it parks) and a wake-up through the scheduler; with small
// requests that is a quarter of the throughput. One epoll_wait hands the
// loop every ready connection; it reads each once, runs all their commands
// under one engine lock (and one group commit), then writes each reply.
//
// A connection whose commands need more than request and reply (SUBSCRIBE,
// MONITOR, a blocking command, CLIENT) leaves the loop for good: it is
// handed to a goroutine of its own (conn.readLoop), which the rest of this
// package serves.
type eventLoop struct {
	s      *Server
	epfd   int
	wakefd int // an eventfd: new connections, Close

	mu       sync.Mutex
	incoming []*conn
	stopped  bool

	conns  map[int]*conn
	events []syscall.EpollEvent
	active []*conn
	again  []*conn // batches cut short by a large reply, to go on
	queued []*conn
	last   time.Time // last idle check
	hold   bool      // wait holds the P (more than one)
}

func newEventLoop(s *Server) *eventLoop {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil
	}
	r, _, errno := syscall.Syscall(syscall.SYS_EVENTFD2, 0, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		syscall.Close(epfd)
		return nil
	}
	l := &eventLoop{s: s, epfd: epfd, wakefd: int(r), conns: map[int]*conn{}, events: make([]syscall.EpollEvent, 256), hold: runtime.GOMAXPROCS(0) > 1}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, l.wakefd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(l.wakefd)}); err != nil {
		syscall.Close(l.wakefd)
		syscall.Close(epfd)
		return nil
	}
	return l
}

// add gives a new connection to the loop, or reports false. The loop
// serves a duplicate of the socket's descriptor and the net.Conn is
// closed: left in Go's netpoller, every packet would also wake the
// runtime.
func (l *eventLoop) add(c *conn) bool {
	tc, ok := c.nc.(*net.TCPConn)
	if !ok {
		return false
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	fd := -1
	raw.Control(func(f uintptr) { fd, err = syscall.Dup(int(f)) })
	if err != nil || fd < 0 {
		return false
	}
	syscall.CloseOnExec(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		syscall.Close(fd)
		return false
	}
	c.nc.Close()
	c.fdMu.Lock()
	c.fd = fd
	c.inLoop.Store(true)
	c.fdMu.Unlock()
	l.incoming = append(l.incoming, c)
	l.wake()
	return true
}

func (l *eventLoop) wake() {
	one := [8]byte{1}
	syscall.Write(l.wakefd, one[:])
}

func (l *eventLoop) run() {
	s := l.s
	defer s.wg.Done()
	defer func() {
		l.mu.Lock()
		l.stopped = true
		incoming := l.incoming
		l.incoming = nil
		l.mu.Unlock()
		for _, c := range incoming {
			l.conns[c.fd] = c
		}
		for _, c := range l.conns {
			l.close(c)
		}
		syscall.Close(l.epfd)
		syscall.Close(l.wakefd)
	}()
	for {
		wait := 100
		if len(l.again) > 0 {
			wait = 0
		}
		n, err := l.wait(wait)
		if err != nil && err != syscall.EINTR {
			s.logf(levelWarning, "event loop: %v", err)
			return
		}
		if s.isClosed() {
			return
		}
		l.mu.Lock()
		incoming := l.incoming
		l.incoming = nil
		l.mu.Unlock()
		for _, c := range incoming {
			c.buf = make([]byte, initialReadBuf)
			c.lastIO = time.Now()
			if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, c.fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(c.fd)}); err != nil {
				l.handoff(c)
				continue
			}
			l.conns[c.fd] = c
		}
		l.active = append(l.active[:0], l.again...)
		l.again = l.again[:0]
		for i := 0; i < n; i++ {
			ev := l.events[i]
			fd := int(ev.Fd)
			if fd == l.wakefd {
				var b [8]byte
				syscall.Read(l.wakefd, b[:])
				continue
			}
			c := l.conns[fd]
			if c == nil {
				continue
			}
			if ev.Events&syscall.EPOLLOUT != 0 {
				if !l.flush(c) {
					l.close(c)
					continue
				}
				if !c.outPending && c.next < len(c.ends) {
					l.active = append(l.active, c)
					continue
				}
			}
			if c.outPending || c.next < len(c.ends) || ev.Events&(syscall.EPOLLIN|syscall.EPOLLHUP|syscall.EPOLLERR) == 0 {
				continue
			}
			l.read(c)
		}
		if len(l.active) > 0 {
			l.serve()
		}
		if time.Since(l.last) >= 100*time.Millisecond {
			l.last = time.Now()
			l.idle()
			l.hold = runtime.GOMAXPROCS(0) > 1
		}
	}
}

// holdMsec is how long the loop waits for its next event while keeping
// its P (see wait).
const holdMsec = 1

// wait waits up to msec for ready connections. It first waits up to
// holdMsec in a raw system call, which keeps the goroutine's P and its
// thread: Go's scheduler takes the P of a goroutine blocked in an
// ordinary system call for over 20 µs, and the next event then wakes
// sysmon and other threads to find the loop a P again. On a 2-core
// machine running redis-benchmark -P 1 those wake-ups preempted the
// benchmark's client, which is what limits that test: per 100,000 SET
// and 100,000 GET, the client was preempted 2,500–4,400 times, against
// 1,200–1,600 with this wait and 1,400–1,500 with redis-server. A loop
// idle for holdMsec gives up the P as before. With one P the loop never
// holds it: every other goroutine would wait for sysmon's preemption
// (10 ms).
func (l *eventLoop) wait(msec int) (int, error) {
	if msec != 0 && l.hold {
		r, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(l.epfd), uintptr(unsafe.Pointer(&l.events[0])), uintptr(len(l.events)), holdMsec, 0, 0)
		switch {
		case e == 0 && r > 0:
			return int(r), nil
		case e != 0 && e != syscall.EINTR:
			return 0, e
		}
	}
	return syscall.EpollWait(l.epfd, l.events, msec)
}

// read reads what a connection sent and parses its complete commands; it
// queues the connection for serve, hands it off, or closes it.
func (l *eventLoop) read(c *conn) {
	s := l.s
	if c.w == len(c.buf) && !c.grow() {
		s.logf(levelWarning, "Closing client that reached max query buffer length: addr=%s", c.addr)
		l.close(c)
		return
	}
	n, err := rawRead(c.fd, c.buf[c.w:])
	if err == syscall.EAGAIN || err == syscall.EINTR {
		return
	}
	if n <= 0 || err != nil || c.killed.Load() {
		l.close(c)
		return
	}
	c.w += n
	c.lastIO = time.Now()
	s.stats.netIn.Add(int64(n))
	perr, retry := c.parse()
	c.perr = perr
	switch {
	case retry:
		// An AUTH in the batch may lift a limit: the goroutine's
		// process() runs the batch and parses again.
		l.handoff(c)
	case len(c.ends) > 0 && l.needsGoroutine(c):
		l.handoff(c)
	case len(c.ends) > 0:
		l.active = append(l.active, c)
	case perr != "":
		l.protocolError(c, perr)
	default:
		l.after(c)
	}
}

// needsGoroutine reports whether a batch has a command that makes a
// connection more than request and reply: the goroutine serves those.
func (l *eventLoop) needsGoroutine(c *conn) bool {
	start := 0
	for _, end := range c.ends {
		name := c.argv[start]
		start = end
		if len(name) > 16 {
			continue
		}
		var low [16]byte
		for i, ch := range name {
			if 'A' <= ch && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			low[i] = ch
		}
		switch string(low[:len(name)]) {
		case "subscribe", "psubscribe", "ssubscribe", "monitor", "client",
			"blpop", "brpop", "blmove", "brpoplpush", "blmpop", "bzpopmin", "bzpopmax", "bzmpop",
			"xread", "xreadgroup", "wait":
			return true
		}
	}
	return false
}

// serve runs the batches of every active connection under one engine
// lock, commits their group if they wrote, and writes the replies.
func (l *eventLoop) serve() {
	s := l.s
	s.mu.Lock()
	now := s.cfg.Now()
	var g *group
	for _, c := range l.active {
		c.sess.LastUsed = now.UnixMilli()
		c.group = nil
		if s.grouper != nil && (s.grp != nil || c.mayWrite(c.nextStart, c.next)) {
			g = s.joinGroup()
			c.group, c.groupStart, c.groupCmds = g, len(c.out.B), 0
		}
		start, i := c.nextStart, c.next
		for i < len(c.ends) {
			args := c.argv[start:c.ends[i]]
			start = c.ends[i]
			i++
			c.groupCmds++
			if s.monitors.Load() > 0 {
				s.feedMonitors(c, args, now)
			}
			at := len(c.out.B)
			o := s.eng.Exec(c.sess, args, &c.out)
			s.dispatch(c, at)
			if o.Blocked != nil {
				// A command blocked that needsGoroutine did not know:
				// the goroutine waits for it and runs the rest.
				c.setQueued()
				s.armDeadline(o.Blocked)
				c.resume = true
			}
			if c.queued {
				c.enqueue(c.out.B)
				c.out.B = c.out.B[:0]
			}
			if o.Close || c.killed.Load() {
				c.closeAfter = true
				break
			}
			if c.resume || len(c.out.B) >= flushThreshold {
				// Large replies go out before the rest of the batch runs,
				// so a client that does not read them stops the batch.
				break
			}
		}
		c.next, c.nextStart = i, start
	}
	if g != nil {
		// The connections of this turn are the group: commit it now.
		s.commitLocked()
	}
	s.mu.Unlock()
	for _, c := range l.active {
		if c.group != nil && !c.queued {
			c.awaitGroup(c.group, c.groupStart, c.groupCmds)
		}
		c.group = nil
		switch {
		case c.queued:
			l.handoff(c)
		case !l.flush(c) || c.closeAfter:
			l.close(c)
		case c.next < len(c.ends):
			// More of the batch to run: next turn, or once the socket
			// took these replies.
			if !c.outPending {
				l.again = append(l.again, c)
			}
		case c.perr != "":
			l.protocolError(c, c.perr)
		default:
			c.argv, c.ends = c.argv[:0], c.ends[:0]
			c.next, c.nextStart = 0, 0
			l.after(c)
		}
	}
}

// after keeps a served connection's buffer in shape, as process does.
func (l *eventLoop) after(c *conn) {
	if int64(c.w-c.r) > l.s.maxQueryBuf.Load() {
		l.s.logf(levelWarning, "Closing client that reached max query buffer length: addr=%s qbuf=%d", c.addr, c.w-c.r)
		l.close(c)
		return
	}
	c.compact()
	c.qbuf.Store(int64(c.w - c.r))
	c.qfree.Store(int64(len(c.buf) - c.w))
}

// flush writes a connection's replies. What the socket does not take now
// waits for EPOLLOUT; meanwhile the connection is not read, so a client
// that does not read its replies cannot make the server buffer more.
func (l *eventLoop) flush(c *conn) bool {
	for c.outPos < len(c.out.B) {
		n, err := rawWrite(c.fd, c.out.B[c.outPos:])
		if n > 0 {
			c.outPos += n
			l.s.stats.netOut.Add(int64(n))
		}
		if err == syscall.EAGAIN {
			if !c.outPending {
				c.outPending = true
				syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_MOD, c.fd, &syscall.EpollEvent{Events: syscall.EPOLLOUT, Fd: int32(c.fd)})
			}
			return true
		}
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return false
		}
	}
	c.outPos = 0
	if cap(c.out.B) > keepReplyBuffer {
		c.out.B = nil
	} else {
		c.out.B = c.out.B[:0]
	}
	if c.outPending {
		c.outPending = false
		syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_MOD, c.fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(c.fd)})
	}
	return true
}

func (l *eventLoop) protocolError(c *conn, perr string) {
	if !l.detach(c) {
		l.end(c)
		return
	}
	// The goroutine's path writes the error through the net.Conn, which
	// owns the socket again.
	c.protocolError(perr)
	l.end(c)
}

// detach takes a connection out of the loop and gives its socket back
// to a net.Conn, for a goroutine to serve; false if that fails (the
// connection is then closed).
func (l *eventLoop) detach(c *conn) bool {
	syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
	delete(l.conns, c.fd)
	c.fdMu.Lock()
	defer c.fdMu.Unlock()
	c.inLoop.Store(false)
	f := os.NewFile(uintptr(c.fd), c.addr)
	nc, err := net.FileConn(f)
	f.Close()
	c.fd = -1
	if err != nil {
		return false
	}
	c.nc = nc
	if tc, ok := nc.(*net.TCPConn); ok {
		if raw, err := tc.SyscallConn(); err == nil {
			raw.Control(func(fd uintptr) { c.fd = int(fd) })
		}
	}
	return true
}

// close ends a connection served by the loop.
func (l *eventLoop) close(c *conn) {
	syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
	delete(l.conns, c.fd)
	c.fdMu.Lock()
	c.inLoop.Store(false)
	syscall.Close(c.fd)
	c.fd = -1
	c.fdMu.Unlock()
	l.end(c)
}

func (l *eventLoop) end(c *conn) {
	c.cleanup()
	l.s.wg.Done()
}

// handoff gives a connection to a goroutine of its own for good. Its
// socket is still the net.Conn's (the loop only read and wrote its file
// descriptor), so the goroutine carries on with it.
func (l *eventLoop) handoff(c *conn) {
	if !l.detach(c) {
		l.end(c)
		return
	}
	pending := c.out.B[c.outPos:]
	c.outPos = 0
	go func() {
		s := c.srv
		defer s.wg.Done()
		defer c.cleanup()
		if len(pending) > 0 {
			if _, err := c.nc.Write(pending); err != nil {
				return
			}
			c.out.B = c.out.B[:0]
		}
		if c.resume {
			c.resume = false
			if !c.waitServed() {
				return
			}
		}
		if c.next < len(c.ends) && c.runBatchFrom(c.next, c.nextStart) {
			return
		}
		c.argv, c.ends = c.argv[:0], c.ends[:0]
		c.next, c.nextStart = 0, 0
		if c.perr != "" {
			c.protocolError(c.perr)
			return
		}
		if c.r < c.w && c.process() {
			return
		}
		c.readLoop()
	}()
}

// idle closes connections idle for longer than --timeout.
func (l *eventLoop) idle() {
	t := l.s.timeout.Load()
	if t <= 0 {
		return
	}
	limit := time.Duration(t) * time.Second
	for _, c := range l.conns {
		if time.Since(c.lastIO) > limit && !c.outPending {
			l.s.logf(levelVerbose, "Closing idle client: addr=%s", c.addr)
			l.close(c)
		}
	}
}

// shutdownFD makes a loop connection's socket report end of file, so the
// loop closes it (Kill from another goroutine must not close a descriptor
// the loop may still use). Called with c.fdMu held.
func shutdownFD(fd int) { syscall.Shutdown(fd, syscall.SHUT_RDWR) }

func totalSystemMemory() uint64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	return si.Totalram * uint64(si.Unit)
}

// rawRead and rawWrite are read(2) and write(2) on the loop's sockets,
// which are non-blocking: as raw system calls they skip the scheduler's
// bookkeeping for a call that may block, and sysmon has no P in a system
// call to take. Pinned to one CPU (GOMAXPROCS 2), 150,000 GETs at -P 1 cost
// folio-server 2,254–2,280 ms of CPU and 435–471 sysmon sleeps with them,
// against 2,290–2,357 ms and 3,355–3,533 sleeps through syscall.Read and
// syscall.Write (redis-server: 2,316–2,329 ms).
func rawRead(fd int, p []byte) (int, error)  { return rawIO(syscall.SYS_READ, fd, p) }
func rawWrite(fd int, p []byte) (int, error) { return rawIO(syscall.SYS_WRITE, fd, p) }

func rawIO(trap uintptr, fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r, _, e := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}
