package server

import (
	"errors"
	"net"
	"time"
)

// Deliveries: messages of pub/sub and keyspace notifications, and the
// replies of blocking commands served after they parked, are produced by
// other connections' commands (core.Engine.TakeDeliveries). Their target
// connection writes them through its asynchronous writer.

// dispatch hands the engine's deliveries to their connections. Called with
// the engine locked.
func (s *Server) dispatch() {
	for _, d := range s.eng.TakeDeliveries() {
		c, ok := d.Session.Host.(*conn)
		if !ok {
			continue
		}
		if !c.async {
			c.startAsync()
		}
		c.queue(d.Data)
		if c.waiting && !c.sess.IsBlocked() {
			c.waiting = false
			// Interrupt the hang-up watch in waitUnblocked.
			c.nc.SetReadDeadline(time.Now())
		}
	}
}

// expireBlocked answers blocked clients whose timeout passed.
func (s *Server) expireBlocked() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eng.ExpireBlocked()
	s.dispatch()
}

// startAsync switches the connection to asynchronous output. Called with
// the engine locked.
func (c *conn) startAsync() {
	if c.async {
		return
	}
	c.async = true
	if !c.monOn {
		c.startWriter()
	}
}

func (c *conn) startWriter() {
	s := c.srv
	c.monWake = make(chan struct{}, 1)
	s.connMu.Lock()
	s.wg.Add(1)
	s.connMu.Unlock()
	go c.monitorWriter(c.monWake)
}

// waitUnblocked parks the connection's goroutine while its session is
// blocked. It keeps reading, so a client that hangs up while blocked is
// noticed at once and leaves nothing behind; bytes read are kept for after
// the wait (the batch being run still points into the old buffer, so the
// buffer only grows here, never compacts). It reports false when the
// connection must close.
func (c *conn) waitUnblocked() bool {
	s := c.srv
	for {
		c.nc.SetReadDeadline(time.Time{})
		s.mu.Lock()
		still := c.sess.IsBlocked()
		c.waiting = still
		s.mu.Unlock()
		if !still {
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
