package core

// Database commands: DBSIZE FLUSHDB FLUSHALL SWAPDB.
// https://redis.io/commands/?group=server
//
// A logical database (SELECT 0-15) maps to a physical one through the 'M'
// "dbmap" record (keyspace.go), so FLUSHDB gives the logical database a
// fresh physical number and queues the old one for reclamation ('M'
// "dropdb" db(4)), and SWAPDB swaps two entries: both are O(1). The
// active-expiry step reclaims dropped databases in bounded batches.

import (
	"encoding/binary"
	"strings"

	"github.com/foliodb/folio/core/store"
)

func init() {
	register(map[string]Handler{
		"dbsize":   cmdDBSize,
		"flushdb":  cmdFlushDB,
		"flushall": cmdFlushAll,
		"swapdb":   cmdSwapDB,
	})
}

// firstFreshDB is the lowest physical number FLUSHDB allocates, above any
// number the identity map of a larger Databases setting could use.
const firstFreshDB = 1 << 16

func dropKey(db uint32) []byte { return appendDB(metaKey("dropdb"), db) }

// writeDBMap stores e.dbmap, keeping entries of databases beyond e.ndb that
// a run with more databases wrote, and returns a fresh physical number
// when alloc is true.
func (e *Engine) writeDBMap(tx store.Tx, alloc int) ([]uint32, error) {
	old, ok, err := tx.Get(metaKey("dbmap"))
	if err != nil {
		return nil, err
	}
	var words []uint32
	next := uint32(firstFreshDB)
	if ok && len(old) >= 4 {
		n := len(old)/4 - 1
		for i := 0; i < n; i++ {
			words = append(words, binary.BigEndian.Uint32(old[4*i:]))
		}
		next = max(next, binary.BigEndian.Uint32(old[4*n:]))
	}
	for len(words) < e.ndb {
		words = append(words, uint32(len(words)))
	}
	copy(words, e.dbmap)
	fresh := make([]uint32, alloc)
	for i := range fresh {
		fresh[i] = next
		next++
	}
	buf := make([]byte, 0, 4*(len(words)+1))
	for _, w := range words {
		buf = binary.BigEndian.AppendUint32(buf, w)
	}
	buf = binary.BigEndian.AppendUint32(buf, next)
	return fresh, tx.Put(metaKey("dbmap"), buf)
}

// dbChanged is called for each logical database that FLUSHDB, FLUSHALL or
// SWAPDB replaced wholesale: the hook for state kept per logical database
// outside the store. WATCH needs nothing here: a watch compares its key's
// record stamp, looked up through the database map at EXEC, so a watched
// key that a flush removed or a swap replaced reads as changed, and one
// absent before and after does not, as in Redis.
func (e *Engine) dbChanged(db int) {}

// cmdDBSize returns the number of keys in the database, from its counters
// (keycount.go).
// DBSIZE
// https://redis.io/commands/dbsize
func cmdDBSize(c *Ctx) error {
	k, err := c.liveKeyStats(c.db())
	if err != nil {
		return err
	}
	c.W.Int(k.keys)
	return nil
}

// parseFlushMode checks FLUSHDB's and FLUSHALL's ASYNC|SYNC argument; both
// reclaim lazily here.
func (c *Ctx) parseFlushMode() bool {
	if len(c.Args) > 2 {
		c.W.Error(msgSyntax)
		return false
	}
	if len(c.Args) == 2 {
		switch strings.ToLower(string(c.Args[1])) {
		case "async", "sync":
		default:
			c.W.Error(msgSyntax)
			return false
		}
	}
	return true
}

// flush gives the logical databases dbs fresh physical ones and queues the
// old ones for reclamation.
func (c *Ctx) flush(dbs []int) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	saved := append([]uint32(nil), c.E.dbmap...)
	fresh, err := c.E.writeDBMap(tx, len(dbs))
	if err != nil {
		return err
	}
	for i, db := range dbs {
		if err := tx.Put(dropKey(c.E.dbmap[db]), nil); err != nil {
			return err
		}
		if err := tx.Delete(countsKey(nil, c.E.dbmap[db])); err != nil {
			return err
		}
		c.E.dbmap[db] = fresh[i]
	}
	if _, err := c.E.writeDBMap(tx, 0); err != nil {
		c.E.dbmap = saved
		return err
	}
	for _, db := range dbs {
		c.E.dbChanged(db)
	}
	c.E.trackingFlush(c)
	return nil
}

// cmdFlushDB removes every key of the database, in O(1).
// FLUSHDB [ASYNC | SYNC]
// https://redis.io/commands/flushdb
func cmdFlushDB(c *Ctx) error {
	if !c.parseFlushMode() {
		return nil
	}
	if err := c.flush([]int{c.S.DB}); err != nil {
		return err
	}
	c.W.OK()
	return nil
}

// cmdFlushAll removes every key of every database, in O(databases).
// FLUSHALL [ASYNC | SYNC]
// https://redis.io/commands/flushall
func cmdFlushAll(c *Ctx) error {
	if !c.parseFlushMode() {
		return nil
	}
	dbs := make([]int, c.E.ndb)
	for i := range dbs {
		dbs[i] = i
	}
	if err := c.flush(dbs); err != nil {
		return err
	}
	c.W.OK()
	return nil
}

// cmdSwapDB swaps two databases.
// SWAPDB index1 index2
// https://redis.io/commands/swapdb
func cmdSwapDB(c *Ctx) error {
	a, ok := parseLongLong(c.Args[1])
	if !ok || a != int64(int32(a)) {
		c.W.Error(msgInvalidFirstDB)
		return nil
	}
	b, ok := parseLongLong(c.Args[2])
	if !ok || b != int64(int32(b)) {
		c.W.Error(msgInvalidSecondDB)
		return nil
	}
	n := int64(c.E.ndb)
	if a < 0 || a >= n || b < 0 || b >= n {
		c.W.Error(msgDBIndexOOR)
		return nil
	}
	if a != b {
		tx, err := c.Tx()
		if err != nil {
			return err
		}
		m := c.E.dbmap
		m[a], m[b] = m[b], m[a]
		if _, err := c.E.writeDBMap(tx, 0); err != nil {
			m[a], m[b] = m[b], m[a]
			return err
		}
		c.E.dbChanged(int(a))
		c.E.dbChanged(int(b))
	}
	c.W.OK()
	return nil
}

// reclaimDroppedDBs deletes up to budget records (and expiry entries) of
// databases dropped by FLUSHDB/FLUSHALL; a deleted collection's elements
// go to the garbage. A dropped database whose records are all gone is
// forgotten.
func (c *Ctx) reclaimDroppedDBs(budget int) error {
	tx := c.tx
	dp := metaKey("dropdb")
	var dbs []uint32
	if err := tx.Scan(dp, prefixEnd(dp), false, func(k, _ []byte) bool {
		if len(k) == len(dp)+4 {
			dbs = append(dbs, binary.BigEndian.Uint32(k[len(dp):]))
		}
		return true
	}); err != nil {
		return err
	}
	for _, db := range dbs {
		if budget <= 0 {
			return nil
		}
		live := false
		for _, m := range c.E.dbmap {
			live = live || m == db
		}
		if live { // never reclaim a database in use
			if err := tx.Delete(dropKey(db)); err != nil {
				return err
			}
			continue
		}
		type kv struct{ k, v []byte }
		var batch []kv
		for _, prefix := range []byte{prefixKey, prefixExpire} {
			if len(batch) >= budget {
				break
			}
			p := appendDB([]byte{prefix}, db)
			if err := tx.Scan(p, prefixEnd(p), false, func(k, v []byte) bool {
				batch = append(batch, kv{cloneBytes(k), cloneBytes(v)})
				return len(batch) < budget
			}); err != nil {
				return err
			}
		}
		for _, e := range batch {
			if e.k[0] == prefixKey {
				if r, ok := decodeRecord(e.v); ok && r.Type != TypeString && r.ID != 0 {
					if err := tx.Put(garbageKey(r.ID), nil); err != nil {
						return err
					}
				}
			}
			if err := tx.Delete(e.k); err != nil {
				return err
			}
		}
		budget -= len(batch)
		if budget > 0 {
			if err := tx.Delete(dropKey(db)); err != nil {
				return err
			}
			budget--
		}
	}
	return nil
}
