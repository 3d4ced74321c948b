package core

import (
	"bytes"
	"encoding/binary"

	"github.com/foliodb/folio/core/store"
)

// The layout of keys in the store (LayoutVersion):
//
//	'M' name                        engine metadata (layout version, dbmap)
//	'k' db(4) key                   a key's record: type, stamp, expiry, value
//	'x' db(4) at(8) key             expiry index, at in ms, big-endian
//	'e' id(8) sub                   an element of collection id
//	'g' id(8)                       a deleted collection whose elements remain
//
// db is a physical database number: the logical databases (SELECT 0-15)
// map to physical ones through the 'M' "dbmap" record, so FLUSHDB and
// SWAPDB only rewrite that map. A collection's elements are keyed by an id
// allocated when the key is created, not by the key, so DEL and RENAME of a
// huge collection touch one record; its elements are reclaimed afterwards.
//
// A record page:
//
//	type(1) flags(1) stamp(8) [expireAt(8) if flags&flagExpire] body
//
// The body of a string is its value; of a collection, id(8) count(8) and,
// for lists, head(8) tail(8): elements live at sequence numbers [head,tail).
const (
	prefixMeta    = 'M'
	prefixKey     = 'k'
	prefixExpire  = 'x'
	prefixElem    = 'e'
	prefixGarbage = 'g'
)

// Value types, as stored.
const (
	TypeNone   byte = 0
	TypeString byte = 1
	TypeList   byte = 2
	TypeSet    byte = 3
	TypeZSet   byte = 4
	TypeHash   byte = 5
)

const flagExpire = 1

// String encoding hints, kept in a record's flags so OBJECT ENCODING can
// answer as Redis would after APPEND, SETRANGE or INCRBYFLOAT.
const (
	flagEncRaw    = 2 // held raw (APPEND, SETRANGE)
	flagEncNotInt = 4 // never int-encoded (INCRBYFLOAT): embstr or raw by length
	flagEncCopy   = 8 // a private copy of a shared integer (COPY): refcount 1
	flagEncMask   = flagEncRaw | flagEncNotInt | flagEncCopy
)

func typeName(t byte) string {
	switch t {
	case TypeString:
		return "string"
	case TypeList:
		return "list"
	case TypeSet:
		return "set"
	case TypeZSet:
		return "zset"
	case TypeHash:
		return "hash"
	}
	return "none"
}

func metaKey(name string) []byte { return append([]byte{prefixMeta}, name...) }

func appendDB(b []byte, db uint32) []byte { return binary.BigEndian.AppendUint32(b, db) }

// recordKey is the store key of a user key's record.
func recordKey(buf []byte, db uint32, key []byte) []byte {
	buf = append(buf[:0], prefixKey)
	buf = appendDB(buf, db)
	return append(buf, key...)
}

func expireKey(db uint32, at int64, key []byte) []byte {
	return appendExpireKey(make([]byte, 0, 13+len(key)), db, at, key)
}

// appendExpireKey is expireKey into buf.
func appendExpireKey(buf []byte, db uint32, at int64, key []byte) []byte {
	b := append(buf[:0], prefixExpire)
	b = appendDB(b, db)
	b = binary.BigEndian.AppendUint64(b, uint64(at))
	return append(b, key...)
}

// elemPrefix is the store key prefix of collection id's elements.
func elemPrefix(id uint64) []byte {
	b := make([]byte, 9, 48)
	b[0] = prefixElem
	binary.BigEndian.PutUint64(b[1:], id)
	return b
}

// elemKey appends sub to collection id's prefix in buf.
func elemKey(buf []byte, id uint64, sub []byte) []byte {
	buf = append(buf[:0], prefixElem)
	buf = binary.BigEndian.AppendUint64(buf, id)
	return append(buf, sub...)
}

// prefixEnd returns the smallest key greater than every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// Record is a key's decoded record. Its slices point into the page read
// from the store and are valid until the next write.
type Record struct {
	Type     byte
	Stamp    uint64
	ExpireAt int64  // ms since the epoch, 0 for none
	Value    []byte // strings
	Enc      byte   // strings: encoding hints (flagEnc...)
	ID       uint64 // collections
	Count    int64
	Head     int64 // lists
	Tail     int64
}

func decodeRecord(p []byte) (Record, bool) {
	var r Record
	if len(p) < 10 {
		return r, false
	}
	r.Type = p[0]
	flags := p[1]
	r.Stamp = binary.BigEndian.Uint64(p[2:])
	p = p[10:]
	if flags&flagExpire != 0 {
		if len(p) < 8 {
			return r, false
		}
		r.ExpireAt = int64(binary.BigEndian.Uint64(p))
		p = p[8:]
	}
	if r.Type == TypeString {
		r.Value = p
		r.Enc = flags & flagEncMask
		return r, true
	}
	if len(p) < 16 {
		return r, false
	}
	r.ID = binary.BigEndian.Uint64(p)
	r.Count = int64(binary.BigEndian.Uint64(p[8:]))
	if r.Type == TypeList {
		if len(p) < 32 {
			return r, false
		}
		r.Head = int64(binary.BigEndian.Uint64(p[16:]))
		r.Tail = int64(binary.BigEndian.Uint64(p[24:]))
	}
	return r, true
}

func (r *Record) encode(buf []byte) []byte {
	buf = append(buf[:0], r.Type, 0)
	buf = binary.BigEndian.AppendUint64(buf, r.Stamp)
	if r.ExpireAt != 0 {
		buf[1] |= flagExpire
		buf = binary.BigEndian.AppendUint64(buf, uint64(r.ExpireAt))
	}
	if r.Type == TypeString {
		buf[1] |= r.Enc & flagEncMask
		return append(buf, r.Value...)
	}
	buf = binary.BigEndian.AppendUint64(buf, r.ID)
	buf = binary.BigEndian.AppendUint64(buf, uint64(r.Count))
	if r.Type == TypeList {
		buf = binary.BigEndian.AppendUint64(buf, uint64(r.Head))
		buf = binary.BigEndian.AppendUint64(buf, uint64(r.Tail))
	}
	return buf
}

// errCorrupt reports a record that does not decode.
type corruptError struct{ key []byte }

func (e corruptError) Error() string { return "corrupt record for key " + string(e.key) }

// ---- the database map ----

func (e *Engine) loadDBMap(tx store.Tx) error {
	v, ok, err := tx.Get(metaKey("dbmap"))
	if err != nil {
		return err
	}
	e.dbmap = make([]uint32, e.ndb)
	if ok && len(v) >= 4 {
		n := len(v)/4 - 1 // the last word is the next free physical number
		for i := 0; i < e.ndb; i++ {
			if i < n {
				e.dbmap[i] = binary.BigEndian.Uint32(v[4*i:])
			} else {
				e.dbmap[i] = uint32(i)
			}
		}
		return nil
	}
	for i := range e.dbmap {
		e.dbmap[i] = uint32(i)
	}
	return nil
}

func (e *Engine) refresh(tx store.Tx) error {
	ch := e.st.(store.Changes)
	ver, err := ch.ExternalVersion(tx)
	if err != nil {
		return err
	}
	if ver != e.extVer {
		e.extVer = ver
		return e.loadDBMap(tx)
	}
	return nil
}

// db returns the physical number of the session's database.
func (c *Ctx) db() uint32 { return c.E.dbmap[c.S.DB] }

// ---- lookups ----

// lookup returns key's live record in the session's database. An expired
// key is invisible; in a write command it is deleted on the spot.
func (c *Ctx) lookup(key []byte) (Record, bool, error) {
	return c.lookupDB(c.db(), key)
}

func (c *Ctx) lookupDB(db uint32, key []byte) (Record, bool, error) {
	tx, err := c.Tx()
	if err != nil {
		return Record{}, false, err
	}
	c.rkey = recordKey(c.rkey, db, key)
	p, ok, err := tx.Get(c.rkey)
	if err != nil || !ok {
		return Record{}, false, err
	}
	r, ok := decodeRecord(p)
	if !ok {
		return Record{}, false, corruptError{key}
	}
	if r.ExpireAt != 0 && r.ExpireAt <= c.Now {
		if c.writable {
			if err := c.deleteRecord(db, key, r); err != nil {
				return Record{}, false, err
			}
			c.E.Stats.ExpiredKeys++
			c.notifyExpired(db, key)
		} else {
			// A read-only transaction cannot delete: the engine does it
			// right after the command (expireLazily), as Redis does on
			// access, with its "expired" event.
			c.lazyExpired = append(c.lazyExpired, blockKey{db, string(key)})
		}
		return Record{}, false, nil
	}
	return r, true, nil
}

// lookupType is lookup that reports errWrongType for another type.
func (c *Ctx) lookupType(key []byte, typ byte) (Record, bool, error) {
	r, ok, err := c.lookup(key)
	if err == nil && ok && r.Type != typ {
		return r, false, errWrongType
	}
	if ok && r.Type == TypeZSet {
		c.zSeen(&r)
	}
	return r, ok, err
}

// errWrongType is returned by lookupType; handlers reply msgWrongType.
var errWrongType = wrongTypeError{}

type wrongTypeError struct{}

func (wrongTypeError) Error() string { return msgWrongType }

// put writes key's record. prev is the record it replaces (ok false when
// new); the expiry index follows the record's ExpireAt.
func (c *Ctx) put(key []byte, r *Record, prev *Record) error {
	return c.putDB(c.db(), key, r, prev)
}

func (c *Ctx) putDB(db uint32, key []byte, r *Record, prev *Record) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	r.Stamp = c.E.rng.Uint64()
	var prevAt int64
	if prev != nil {
		prevAt = prev.ExpireAt
	}
	if prevAt != r.ExpireAt {
		if prevAt != 0 {
			c.ekey = appendExpireKey(c.ekey, db, prevAt, key)
			if err := tx.Delete(c.ekey); err != nil {
				return err
			}
		}
		if r.ExpireAt != 0 {
			c.ekey = appendExpireKey(c.ekey, db, r.ExpireAt, key)
			if err := tx.Put(c.ekey, nil); err != nil {
				return err
			}
		}
	}
	c.E.signalKey(db, key)
	c.E.touchWatched(db, key)
	c.E.trackingWrite(c, key)
	if err := c.notifyIfNew(tx, db, key); err != nil {
		return err
	}
	if err := c.countKey(db, prev, r); err != nil {
		return err
	}
	if r.Type == TypeZSet {
		if err := c.zResize(r, prev); err != nil {
			return err
		}
	}
	c.rkey = recordKey(c.rkey, db, key)
	c.page = r.encode(c.page)
	return tx.Put(c.rkey, c.page)
}

// newID allocates a collection id.
func (c *Ctx) newID() (uint64, error) {
	tx, err := c.Tx()
	if err != nil {
		return 0, err
	}
	k := metaKey("nextid")
	v, ok, err := tx.Get(k)
	if err != nil {
		return 0, err
	}
	id := uint64(1)
	if ok && len(v) == 8 {
		id = binary.BigEndian.Uint64(v)
	}
	if err := tx.Put(k, binary.BigEndian.AppendUint64(nil, id+1)); err != nil {
		return 0, err
	}
	return id, nil
}

// deleteKey removes key from the session's database.
func (c *Ctx) deleteKey(key []byte, r Record) error { return c.deleteRecord(c.db(), key, r) }

// deleteRecord removes a key's record and expiry entry; a collection's
// elements are left for the garbage collector, so this is O(1).
func (c *Ctx) deleteRecord(db uint32, key []byte, r Record) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	c.E.touchWatched(db, key)
	if r.ExpireAt != 0 {
		c.ekey = appendExpireKey(c.ekey, db, r.ExpireAt, key)
		if err := tx.Delete(c.ekey); err != nil {
			return err
		}
	}
	if r.Type != TypeString && r.ID != 0 {
		if err := tx.Put(garbageKey(r.ID), nil); err != nil {
			return err
		}
	}
	c.E.trackingWrite(c, key)
	c.keyDeleted(db, key)
	if err := c.countKey(db, &r, nil); err != nil {
		return err
	}
	c.rkey = recordKey(c.rkey, db, key)
	return tx.Delete(c.rkey)
}

func garbageKey(id uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixGarbage}, id)
}

// scanKeys calls fn for every live key of physical database db in key
// order, starting at from (inclusive), until fn returns false.
func (c *Ctx) scanKeys(db uint32, from []byte, fn func(key []byte, r Record) bool) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	p := appendDB([]byte{prefixKey}, db)
	start := append(append([]byte(nil), p...), from...)
	var ferr error
	err = tx.Scan(start, prefixEnd(p), false, func(k, page []byte) bool {
		r, ok := decodeRecord(page)
		if !ok {
			ferr = corruptError{k[len(p):]}
			return false
		}
		if r.ExpireAt != 0 && r.ExpireAt <= c.Now {
			return true
		}
		return fn(k[len(p):], r)
	})
	if err != nil {
		return err
	}
	return ferr
}

func hasPrefix(b, p []byte) bool { return bytes.HasPrefix(b, p) }
