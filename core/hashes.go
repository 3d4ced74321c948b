package core

import (
	"strconv"
	"strings"
)

// Hash commands.
// https://redis.io/commands/?group=hash
//
// A hash is a record of TypeHash (ID, Count = number of fields) and one
// element per field at elemKey(id, field) whose page is the value, so a
// field operation touches the record and one element whatever the size.

func init() {
	register(map[string]Handler{
		"hdel":         cmdHdel,
		"hexists":      cmdHexists,
		"hget":         cmdHget,
		"hgetall":      cmdHgetall,
		"hincrby":      cmdHincrby,
		"hincrbyfloat": cmdHincrbyfloat,
		"hkeys":        cmdHkeys,
		"hlen":         cmdHlen,
		"hmget":        cmdHmget,
		"hmset":        cmdHmset,
		"hrandfield":   cmdHrandfield,
		"hscan":        cmdHscan,
		"hset":         cmdHset,
		"hsetnx":       cmdHsetnx,
		"hstrlen":      cmdHstrlen,
		"hvals":        cmdHvals,
	})
}

// hashListpackEntries is Redis's hash-max-listpack-entries default: up to
// this many fields Redis keeps a hash in one listpack, and HSCAN returns it
// whole in one call whatever COUNT says.
const hashListpackEntries = 128

// openHash looks key up as a hash for a write, returning a new, unsaved
// hash record when it does not exist (exists false).
func (c *Ctx) openHash(key []byte) (r Record, exists bool, err error) {
	r, exists, err = c.lookupType(key, TypeHash)
	if err != nil || exists {
		return r, exists, err
	}
	r, err = c.newCollection(TypeHash)
	return r, false, err
}

// hashSet sets field to val in hash r, counting a new field.
func (c *Ctx) hashSet(r *Record, field, val []byte) (added bool, err error) {
	_, had, err := c.elemGet(r.ID, field)
	if err != nil {
		return false, err
	}
	return !had, c.hashPut(r, field, val, had)
}

// hashPut sets field, known to be present (had) or not, to val.
func (c *Ctx) hashPut(r *Record, field, val []byte, had bool) error {
	if !had {
		r.Count++
	}
	return c.elemPut(r.ID, field, val)
}

// saveHash writes back a hash record read (exists) or created by openHash.
func (c *Ctx) saveHash(key []byte, r *Record, prev Record, exists bool) (bool, error) {
	if exists {
		return c.saveCollection(key, r, &prev)
	}
	return c.saveCollection(key, r, nil)
}

// cmdHset sets fields of a hash, replying the number of new fields.
// HSET key field value [field value ...]
// https://redis.io/commands/hset
func cmdHset(c *Ctx) error { return hsetGeneric(c, false) }

// cmdHmset sets fields of a hash, replying OK.
// HMSET key field value [field value ...]
// https://redis.io/commands/hmset
func cmdHmset(c *Ctx) error { return hsetGeneric(c, true) }

func hsetGeneric(c *Ctx, ok bool) error {
	if len(c.Args)%2 == 1 {
		c.W.Error(wrongArity(c.Cmd.Name))
		return nil
	}
	key := c.Args[1]
	r, exists, err := c.openHash(key)
	if err != nil {
		return c.fail(err)
	}
	prev := r
	var added int64
	for i := 2; i < len(c.Args); i += 2 {
		n, err := c.hashSet(&r, c.Args[i], c.Args[i+1])
		if err != nil {
			return err
		}
		if n {
			added++
		}
	}
	if exists {
		err = c.saveElements(key, &r, &prev)
	} else {
		_, err = c.saveHash(key, &r, prev, exists)
	}
	if err != nil {
		return err
	}
	if ok {
		c.W.OK()
	} else {
		c.W.Int(added)
	}
	c.notify(notifyHash, "hset", key) // after the reply, as Redis
	return nil
}

// cmdHsetnx sets a field of a hash only if it does not exist.
// HSETNX key field value
// https://redis.io/commands/hsetnx
func cmdHsetnx(c *Ctx) error {
	key, field := c.Args[1], c.Args[2]
	r, exists, err := c.openHash(key)
	if err != nil {
		return c.fail(err)
	}
	if exists {
		_, had, err := c.elemGet(r.ID, field)
		if err != nil {
			return err
		}
		if had {
			c.W.Int(0)
			return nil
		}
	}
	prev := r
	if _, err := c.hashSet(&r, field, c.Args[3]); err != nil {
		return err
	}
	if _, err := c.saveHash(key, &r, prev, exists); err != nil {
		return err
	}
	c.W.Int(1)
	c.notify(notifyHash, "hset", key)
	return nil
}

// cmdHget returns the value of a field of a hash.
// HGET key field
// https://redis.io/commands/hget
func cmdHget(c *Ctx) error {
	r, ok, err := c.lookupType(c.Args[1], TypeHash)
	if err != nil {
		return c.fail(err)
	}
	if !ok {
		c.W.Null()
		return nil
	}
	v, ok, err := c.elemGet(r.ID, c.Args[2])
	if err != nil {
		return err
	}
	if !ok {
		c.W.Null()
		return nil
	}
	c.W.Bulk(v)
	return nil
}

// cmdHmget returns the values of fields of a hash.
// HMGET key field [field ...]
// https://redis.io/commands/hmget
func cmdHmget(c *Ctx) error {
	r, ok, err := c.lookupType(c.Args[1], TypeHash)
	if err != nil {
		return c.fail(err)
	}
	fields := c.Args[2:]
	c.W.Array(len(fields))
	for _, f := range fields {
		if !ok {
			c.W.Null()
			continue
		}
		v, had, err := c.elemGet(r.ID, f)
		if err != nil {
			return err
		}
		if had {
			c.W.Bulk(v)
		} else {
			c.W.Null()
		}
	}
	return nil
}

// cmdHdel deletes fields of a hash, and the hash when it empties.
// HDEL key field [field ...]
// https://redis.io/commands/hdel
func cmdHdel(c *Ctx) error {
	key := c.Args[1]
	r, ok, err := c.lookupType(key, TypeHash)
	if err != nil {
		return c.fail(err)
	}
	if !ok {
		c.W.Int(0)
		return nil
	}
	prev := r
	var n int64
	for _, f := range c.Args[2:] {
		_, had, err := c.elemGet(r.ID, f)
		if err != nil {
			return err
		}
		if !had {
			continue
		}
		if err := c.elemDelete(r.ID, f); err != nil {
			return err
		}
		r.Count--
		n++
	}
	if n > 0 {
		c.notify(notifyHash, "hdel", key)
		if _, err := c.saveCollection(key, &r, &prev); err != nil {
			return err
		}
	}
	c.W.Int(n)
	return nil
}

// cmdHexists reports whether a field exists in a hash.
// HEXISTS key field
// https://redis.io/commands/hexists
func cmdHexists(c *Ctx) error {
	r, ok, err := c.lookupType(c.Args[1], TypeHash)
	if err != nil {
		return c.fail(err)
	}
	if ok {
		_, ok, err = c.elemGet(r.ID, c.Args[2])
		if err != nil {
			return err
		}
	}
	c.W.Int(b2i(ok))
	return nil
}

// cmdHlen returns the number of fields of a hash.
// HLEN key
// https://redis.io/commands/hlen
func cmdHlen(c *Ctx) error {
	r, _, err := c.lookupType(c.Args[1], TypeHash)
	if err != nil {
		return c.fail(err)
	}
	c.W.Int(r.Count)
	return nil
}

// cmdHstrlen returns the length of a field's value.
// HSTRLEN key field
// https://redis.io/commands/hstrlen
func cmdHstrlen(c *Ctx) error {
	r, ok, err := c.lookupType(c.Args[1], TypeHash)
	if err != nil {
		return c.fail(err)
	}
	var v []byte
	if ok {
		v, _, err = c.elemGet(r.ID, c.Args[2])
		if err != nil {
			return err
		}
	}
	c.W.Int(int64(len(v)))
	return nil
}

// cmdHgetall returns the fields and values of a hash.
// HGETALL key
// https://redis.io/commands/hgetall
func cmdHgetall(c *Ctx) error { return hashDump(c, true, true) }

// cmdHkeys returns the fields of a hash.
// HKEYS key
// https://redis.io/commands/hkeys
func cmdHkeys(c *Ctx) error { return hashDump(c, true, false) }

// cmdHvals returns the values of a hash.
// HVALS key
// https://redis.io/commands/hvals
func cmdHvals(c *Ctx) error { return hashDump(c, false, true) }

func hashDump(c *Ctx, fields, values bool) error {
	r, ok, err := c.lookupType(c.Args[1], TypeHash)
	if err != nil {
		return c.fail(err)
	}
	if !ok {
		r.Count = 0
	}
	if fields && values {
		c.W.Map(int(r.Count))
	} else {
		c.W.Array(int(r.Count))
	}
	if !ok {
		return nil
	}
	return c.scanElems(r.ID, nil, nil, false, func(f, v []byte) bool {
		if fields {
			c.W.Bulk(f)
		}
		if values {
			c.W.Bulk(v)
		}
		return true
	})
}

// cmdHincrby adds an integer to a field's value.
// HINCRBY key field increment
// https://redis.io/commands/hincrby
func cmdHincrby(c *Ctx) error {
	key, field := c.Args[1], c.Args[2]
	incr, ok := parseLongLong(c.Args[3])
	if !ok {
		c.W.Error(msgNotInt)
		return nil
	}
	r, exists, err := c.openHash(key)
	if err != nil {
		return c.fail(err)
	}
	var cur int64
	had := false
	if exists {
		var v []byte
		v, had, err = c.elemGet(r.ID, field)
		if err != nil {
			return err
		}
		if had {
			if cur, ok = parseLongLong(v); !ok {
				c.W.Error(msgHashNotInt)
				return nil
			}
		}
	}
	if incr < 0 && cur < 0 && incr < -1<<63-cur || incr > 0 && cur > 0 && incr > 1<<63-1-cur {
		c.W.Error(msgOverflow)
		return nil
	}
	cur += incr
	prev := r
	if err := c.hashPut(&r, field, strconv.AppendInt(nil, cur, 10), had); err != nil {
		return err
	}
	if _, err := c.saveHash(key, &r, prev, exists); err != nil {
		return err
	}
	c.W.Int(cur)
	c.notify(notifyHash, "hincrby", key)
	return nil
}

// cmdHincrbyfloat adds a float to a field's value.
// HINCRBYFLOAT key field increment
// https://redis.io/commands/hincrbyfloat
func cmdHincrbyfloat(c *Ctx) error {
	key, field := c.Args[1], c.Args[2]
	incr, ok := parseLongDouble(c.Args[3])
	if !ok {
		c.W.Error(msgNotFloat)
		return nil
	}
	if incr.IsInf() {
		c.W.Error(msgNaNOrInf)
		return nil
	}
	r, exists, err := c.openHash(key)
	if err != nil {
		return c.fail(err)
	}
	cur, _ := parseLongDouble([]byte("0"))
	had := false
	if exists {
		var v []byte
		v, had, err = c.elemGet(r.ID, field)
		if err != nil {
			return err
		}
		if had {
			if cur, ok = parseLongDouble(v); !ok {
				c.W.Error(msgHashNotFloat)
				return nil
			}
		}
	}
	sum, ok := addLongDoubles(cur, incr)
	if !ok {
		c.W.Error(msgIncrFloatNaN)
		return nil
	}
	prev := r
	if err := c.hashPut(&r, field, []byte(sum), had); err != nil {
		return err
	}
	if _, err := c.saveHash(key, &r, prev, exists); err != nil {
		return err
	}
	c.W.BulkString(sum)
	c.notify(notifyHash, "hincrbyfloat", key)
	return nil
}

// cmdHrandfield returns random fields of a hash.
// HRANDFIELD key [count [WITHVALUES]]
// https://redis.io/commands/hrandfield
func cmdHrandfield(c *Ctx) error {
	if len(c.Args) == 2 {
		r, ok, err := c.lookupType(c.Args[1], TypeHash)
		if err != nil {
			return c.fail(err)
		}
		if !ok {
			c.W.Null()
			return nil
		}
		subs, err := c.randomSubs(r.ID, r.Count, 1, true)
		if err != nil {
			return err
		}
		if len(subs) == 0 {
			c.W.Null()
			return nil
		}
		c.W.Bulk(subs[0])
		return nil
	}
	n, ok := parseLongLong(c.Args[2])
	if !ok {
		c.W.Error(msgNotInt)
		return nil
	}
	if n == -1<<63 {
		c.W.Error(msgOutOfRangeLong)
		return nil
	}
	withValues := false
	if len(c.Args) > 4 || len(c.Args) == 4 && !strings.EqualFold(string(c.Args[3]), "withvalues") {
		c.W.Error(msgSyntax)
		return nil
	} else if len(c.Args) == 4 {
		withValues = true
		if n < -(1<<63-1)/2 || n > (1<<63-1)/2 {
			c.W.Error(msgCountOutOfRange)
			return nil
		}
	}
	r, ok, err := c.lookupType(c.Args[1], TypeHash)
	if err != nil {
		return c.fail(err)
	}
	if !ok || n == 0 {
		c.W.Array(0)
		return nil
	}
	distinct := n > 0
	if !distinct {
		n = -n
	}
	if distinct && n > r.Count {
		n = r.Count
	}
	if n > maxRandomReply {
		c.W.Error(msgCountOutOfRange)
		return nil
	}
	subs, err := c.randomSubs(r.ID, r.Count, int(n), distinct)
	if err != nil {
		return err
	}
	if withValues && c.W.Proto == 2 {
		c.W.Array(2 * len(subs))
	} else {
		c.W.Array(len(subs))
	}
	for _, f := range subs {
		if !withValues {
			c.W.Bulk(f)
			continue
		}
		v, _, err := c.elemGet(r.ID, f)
		if err != nil {
			return err
		}
		if c.W.Proto == 3 {
			c.W.Array(2)
		}
		c.W.Bulk(f)
		c.W.Bulk(v)
	}
	return nil
}

// cmdHscan iterates the fields and values of a hash.
// HSCAN key cursor [MATCH pattern] [COUNT count]
// https://redis.io/commands/hscan
func cmdHscan(c *Ctx) error {
	return scanGeneric(c, TypeHash, func(r Record) (bool, error) {
		return r.Count <= hashListpackEntries, nil
	}, true)
}

// scanGeneric is HSCAN, SSCAN (and ZSCAN): it replies [cursor, elements],
// with each element's page after it when withPages. A collection for
// which whole reports true is returned in one step, as Redis does for its
// small encodings.
func scanGeneric(c *Ctx, typ byte, whole func(Record) (bool, error), withPages bool) error {
	cur, ok := c.parseCursor(c.Args[2])
	if !ok {
		return nil
	}
	r, ok, err := c.lookupType(c.Args[1], typ)
	if err != nil {
		return c.fail(err)
	}
	if !ok {
		c.emptyScan()
		return nil
	}
	o, ok := c.parseScanOptions(3, false)
	if !ok {
		return nil
	}
	all, err := whole(r)
	if err != nil {
		return err
	}
	if all {
		cur = 0
	}
	var out [][]byte
	next, err := c.scanCollection(r.ID, cur, &o, all, func(sub, page []byte) {
		out = append(out, append([]byte(nil), sub...))
		if withPages {
			out = append(out, append([]byte(nil), page...))
		}
	})
	if err != nil {
		return err
	}
	c.W.Array(2)
	c.W.Bulk(strconv.AppendUint(nil, next, 10))
	c.W.Array(len(out))
	for _, b := range out {
		c.W.Bulk(b)
	}
	return nil
}
