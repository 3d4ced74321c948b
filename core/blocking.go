package core

// Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...) without waiting.
//
// A blocking command that finds no data calls c.block: the engine answers
// nothing, queues the session as a waiter on its keys, and returns an
// Outcome with Blocked set. Any write to a key someone waits on marks it
// ready; after the command that wrote it, the engine re-runs the waiters'
// commands in the order they blocked, and a waiter served that way gets its
// reply as a Delivery (TakeDeliveries). When a deadline passes, the host
// calls ExpireBlocked, which answers the timeout reply the same way. The
// host never interprets a command: it parks and sends.

import (
	"math"
	"strings"

	"github.com/foliodb/folio/core/resp"
	"strconv"
)

// Blocked describes a parked session.
type Blocked struct {
	Deadline int64 // Unix milliseconds; 0: wait forever
}

type waiter struct {
	s        *Session
	cmd      *Command
	args     [][]byte
	db       uint32
	keys     []string
	deadline int64 // ms, 0 forever
	seq      uint64
}

type blockKey struct {
	db  uint32
	key string
}

type blocking struct {
	waiters map[blockKey][]*waiter
	ready   []blockKey
	isReady map[blockKey]bool
	seq     uint64
	count   int
}

func (e *Engine) bl() *blocking {
	if e.blocking == nil {
		e.blocking = &blocking{waiters: map[blockKey][]*waiter{}, isReady: map[blockKey]bool{}}
	}
	return e.blocking
}

// BlockedClients reports how many sessions are blocked (INFO's
// blocked_clients).
func (e *Engine) BlockedClients() int {
	if e.blocking == nil {
		return 0
	}
	return e.blocking.count
}

// IsBlocked reports whether s waits in a blocking command.
func (s *Session) IsBlocked() bool { return s.waiting != nil }

// parseTimeout parses a blocking command's timeout in seconds (fractions
// allowed) into milliseconds; 0 waits forever.
func parseTimeout(b []byte) (int64, string) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, msgTimeout
	}
	if f < 0 {
		return 0, msgTimeoutNegative
	}
	ms := f * 1000
	if ms > math.MaxInt64/2 {
		return 0, msgTimeout
	}
	return int64(math.Ceil(ms)), ""
}

// block parks the running command on keys for timeoutMs (0: forever). It
// returns false when the command must not block (inside MULTI/EXEC or a
// script, or when its timeout passed): the caller then writes its timeout
// reply itself.
func (c *Ctx) block(keys [][]byte, timeoutMs int64) bool {
	if c.inExec || c.timedOut {
		return false
	}
	w := &waiter{s: c.S, cmd: c.Cmd, args: cloneArgs(c.Args), db: c.db()}
	if c.rerun != nil {
		// Still no data for a waiter being served: it keeps its place.
		c.stillBlocked = true
		return true
	}
	if timeoutMs > 0 {
		w.deadline = c.Now + timeoutMs
	}
	b := c.E.bl()
	b.seq++
	w.seq = b.seq
	for _, k := range keys {
		w.keys = append(w.keys, string(k))
		bk := blockKey{w.db, string(k)}
		b.waiters[bk] = append(b.waiters[bk], w)
	}
	b.count++
	c.S.waiting = w
	c.out.Blocked = &Blocked{Deadline: w.deadline}
	return true
}

// signalKey marks a key as written, waking its waiters after the command.
func (e *Engine) signalKey(db uint32, key []byte) {
	b := e.blocking
	if b == nil || b.count == 0 {
		return
	}
	bk := blockKey{db, string(key)}
	if len(b.waiters[bk]) > 0 && !b.isReady[bk] {
		b.isReady[bk] = true
		b.ready = append(b.ready, bk)
	}
}

func (e *Engine) unblock(w *waiter) {
	b := e.blocking
	for _, k := range w.keys {
		bk := blockKey{w.db, k}
		list := b.waiters[bk]
		for i, x := range list {
			if x == w {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(b.waiters, bk)
		} else {
			b.waiters[bk] = list
		}
	}
	b.count--
	w.s.waiting = nil
}

// serveReady re-runs the waiters of keys written by the last command, in
// the order they blocked.
func (e *Engine) serveReady() {
	b := e.blocking
	for b != nil && len(b.ready) > 0 {
		bk := b.ready[0]
		b.ready = b.ready[1:]
		delete(b.isReady, bk)
		for _, w := range append([]*waiter(nil), b.waiters[bk]...) {
			if w.s.waiting != w {
				continue
			}
			if !e.rerun(w, false) {
				break // the key is empty again: later waiters keep waiting
			}
		}
	}
}

// rerun runs a waiter's command again; it reports whether the waiter was
// answered.
func (e *Engine) rerun(w *waiter, timedOut bool) bool {
	s := w.s
	out := e.pendingWriter(s)
	saveDB := s.DB
	if ldb := e.logicalDB(w.db); ldb >= 0 {
		s.DB = ldb
	}
	c := Ctx{E: e, S: s, Args: w.args, W: out, Cmd: w.cmd, writable: true, Now: e.now(), rerun: w, timedOut: timedOut}
	start := len(out.B)
	err := w.cmd.Handler(&c)
	if c.tx != nil {
		if err == nil {
			err = c.tx.Commit()
		} else {
			c.tx.Rollback()
		}
	}
	s.DB = saveDB
	if err != nil {
		out.B = out.B[:start]
		out.Error(storeError(err))
	} else if c.stillBlocked {
		out.B = out.B[:start]
		e.dropPendingIfEmpty(s)
		return false
	}
	e.unblock(w)
	return true
}

// ExpireBlocked answers the timeout reply to every waiter whose deadline
// passed. Hosts call it when a Blocked.Deadline is reached.
func (e *Engine) ExpireBlocked() {
	b := e.blocking
	if b == nil || b.count == 0 {
		return
	}
	now := e.now()
	var due []*waiter
	seen := map[*waiter]bool{}
	for _, list := range b.waiters {
		for _, w := range list {
			if w.deadline != 0 && w.deadline <= now && !seen[w] {
				seen[w] = true
				due = append(due, w)
			}
		}
	}
	sortWaiters(due)
	for _, w := range due {
		e.rerun(w, true)
	}
	e.serveReady()
}

func sortWaiters(ws []*waiter) {
	for i := 1; i < len(ws); i++ {
		for j := i; j > 0 && ws[j].seq < ws[j-1].seq; j-- {
			ws[j], ws[j-1] = ws[j-1], ws[j]
		}
	}
}

// Unblock ends a session's wait as CLIENT UNBLOCK does: with the command's
// timeout reply, or with an UNBLOCKED error. It reports whether s was
// blocked.
func (e *Engine) Unblock(s *Session, withError bool) bool {
	w := s.waiting
	if w == nil {
		return false
	}
	if withError {
		out := e.pendingWriter(s)
		out.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
		e.unblock(w)
		return true
	}
	e.rerun(w, true)
	return true
}

// pendingWriter returns s's pending output, queued for delivery.
func (e *Engine) pendingWriter(s *Session) *resp.Writer {
	if s.subs == nil {
		s.subs = &sessionSubs{}
	}
	w := &s.subs.out
	w.Proto = s.Proto
	ps := e.ps()
	if len(w.B) == 0 {
		ps.pending = append(ps.pending, s)
	}
	return w
}

func (e *Engine) dropPendingIfEmpty(s *Session) {}

// CancelBlocked forgets a session's wait without answering it (the host's
// caller gave up, e.g. a cancelled context).
func (e *Engine) CancelBlocked(s *Session) {
	if s.waiting != nil {
		e.unblock(s.waiting)
	}
}

func init() {
	register(map[string]Handler{"client|unblock": cmdClientUnblock})
}

// cmdClientUnblock ends another client's blocking command, with its timeout
// reply or with an error.
// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
// https://redis.io/commands/client-unblock
func cmdClientUnblock(c *Ctx) error {
	id, ok := parseLongLong(c.Args[2])
	if !ok {
		c.W.Error(msgNotInt)
		return nil
	}
	withError := false
	if len(c.Args) == 4 {
		switch strings.ToLower(string(c.Args[3])) {
		case "timeout":
		case "error":
			withError = true
		default:
			c.W.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return nil
		}
	} else if len(c.Args) > 4 {
		c.W.Error(format("ERR unknown subcommand or wrong number of arguments for '%s'. Try CLIENT HELP.", string(c.Args[1])))
		return nil
	}
	s := c.E.sessions[id]
	if s == nil || s.waiting == nil {
		c.W.Int(0)
		return nil
	}
	c.E.Unblock(s, withError)
	c.W.Int(1)
	return nil
}
