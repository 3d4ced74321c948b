package core

// Expiry commands and the active-expiry step.
// https://redis.io/commands/?group=generic

import (
	"encoding/binary"
	"math"
	"strings"

	"github.com/foliodb/folio/core/store"
)

func init() {
	register(map[string]Handler{
		"expire":      cmdExpire,
		"pexpire":     cmdPExpire,
		"expireat":    cmdExpireAt,
		"pexpireat":   cmdPExpireAt,
		"ttl":         cmdTTL,
		"pttl":        cmdPTTL,
		"expiretime":  cmdExpireTime,
		"pexpiretime": cmdPExpireTime,
		"persist":     cmdPersist,
	})
}

// cmdExpire sets a key's time to live in seconds.
// EXPIRE key seconds [NX | XX | GT | LT]
// https://redis.io/commands/expire
func cmdExpire(c *Ctx) error { return c.expireGeneric(c.Now, true) }

// cmdPExpire sets a key's time to live in milliseconds.
// PEXPIRE key milliseconds [NX | XX | GT | LT]
// https://redis.io/commands/pexpire
func cmdPExpire(c *Ctx) error { return c.expireGeneric(c.Now, false) }

// cmdExpireAt sets a key's expiry as a Unix time in seconds.
// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
// https://redis.io/commands/expireat
func cmdExpireAt(c *Ctx) error { return c.expireGeneric(0, true) }

// cmdPExpireAt sets a key's expiry as a Unix time in milliseconds.
// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
// https://redis.io/commands/pexpireat
func cmdPExpireAt(c *Ctx) error { return c.expireGeneric(0, false) }

// expireGeneric is Redis's expireGenericCommand: the time argument, in
// seconds or ms, is added to base (now, or 0 for the AT forms). A time in
// the past deletes the key and answers 1.
func (c *Ctx) expireGeneric(base int64, seconds bool) error {
	var nx, xx, gt, lt bool
	for _, a := range c.Args[3:] {
		switch strings.ToLower(string(a)) {
		case "nx":
			nx = true
		case "xx":
			xx = true
		case "gt":
			gt = true
		case "lt":
			lt = true
		default:
			c.W.Error(format(msgUnsupportedOpt, string(a)))
			return nil
		}
	}
	if nx && (xx || gt || lt) {
		c.W.Error(msgExpireOpts)
		return nil
	}
	if gt && lt {
		c.W.Error(msgExpireGTLT)
		return nil
	}
	when, ok := c.argInt(2)
	if !ok {
		return nil
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.W.Error(format(msgInvalidExpire, c.Cmd.Name))
			return nil
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		c.W.Error(format(msgInvalidExpire, c.Cmd.Name))
		return nil
	}
	when += base
	key := c.Args[1]
	r, ok, err := c.lookup(key)
	if err != nil {
		return err
	}
	if !ok {
		c.W.Int(0)
		return nil
	}
	cur := r.ExpireAt // 0: none, which Redis calls -1
	if nx && cur != 0 || xx && cur == 0 || gt && (cur == 0 || when <= cur) || lt && cur != 0 && when >= cur {
		c.W.Int(0)
		return nil
	}
	if when <= c.Now {
		if err := c.deleteKey(key, r); err != nil {
			return err
		}
		c.notify(notifyGeneric, "del", key)
		c.W.Int(1)
		return nil
	}
	nr := r
	nr.Value = cloneBytes(r.Value)
	nr.ExpireAt = when
	if err := c.put(key, &nr, &r); err != nil {
		return err
	}
	c.W.Int(1) // Redis replies before the event here
	c.notify(notifyGeneric, "expire", key)
	return nil
}

// cmdTTL returns a key's time to live in seconds.
// TTL key
// https://redis.io/commands/ttl
func cmdTTL(c *Ctx) error { return c.ttlGeneric(false, false) }

// cmdPTTL returns a key's time to live in milliseconds.
// PTTL key
// https://redis.io/commands/pttl
func cmdPTTL(c *Ctx) error { return c.ttlGeneric(true, false) }

// cmdExpireTime returns a key's expiry as a Unix time in seconds.
// EXPIRETIME key
// https://redis.io/commands/expiretime
func cmdExpireTime(c *Ctx) error { return c.ttlGeneric(false, true) }

// cmdPExpireTime returns a key's expiry as a Unix time in milliseconds.
// PEXPIRETIME key
// https://redis.io/commands/pexpiretime
func cmdPExpireTime(c *Ctx) error { return c.ttlGeneric(true, true) }

// ttlGeneric is Redis's ttlGenericCommand: -2 for a missing key, -1 for
// no expiry; seconds are rounded to the nearest.
func (c *Ctx) ttlGeneric(ms, abs bool) error {
	r, ok, err := c.lookup(c.Args[1])
	if err != nil {
		return err
	}
	if !ok {
		c.W.Int(-2)
		return nil
	}
	if r.ExpireAt == 0 {
		c.W.Int(-1)
		return nil
	}
	ttl := r.ExpireAt
	if !abs {
		ttl -= c.Now
	}
	ttl = max(ttl, 0)
	if !ms {
		ttl = (ttl + 500) / 1000
	}
	c.W.Int(ttl)
	return nil
}

// cmdPersist removes a key's expiry.
// PERSIST key
// https://redis.io/commands/persist
func cmdPersist(c *Ctx) error {
	key := c.Args[1]
	r, ok, err := c.lookup(key)
	if err != nil {
		return err
	}
	if !ok || r.ExpireAt == 0 {
		c.W.Int(0)
		return nil
	}
	nr := r
	nr.Value = cloneBytes(r.Value)
	nr.ExpireAt = 0
	if err := c.put(key, &nr, &r); err != nil {
		return err
	}
	c.notify(notifyGeneric, "persist", key)
	c.W.Int(1)
	return nil
}

// ActiveExpire is the housekeeping step hosts call periodically, like
// Redis's cron. In one store transaction it
//
//   - deletes up to budget keys whose time has come, found through the
//     expiry index, so the cost follows what expires, not the keyspace;
//   - reclaims up to budget elements of deleted collections ('g' entries);
//   - reclaims up to budget records of databases dropped by FLUSHDB and
//     FLUSHALL, sending their collections to the garbage.
//
// It returns how many keys expired. A host calls it again soon when the
// count reached the budget.
func (e *Engine) ActiveExpire(budget int) (expired int, err error) {
	if budget <= 0 {
		return 0, nil
	}
	now := e.now()
	if due, err := e.housekeepingDue(now); err != nil || !due {
		return 0, err
	}
	c := &Ctx{E: e, writable: true, Now: now}
	defer func() {
		if c.tx == nil {
			return
		}
		if err == nil {
			err = c.tx.Commit()
		} else {
			c.tx.Rollback()
		}
		c.tx = nil
	}()
	if _, err := c.Tx(); err != nil {
		return 0, err
	}
	if expired, err = c.expireDue(budget); err != nil {
		return expired, err
	}
	if err := c.reclaimGarbage(budget); err != nil {
		return expired, err
	}
	return expired, c.reclaimDroppedDBs(budget)
}

// Idle has the store do its deferred work (store.Idler: logstore merges
// its write log) when no command ran since the last call, so that no
// command waits for it. A host calls it from its housekeeping tick, at
// 10 Hz, outside any store group.
func (e *Engine) Idle() error {
	n := e.Stats.Commands
	idle := n == e.idleMark
	e.idleMark = n
	if i, ok := e.st.(store.Idler); ok && idle {
		return i.Idle()
	}
	return nil
}

// housekeepingDue reports, from a read-only transaction, whether
// ActiveExpire has anything to do, so an idle engine never takes the
// store's write lock (which a SQLite file shares between processes).
func (e *Engine) housekeepingDue(now int64) (bool, error) {
	c := &Ctx{E: e, Now: now}
	tx, err := c.Tx()
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	nonEmpty := func(start, end []byte) (bool, error) {
		found := false
		err := tx.Scan(start, end, false, func([]byte, []byte) bool {
			found = true
			return false
		})
		return found, err
	}
	for _, p := range [][]byte{{prefixGarbage}, metaKey("dropdb")} {
		if found, err := nonEmpty(p, prefixEnd(p)); err != nil || found {
			return found, err
		}
	}
	for _, db := range e.dbmap {
		p := appendDB([]byte{prefixExpire}, db)
		end := binary.BigEndian.AppendUint64(cloneBytes(p), uint64(now+1))
		if found, err := nonEmpty(p, end); err != nil || found {
			return found, err
		}
	}
	return false, nil
}

// due is an expiry index entry: a key and when it is due.
type due struct {
	at  int64
	key []byte
}

// dueEntries returns up to limit (all when limit < 0) of physical
// database db's expiry index entries due by now, soonest first. An entry
// may be stale: its record's expiry is then another (or it has none).
func (c *Ctx) dueEntries(tx store.Tx, db uint32, limit int) ([]due, error) {
	p := appendDB([]byte{prefixExpire}, db)
	end := binary.BigEndian.AppendUint64(cloneBytes(p), uint64(c.Now+1))
	var list []due
	err := tx.Scan(p, end, false, func(k, _ []byte) bool {
		if len(k) < len(p)+8 {
			return true
		}
		list = append(list, due{int64(binary.BigEndian.Uint64(k[len(p):])), cloneBytes(k[len(p)+8:])})
		return limit < 0 || len(list) < limit
	})
	return list, err
}

// expireDue deletes up to budget keys due by now, in every live database.
func (c *Ctx) expireDue(budget int) (int, error) {
	tx := c.tx
	seen := map[uint32]bool{}
	expired := 0
	for _, db := range c.E.dbmap {
		if seen[db] || budget <= 0 {
			continue
		}
		seen[db] = true
		list, err := c.dueEntries(tx, db, budget)
		if err != nil {
			return expired, err
		}
		budget -= len(list)
		var kb []byte
		for _, d := range list {
			kb = recordKey(kb, db, d.key)
			page, ok, err := tx.Get(kb)
			if err != nil {
				return expired, err
			}
			var r Record
			if ok {
				if r, ok = decodeRecord(page); !ok {
					return expired, corruptError{d.key}
				}
			}
			if !ok || r.ExpireAt != d.at {
				// A stale index entry: drop it alone.
				if err := tx.Delete(expireKey(db, d.at, d.key)); err != nil {
					return expired, err
				}
				continue
			}
			if err := c.deleteRecord(db, d.key, r); err != nil {
				return expired, err
			}
			c.E.Stats.ExpiredKeys++
			c.notifyExpired(db, d.key)
			expired++
		}
	}
	return expired, nil
}

// reclaimGarbage deletes up to budget elements of deleted collections,
// then their 'g' entries once empty.
func (c *Ctx) reclaimGarbage(budget int) error {
	tx := c.tx
	var ids []uint64
	gp := []byte{prefixGarbage}
	if err := tx.Scan(gp, prefixEnd(gp), false, func(k, _ []byte) bool {
		if len(k) == 9 {
			ids = append(ids, binary.BigEndian.Uint64(k[1:]))
		}
		return len(ids) < budget
	}); err != nil {
		return err
	}
	for _, id := range ids {
		if budget <= 0 {
			return nil
		}
		p := elemPrefix(id)
		var keys [][]byte
		if err := tx.Scan(p, prefixEnd(p), false, func(k, _ []byte) bool {
			keys = append(keys, cloneBytes(k))
			return len(keys) < budget
		}); err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		budget -= len(keys)
		if budget > 0 { // the range was emptied
			if err := tx.Delete(garbageKey(id)); err != nil {
				return err
			}
			budget--
		}
	}
	return nil
}
