package core

// Key counters: DBSIZE and INFO keyspace in O(1), as in Redis.
//
// Each physical database has a page 'M' "keys" db(4) counting the records
// it holds, those with an expiry, and the sum of their expiry times, kept
// by the writes that create or delete a record or change its expiry
// (putDB, deleteRecord, unlinkRecord) in the same transaction. A database
// whose page is missing (a file written before the counters, or a page
// dropped with its database) is counted by a scan once, on the first
// write that needs the page.
//
// The counters include keys past their expiry that are not reclaimed yet;
// DBSIZE and INFO leave those out, as they did when they scanned every
// record, by walking the expired part of the expiry index, which active
// expiry keeps short.

import (
	"encoding/binary"
	"math/bits"

	"github.com/foliodb/folio/core/store"
)

// countsKey appends db's counters key to buf.
func countsKey(buf []byte, db uint32) []byte {
	return appendDB(append(buf, prefixMeta, 'k', 'e', 'y', 's'), db)
}

// keyStats are the counters of one physical database.
type keyStats struct {
	keys, volatile int64
	// The sum of the volatile keys' ExpireAt, 128 bits (hi, lo), so that
	// no number of keys overflows it.
	atHi, atLo uint64
}

func (k *keyStats) addAt(at int64, sign int) {
	u := uint64(at)
	var c uint64
	if sign > 0 {
		k.atLo, c = bits.Add64(k.atLo, u, 0)
		k.atHi += c
	} else {
		k.atLo, c = bits.Sub64(k.atLo, u, 0)
		k.atHi -= c
	}
}

// add counts record r (or uncounts it, sign -1).
func (k *keyStats) add(r *Record, sign int) {
	k.keys += int64(sign)
	if r.ExpireAt != 0 {
		k.volatile += int64(sign)
		k.addAt(r.ExpireAt, sign)
	}
}

func (k *keyStats) encode(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(k.keys))
	b = binary.BigEndian.AppendUint64(b, uint64(k.volatile))
	b = binary.BigEndian.AppendUint64(b, k.atHi)
	return binary.BigEndian.AppendUint64(b, k.atLo)
}

func decodeKeyStats(p []byte) (keyStats, bool) {
	if len(p) != 32 {
		return keyStats{}, false
	}
	return keyStats{
		keys:     int64(binary.BigEndian.Uint64(p)),
		volatile: int64(binary.BigEndian.Uint64(p[8:])),
		atHi:     binary.BigEndian.Uint64(p[16:]),
		atLo:     binary.BigEndian.Uint64(p[24:]),
	}, true
}

// storedKeyStats returns db's counters from their page, or counted from
// its records when the page is missing.
func (c *Ctx) storedKeyStats(tx store.Tx, db uint32) (k keyStats, err error) {
	c.ckey = countsKey(c.ckey[:0], db)
	p, ok, err := tx.Get(c.ckey)
	if err != nil {
		return k, err
	}
	if ok {
		if k, ok = decodeKeyStats(p); !ok {
			return k, corruptError{[]byte("key counters")}
		}
		return k, nil
	}
	pfx := appendDB([]byte{prefixKey}, db)
	var ferr error
	err = tx.Scan(pfx, prefixEnd(pfx), false, func(key, page []byte) bool {
		r, ok := decodeRecord(page)
		if !ok {
			ferr = corruptError{key[len(pfx):]}
			return false
		}
		k.add(&r, 1)
		return true
	})
	if err == nil {
		err = ferr
	}
	return k, err
}

// countKey updates db's counters for a record write: prev is the record
// replaced (nil for a new key), r the one written (nil for a delete). It
// runs before the record is written, so that a count by scan sees the
// records as they were.
func (c *Ctx) countKey(db uint32, prev, r *Record) error {
	var prevAt, at int64
	if prev != nil {
		prevAt = prev.ExpireAt
	}
	if r != nil {
		at = r.ExpireAt
	}
	if (prev == nil) == (r == nil) && prevAt == at {
		return nil // the same key, the same expiry
	}
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	k, err := c.storedKeyStats(tx, db)
	if err != nil {
		return err
	}
	if prev != nil {
		k.add(prev, -1)
	}
	if r != nil {
		k.add(r, 1)
	}
	c.ckey = countsKey(c.ckey[:0], db)
	n := len(c.ckey)
	c.ckey = k.encode(c.ckey)
	return tx.Put(c.ckey[:n], c.ckey[n:])
}

// liveKeyStats returns db's counters without the keys past their expiry
// (which a read-only command cannot reclaim): the keys DBSIZE and INFO
// report.
func (c *Ctx) liveKeyStats(db uint32) (keyStats, error) {
	tx, err := c.Tx()
	if err != nil {
		return keyStats{}, err
	}
	k, err := c.storedKeyStats(tx, db)
	if err != nil {
		return k, err
	}
	list, err := c.dueEntries(tx, db, -1)
	if err != nil {
		return k, err
	}
	var kb []byte
	for _, d := range list {
		// An index entry counts only when its record has its expiry (as
		// in expireDue: a stale entry may outlive a change).
		kb = recordKey(kb, db, d.key)
		page, ok, err := tx.Get(kb)
		if err != nil {
			return k, err
		}
		if !ok {
			continue
		}
		r, ok := decodeRecord(page)
		if !ok {
			return k, corruptError{d.key}
		}
		if r.ExpireAt == d.at {
			k.add(&r, -1)
		}
	}
	return k, nil
}

// avgTTL is INFO keyspace's avg_ttl of live counters k: the mean time to
// expiry of the volatile keys, in milliseconds.
func (k *keyStats) avgTTL(now int64) int64 {
	// Each ExpireAt is below 1<<63, so the sum's high word is below the
	// count and the quotient fits in 64 bits.
	if k.volatile <= 0 || k.atHi >= uint64(k.volatile) {
		return 0
	}
	q, _ := bits.Div64(k.atHi, k.atLo, uint64(k.volatile))
	return int64(q) - now
}

// countAllKeys writes the counters of every physical database from its
// records, in one pass over them (upgrading a store of the layout before
// the counters).
func countAllKeys(tx store.Tx) error {
	stats := map[uint32]*keyStats{}
	var ferr error
	err := tx.Scan([]byte{prefixKey}, []byte{prefixKey + 1}, false, func(key, page []byte) bool {
		r, ok := decodeRecord(page)
		if !ok || len(key) < 5 {
			ferr = corruptError{key}
			return false
		}
		db := binary.BigEndian.Uint32(key[1:5])
		k := stats[db]
		if k == nil {
			k = &keyStats{}
			stats[db] = k
		}
		k.add(&r, 1)
		return true
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	for db, k := range stats {
		if err := tx.Put(countsKey(nil, db), k.encode(nil)); err != nil {
			return err
		}
	}
	return nil
}
