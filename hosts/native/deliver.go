package native

import (
	"context"
	"sync"
	"time"

	"github.com/foliodb/folio/core"
)

// sink receives a session's deliveries: pub/sub messages and the replies of
// blocking commands served after they parked.
type sink struct {
	mu     sync.Mutex
	queue  [][]byte
	notify chan struct{}
}

func newSink() *sink { return &sink{notify: make(chan struct{}, 1)} }

func (k *sink) push(b []byte) {
	k.mu.Lock()
	k.queue = append(k.queue, b)
	k.mu.Unlock()
	select {
	case k.notify <- struct{}{}:
	default:
	}
}

func (k *sink) take() [][]byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	q := k.queue
	k.queue = nil
	return q
}

// dispatchLocked routes the engine's deliveries to their sessions' sinks.
// db.mu is held.
func (db *DB) dispatchLocked() {
	for _, d := range db.eng.TakeDeliveries() {
		if k, ok := d.Session.Host.(*sink); ok {
			k.push(d.Data)
		}
	}
}

// execLocked runs one command for s (db.mu held), dispatches deliveries and
// arms a timer for a blocking command's deadline.
func (db *DB) execLocked(s *Session, args [][]byte) core.Outcome {
	o := db.eng.Exec(s.s, args, &s.w)
	db.dispatchLocked()
	if o.Blocked != nil && o.Blocked.Deadline != 0 {
		d := time.Until(time.UnixMilli(o.Blocked.Deadline))
		if db.virtual != nil {
			d = 0 // a virtual clock: ExpireNow or Advance fire deadlines
		} else {
			time.AfterFunc(d, db.expireBlocked)
		}
	}
	return o
}

func (db *DB) expireBlocked() {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return
	}
	db.eng.ExpireBlocked()
	db.dispatchLocked()
}

// housekeep runs the engine's periodic work, as Redis's cron does: active
// expiry (which also reclaims deleted collections) and blocked timeouts.
func (db *DB) housekeep() {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return
	}
	db.eng.ActiveExpire(20)
	db.eng.ExpireBlocked()
	db.dispatchLocked()
	// An error leaves nothing half done; the next command reports a
	// store that keeps failing.
	db.eng.Idle()
}

// cron calls housekeep at 10 Hz until the DB closes.
func (db *DB) cron() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-t.C:
			db.housekeep()
		}
	}
}

// waitBlocked waits for the reply of s's parked command.
func (s *Session) waitBlocked(ctx context.Context) ([]byte, error) {
	for {
		if q := s.sink.take(); len(q) > 0 {
			out := q[0]
			for _, b := range q[1:] {
				out = append(out, b...)
			}
			return out, nil
		}
		select {
		case <-s.sink.notify:
		case <-ctx.Done():
			s.db.mu.Lock()
			s.db.eng.CancelBlocked(s.s)
			s.db.mu.Unlock()
			if q := s.sink.take(); len(q) > 0 {
				return q[0], nil
			}
			return nil, ctx.Err()
		}
	}
}
