package core

// Transactions: MULTI EXEC DISCARD WATCH UNWATCH.
// https://redis.io/docs/interact/transactions/

import (
	"github.com/foliodb/folio/core/resp"
)

func init() {
	register(map[string]Handler{
		"multi":   cmdMulti,
		"exec":    cmdExec,
		"discard": cmdDiscard,
		"watch":   cmdWatch,
		"unwatch": cmdUnwatch,
	})
}

type queued struct {
	cmd  *Command
	args [][]byte
}

type multiState struct {
	queue []queued
	dirty bool // an error while queueing: EXEC answers EXECABORT
}

// watch is a key watched by WATCH: EXEC aborts when its record's stamp
// (random per write, 0 when absent) differs. Stamps live in the store, so a
// write by another process sharing the file aborts too.
type watch struct {
	db    int
	phys  uint32
	key   string
	stamp uint64
}

// A write in this process marks the sessions watching the key at once, as
// Redis's touchWatchedKey does; this catches a write that leaves the key as
// it was (SET then DEL of an absent key), which stamps alone cannot see.

func (e *Engine) watchKey(s *Session, w watch) {
	if e.watchers == nil {
		e.watchers = map[blockKey]map[*Session]struct{}{}
	}
	bk := blockKey{w.phys, w.key}
	set := e.watchers[bk]
	if set == nil {
		set = map[*Session]struct{}{}
		e.watchers[bk] = set
	}
	set[s] = struct{}{}
}

// unwatchAll forgets s's watched keys.
func (e *Engine) unwatchAll(s *Session) {
	for _, w := range s.watches {
		bk := blockKey{w.phys, w.key}
		if set := e.watchers[bk]; set != nil {
			delete(set, s)
			if len(set) == 0 {
				delete(e.watchers, bk)
			}
		}
	}
	s.watches = nil
	s.watchDirty = false
}

// touchWatched marks the sessions watching key as dirty.
func (e *Engine) touchWatched(db uint32, key []byte) {
	if len(e.watchers) == 0 {
		return
	}
	for s := range e.watchers[blockKey{db, string(key)}] {
		s.watchDirty = true
	}
}

func isMultiControl(name string) bool {
	switch name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

// InMulti reports whether the session is queueing a transaction.
func (s *Session) InMulti() bool { return s.multi != nil }

// cmdMulti starts a transaction.
// MULTI
// https://redis.io/commands/multi
func cmdMulti(c *Ctx) error {
	if c.S.multi != nil {
		c.W.Error(msgNestedMulti)
		return nil
	}
	c.S.multi = &multiState{}
	c.W.OK()
	return nil
}

// cmdDiscard drops a queued transaction.
// DISCARD
// https://redis.io/commands/discard
func cmdDiscard(c *Ctx) error {
	if c.S.multi == nil {
		c.W.Error(msgDiscardNoMulti)
		return nil
	}
	c.S.multi = nil
	c.E.unwatchAll(c.S)
	c.W.OK()
	return nil
}

// cmdWatch watches keys for changes before EXEC.
// WATCH key [key ...]
// https://redis.io/commands/watch
func cmdWatch(c *Ctx) error {
	if c.S.multi != nil {
		c.W.Error(msgWatchInMulti)
		return nil
	}
	for _, k := range c.Args[1:] {
		dup := false
		for _, w := range c.S.watches {
			if w.db == c.S.DB && w.key == string(k) {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		r, ok, err := c.lookup(k)
		if err != nil {
			return err
		}
		var stamp uint64
		if ok {
			stamp = r.Stamp
		}
		w := watch{db: c.S.DB, phys: c.db(), key: string(k), stamp: stamp}
		c.S.watches = append(c.S.watches, w)
		c.E.watchKey(c.S, w)
	}
	c.W.OK()
	return nil
}

// cmdUnwatch forgets watched keys.
// UNWATCH
// https://redis.io/commands/unwatch
func cmdUnwatch(c *Ctx) error {
	c.E.unwatchAll(c.S)
	c.W.OK()
	return nil
}

// watchesBroken reports whether any watched key changed.
func (c *Ctx) watchesBroken() (bool, error) {
	if c.S.watchDirty {
		return true, nil
	}
	for _, w := range c.S.watches {
		r, ok, err := c.lookupDB(c.E.dbmap[w.db], []byte(w.key))
		if err != nil {
			return false, err
		}
		var stamp uint64
		if ok {
			stamp = r.Stamp
		}
		if stamp != w.stamp {
			return true, nil
		}
	}
	return false, nil
}

// cmdExec runs the queued commands as one store transaction. A command's
// runtime error is its own reply; the others still apply, as in Redis.
// EXEC
// https://redis.io/commands/exec
func cmdExec(c *Ctx) error {
	m := c.S.multi
	if m == nil {
		c.W.Error(msgExecNoMulti)
		return nil
	}
	c.S.multi = nil
	if m.dirty {
		c.E.unwatchAll(c.S)
		c.W.Error(msgExecAbort)
		return nil
	}
	writable := false
	for _, q := range m.queue {
		if q.cmd.Write || q.cmd.Flags["may_replicate"] {
			writable = true
		}
	}
	e := c.E
	tx, err := e.st.Begin(writable)
	if err != nil {
		return err
	}
	if e.hasExt {
		if err := e.refresh(tx); err != nil {
			tx.Rollback()
			return err
		}
	}
	e.execTx, e.execErr = tx, nil
	defer func() { e.execTx = nil }()
	c.tx = tx
	broken, err := c.watchesBroken()
	c.tx = nil
	c.E.unwatchAll(c.S)
	if err != nil {
		tx.Rollback()
		return err
	}
	if broken {
		tx.Rollback()
		c.W.NullArray()
		return nil
	}
	c.W.Array(len(m.queue))
	for _, q := range m.queue {
		e.runQueued(c.S, q, c.W)
		if e.execErr != nil {
			tx.Rollback()
			return e.execErr
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	e.execTx = nil // blocked clients are served in transactions of their own
	e.serveReady()
	return nil
}

func (e *Engine) runQueued(s *Session, q queued, w *resp.Writer) {
	e.run(s, q.cmd, q.args, w)
}

// Atomic runs fn with every command it executes (through Exec, on any
// session) inside one store transaction, committed when fn returns nil and
// rolled back otherwise: an all-or-nothing batch, which Redis's MULTI is
// not. Blocking commands inside it do not block.
func (e *Engine) Atomic(fn func() error) error {
	if e.execTx != nil {
		return fn()
	}
	tx, err := e.st.Begin(true)
	if err != nil {
		return err
	}
	if e.hasExt {
		if err := e.refresh(tx); err != nil {
			tx.Rollback()
			return err
		}
	}
	e.execTx, e.execErr = tx, nil
	err = fn()
	e.execTx = nil
	if err == nil {
		err = e.execErr
	}
	if err != nil {
		tx.Rollback()
		// The map of databases may have changed inside the batch.
		if rtx, rerr := e.st.Begin(false); rerr == nil {
			e.loadDBMap(rtx)
			rtx.Rollback()
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	e.serveReady()
	return nil
}
