package wasm

import (
	"context"
	"encoding/binary"
	"sync"
	"time"

	"github.com/foliodb/folio/core/store"
	"github.com/tetratelabs/wazero/api"
)

// Bits of the control block's flags word after exec (ABI.md).
const (
	flagClose      = 1 << 0
	flagBlocked    = 1 << 1
	flagDeliveries = 1 << 2
)

// ctlNow is the control block's offset of the host clock (ABI.md).
const ctlNow = 32

// sink receives a session's deliveries: pub/sub messages and the replies
// of blocking commands served after they parked.
type sink struct {
	mu        sync.Mutex
	queue     []byte
	blocked   bool
	notify    chan struct{}
	unblocked chan struct{}
}

func newSink() *sink {
	return &sink{notify: make(chan struct{}, 1), unblocked: make(chan struct{}, 1)}
}

func (k *sink) push(b []byte) {
	k.mu.Lock()
	k.queue = append(k.queue, b...)
	wasBlocked := k.blocked
	k.blocked = false
	k.mu.Unlock()
	signal(k.notify)
	if wasBlocked {
		signal(k.unblocked)
	}
}

func (k *sink) setBlocked() {
	k.mu.Lock()
	k.blocked = true
	k.mu.Unlock()
}

func (k *sink) take() []byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	q := k.queue
	k.queue = nil
	return q
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// dispatch pulls the module's pending deliveries into the sessions'
// sinks. db.mu is held.
func (h *instance) dispatch() error {
	rc, err := h.call1(h.deliveries)
	if err != nil {
		return err
	}
	n := api.DecodeI32(rc)
	if n <= 0 {
		return nil
	}
	p, _ := h.mem.ReadUint32Le(h.ctl + 8)
	b, ok := h.mem.Read(p, uint32(n))
	if !ok {
		return errMemory
	}
	for len(b) >= 12 {
		id := int64(binary.LittleEndian.Uint64(b))
		l := binary.LittleEndian.Uint32(b[8:])
		data := b[12 : 12+l]
		b = b[12+l:]
		if k := h.sinks[id]; k != nil {
			k.push(data)
		}
	}
	return nil
}

// armDeadline expires blocked commands when a blocked command's deadline
// (read from the control block) passes.
func (db *DB) armDeadline() {
	ms, _ := db.h.mem.ReadUint64Le(db.h.ctl + 24)
	if ms == 0 {
		return
	}
	time.AfterFunc(time.Until(time.UnixMilli(int64(ms))), db.expireBlocked)
}

func (db *DB) expireBlocked() {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return
	}
	db.h.writeNow()
	if rc, err := db.h.call1(db.h.expire); err == nil && api.DecodeI32(rc) > 0 {
		db.h.dispatch()
	}
}

// cron runs the engine's housekeeping (active expiry, which also reclaims
// deleted collections) at 10 Hz until the DB closes, as native's does; when
// no command ran since the last tick, the store does its deferred work too
// (store.Idler: logstore's merge).
func (db *DB) cron() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-db.done:
			return
		case <-t.C:
			db.housekeep()
		}
	}
}

func (db *DB) housekeep() {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return
	}
	h := db.h
	h.writeNow()
	if rc, err := h.call1(h.housekeep); err == nil && api.DecodeI32(rc) > 0 {
		h.dispatch()
	}
	if idle, ok := h.st.(store.Idler); ok && h.execs == h.idleMark && h.tx == nil {
		idle.Idle()
	}
	h.idleMark = h.execs
}

// waitBlocked waits for the reply of s's parked command.
func (s *Session) waitBlocked(ctx context.Context) ([]byte, error) {
	for {
		select {
		case <-s.sink.unblocked:
			return s.sink.take(), nil
		case <-s.db.done:
			return nil, ErrClosed
		case <-ctx.Done():
			s.db.mu.Lock()
			if !s.db.closed {
				if rc, err := s.db.h.call1(s.db.h.cancel, uint64(s.id)); err == nil && api.DecodeI32(rc) > 0 {
					s.db.h.dispatch()
				}
			}
			s.db.mu.Unlock()
			return nil, ctx.Err()
		}
	}
}
