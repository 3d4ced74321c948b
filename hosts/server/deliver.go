package server

import (
	"errors"
	"net"
	"time"

	"github.com/foliodb/folio/core"
)

// Deliveries: messages of pub/sub and keyspace notifications, and the
// replies of blocking commands served after they parked, are produced by
// other connections' commands (core.Engine.TakeDeliveries). Their target
// connection is in queued mode (see conn.queued) and its writer sends them.

// dispatch routes the engine's deliveries. A delivery to self, the client
// running a command, goes before that command's reply, which starts at
// out.B[at:], as Redis sends it. Called with the engine locked.
func (s *Server) dispatch(self *conn, at int) {
	for _, d := range s.eng.TakeDeliveries() {
		t, ok := d.Session.Host.(*conn)
		if !ok {
			continue
		}
		if t == self && !t.queued {
			reply := append([]byte(nil), t.out.B[at:]...)
			t.out.B = append(append(t.out.B[:at], d.Data...), reply...)
			at += len(d.Data)
			continue
		}
		if !t.queued {
			t.setQueued()
		}
		t.enqueue(d.Data)
		if t.waiting && !t.sess.IsBlocked() {
			t.waiting = false
			// Interrupt the hang-up watch in waitServed.
			t.nc.SetReadDeadline(time.Now())
		}
	}
}

// armDeadline answers a blocked command's timeout on time (real clock);
// with a virtual clock the cron's ExpireBlocked answers it once the clock
// passes the deadline. Called with the engine locked.
func (s *Server) armDeadline(b *core.Blocked) {
	if b.Deadline == 0 {
		return
	}
	d := time.UnixMilli(b.Deadline).Sub(s.cfg.Now())
	time.AfterFunc(max(d, 0)+time.Millisecond, s.expireBlocked)
}

// expireBlocked answers blocked clients whose timeout passed.
func (s *Server) expireBlocked() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed() {
		return
	}
	s.eng.ExpireBlocked()
	s.dispatch(nil, 0)
}

// waitServed parks the connection's goroutine while its session is
// blocked. It keeps reading, so a client that hangs up while blocked is
// noticed at once and leaves nothing behind; bytes read are kept for after
// the wait (the batch being run still points into the buffer, so it only
// grows here, never compacts). It reports false when the connection must
// close.
func (c *conn) waitServed() bool {
	s := c.srv
	for {
		c.nc.SetReadDeadline(time.Time{})
		s.mu.Lock()
		still := c.sess.IsBlocked()
		c.waiting = still
		s.mu.Unlock()
		if !still {
			// dispatch may have set a past deadline to wake the Read
			// after this loop last cleared it: clear it again, or the
			// next Read would fail at once and close the connection.
			c.nc.SetReadDeadline(time.Time{})
			return !c.killed.Load()
		}
		if c.w == len(c.buf) {
			if int64(len(c.buf)) >= s.maxQueryBuf.Load() {
				return false
			}
			nb := make([]byte, 2*len(c.buf))
			copy(nb, c.buf[:c.w])
			c.buf = nb
		}
		n, err := c.nc.Read(c.buf[c.w:])
		c.w += n
		if n > 0 {
			c.readWhileBlocked = true
			s.stats.netIn.Add(int64(n))
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return false
		}
	}
}
