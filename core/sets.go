package core

import (
	"bytes"
	"sort"
	"strings"
)

// Set commands.
// https://redis.io/commands/?group=set
//
// A set is a record of TypeSet (ID, Count = number of members) and one
// element per member at elemKey(id, member) with an empty page.

func init() {
	register(map[string]Handler{
		"sadd":        cmdSadd,
		"srem":        cmdSrem,
		"smembers":    cmdSmembers,
		"sismember":   cmdSismember,
		"smismember":  cmdSmismember,
		"scard":       cmdScard,
		"spop":        cmdSpop,
		"srandmember": cmdSrandmember,
		"smove":       cmdSmove,
		"sinter":      cmdSinter,
		"sintercard":  cmdSintercard,
		"sunion":      cmdSunion,
		"sdiff":       cmdSdiff,
		"sinterstore": cmdSinterstore,
		"sunionstore": cmdSunionstore,
		"sdiffstore":  cmdSdiffstore,
		"sscan":       cmdSscan,
	})
}

// intsetMaxEntries is Redis's set-max-intset-entries default: a set of
// at most this many integers is an intset, which SSCAN returns whole.
const intsetMaxEntries = 512

// setAdd adds member to set r, reporting whether it is new.
func (c *Ctx) setAdd(r *Record, member []byte) (bool, error) {
	_, had, err := c.elemGet(r.ID, member)
	if err != nil || had {
		return false, err
	}
	r.Count++
	return true, c.elemPut(r.ID, member, nil)
}

// setRemove removes member from set r, reporting whether it was there.
func (c *Ctx) setRemove(r *Record, member []byte) (bool, error) {
	_, had, err := c.elemGet(r.ID, member)
	if err != nil || !had {
		return false, err
	}
	r.Count--
	return true, c.elemDelete(r.ID, member)
}

// isMember reports whether member is in the set r (false when !exists).
func (c *Ctx) isMember(r Record, exists bool, member []byte) (bool, error) {
	if !exists {
		return false, nil
	}
	_, had, err := c.elemGet(r.ID, member)
	return had, err
}

// cmdSadd adds members to a set.
// SADD key member [member ...]
// https://redis.io/commands/sadd
func cmdSadd(c *Ctx) error {
	key := c.Args[1]
	r, exists, err := c.lookupType(key, TypeSet)
	if err != nil {
		return c.fail(err)
	}
	if !exists {
		if r, err = c.newCollection(TypeSet); err != nil {
			return err
		}
	}
	prev := r
	var added int64
	for _, m := range c.Args[2:] {
		ok, err := c.setAdd(&r, m)
		if err != nil {
			return err
		}
		added += b2i(ok)
	}
	if added > 0 {
		pp := &prev
		if !exists {
			pp = nil
		}
		if _, err := c.saveCollection(key, &r, pp); err != nil {
			return err
		}
		c.notify(notifySet, "sadd", key)
	}
	c.W.Int(added)
	return nil
}

// cmdSrem removes members from a set, and the set when it empties.
// SREM key member [member ...]
// https://redis.io/commands/srem
func cmdSrem(c *Ctx) error {
	key := c.Args[1]
	r, exists, err := c.lookupType(key, TypeSet)
	if err != nil {
		return c.fail(err)
	}
	if !exists {
		c.W.Int(0)
		return nil
	}
	prev := r
	var removed int64
	for _, m := range c.Args[2:] {
		ok, err := c.setRemove(&r, m)
		if err != nil {
			return err
		}
		removed += b2i(ok)
	}
	if removed > 0 {
		c.notify(notifySet, "srem", key)
		if _, err := c.saveCollection(key, &r, &prev); err != nil {
			return err
		}
	}
	c.W.Int(removed)
	return nil
}

// cmdSmembers returns the members of a set.
// SMEMBERS key
// https://redis.io/commands/smembers
func cmdSmembers(c *Ctx) error {
	r, exists, err := c.lookupType(c.Args[1], TypeSet)
	if err != nil {
		return c.fail(err)
	}
	if !exists {
		c.W.Set(0)
		return nil
	}
	c.W.Set(int(r.Count))
	return c.scanElems(r.ID, nil, nil, false, func(m, _ []byte) bool {
		c.W.Bulk(m)
		return true
	})
}

// cmdSismember reports whether a member is in a set.
// SISMEMBER key member
// https://redis.io/commands/sismember
func cmdSismember(c *Ctx) error {
	r, exists, err := c.lookupType(c.Args[1], TypeSet)
	if err != nil {
		return c.fail(err)
	}
	ok, err := c.isMember(r, exists, c.Args[2])
	if err != nil {
		return err
	}
	c.W.Int(b2i(ok))
	return nil
}

// cmdSmismember reports for each member whether it is in a set.
// SMISMEMBER key member [member ...]
// https://redis.io/commands/smismember
func cmdSmismember(c *Ctx) error {
	r, exists, err := c.lookupType(c.Args[1], TypeSet)
	if err != nil {
		return c.fail(err)
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		ok, err := c.isMember(r, exists, m)
		if err != nil {
			return err
		}
		c.W.Int(b2i(ok))
	}
	return nil
}

// cmdScard returns the number of members of a set.
// SCARD key
// https://redis.io/commands/scard
func cmdScard(c *Ctx) error {
	r, _, err := c.lookupType(c.Args[1], TypeSet)
	if err != nil {
		return c.fail(err)
	}
	c.W.Int(r.Count)
	return nil
}

// cmdSpop removes and returns random members of a set.
// SPOP key [count]
// https://redis.io/commands/spop
func cmdSpop(c *Ctx) error {
	key := c.Args[1]
	withCount := len(c.Args) == 3
	var n int64 = 1
	if len(c.Args) > 3 {
		c.W.Error(msgSyntax)
		return nil
	}
	if withCount {
		var ok bool
		n, ok = parseLongLong(c.Args[2])
		if !ok || n < 0 {
			c.W.Error(msgValueOutOfRange)
			return nil
		}
	}
	r, exists, err := c.lookupType(key, TypeSet)
	if err != nil {
		return c.fail(err)
	}
	if !exists {
		if withCount {
			c.W.Set(0)
		} else {
			c.W.Null()
		}
		return nil
	}
	if n == 0 {
		c.W.Set(0)
		return nil
	}
	prev := r
	var popped [][]byte
	if n >= r.Count {
		// The whole set: reply it and delete the key.
		if popped, err = c.elemSubs(r.ID, -1); err != nil {
			return err
		}
		r.Count = 0
	} else {
		if popped, err = c.randomSubs(r.ID, r.Count, int(n), true); err != nil {
			return err
		}
		for _, m := range popped {
			if _, err := c.setRemove(&r, m); err != nil {
				return err
			}
		}
	}
	// Redis: the spop event, the reply, then the del event.
	c.notify(notifySet, "spop", key)
	if !withCount {
		if len(popped) == 0 {
			c.W.Null()
		} else {
			c.W.Bulk(popped[0])
		}
	} else {
		c.W.Set(len(popped))
		for _, m := range popped {
			c.W.Bulk(m)
		}
	}
	_, err = c.saveCollection(key, &r, &prev)
	return err
}

// cmdSrandmember returns random members of a set: count distinct ones, or
// with a negative count, -count possibly repeated ones.
// SRANDMEMBER key [count]
// https://redis.io/commands/srandmember
func cmdSrandmember(c *Ctx) error {
	if len(c.Args) > 3 {
		c.W.Error(msgSyntax)
		return nil
	}
	if len(c.Args) == 2 {
		r, exists, err := c.lookupType(c.Args[1], TypeSet)
		if err != nil {
			return c.fail(err)
		}
		if !exists {
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
	r, exists, err := c.lookupType(c.Args[1], TypeSet)
	if err != nil {
		return c.fail(err)
	}
	if !exists || n == 0 {
		c.W.Array(0)
		return nil
	}
	distinct := n > 0
	if !distinct {
		n = -n
	} else if n > r.Count {
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
	c.W.Array(len(subs))
	for _, m := range subs {
		c.W.Bulk(m)
	}
	return nil
}

// cmdSmove moves a member from one set to another.
// SMOVE source destination member
// https://redis.io/commands/smove
func cmdSmove(c *Ctx) error {
	srcKey, dstKey, member := c.Args[1], c.Args[2], c.Args[3]
	src, srcOK, err := c.lookup(srcKey)
	if err != nil {
		return err
	}
	dst, dstOK, err := c.lookup(dstKey)
	if err != nil {
		return err
	}
	if !srcOK {
		c.W.Int(0)
		return nil
	}
	if src.Type != TypeSet || dstOK && dst.Type != TypeSet {
		c.W.Error(msgWrongType)
		return nil
	}
	if bytes.Equal(srcKey, dstKey) {
		ok, err := c.isMember(src, true, member)
		if err != nil {
			return err
		}
		c.W.Int(b2i(ok))
		return nil
	}
	prevSrc := src
	ok, err := c.setRemove(&src, member)
	if err != nil {
		return err
	}
	if !ok {
		c.W.Int(0)
		return nil
	}
	c.notify(notifySet, "srem", srcKey)
	if _, err := c.saveCollection(srcKey, &src, &prevSrc); err != nil {
		return err
	}
	prevDst := &dst
	if !dstOK {
		if dst, err = c.newCollection(TypeSet); err != nil {
			return err
		}
		prevDst = nil
	} else {
		pd := dst
		prevDst = &pd
	}
	added, err := c.setAdd(&dst, member)
	if err != nil {
		return err
	}
	if added {
		if _, err := c.saveCollection(dstKey, &dst, prevDst); err != nil {
			return err
		}
		c.notify(notifySet, "sadd", dstKey)
	}
	c.W.Int(1)
	return nil
}

// Set algebra.

const (
	opInter = iota
	opUnion
	opDiff
)

// setOperands looks up keys as sets; a missing key is an empty set
// (exists false). Any key of another type makes it reply WRONGTYPE and
// return ok false.
func (c *Ctx) setOperands(keys [][]byte) (sets []Record, exists []bool, ok bool, err error) {
	sets = make([]Record, len(keys))
	exists = make([]bool, len(keys))
	for i, k := range keys {
		r, e, err := c.lookupType(k, TypeSet)
		if err == errWrongType {
			c.W.Error(msgWrongType)
			return nil, nil, false, nil
		}
		if err != nil {
			return nil, nil, false, err
		}
		sets[i], exists[i] = r, e
	}
	return sets, exists, true, nil
}

// setAlgebra computes op over keys, calling emit for each member of the
// result (limit > 0 stops after that many). Members are emitted in order
// for unions and differences, in the smallest set's order for
// intersections.
func (c *Ctx) setAlgebra(op int, sets []Record, exists []bool, limit int64, emit func(m []byte) bool) error {
	switch op {
	case opInter:
		for _, e := range exists {
			if !e {
				return nil
			}
		}
		order := make([]int, len(sets))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return sets[order[a]].Count < sets[order[b]].Count })
		small := sets[order[0]]
		var ferr error
		var n int64
		err := c.scanElems(small.ID, nil, nil, false, func(m, _ []byte) bool {
			for _, i := range order[1:] {
				if sets[i].ID == small.ID {
					continue
				}
				_, had, err := c.elemGet(sets[i].ID, m)
				if err != nil {
					ferr = err
					return false
				}
				if !had {
					return true
				}
			}
			n++
			return emit(m) && (limit <= 0 || n < limit)
		})
		if err != nil {
			return err
		}
		return ferr
	case opUnion:
		seen := map[string]bool{}
		var all []string
		for i, r := range sets {
			if !exists[i] {
				continue
			}
			err := c.scanElems(r.ID, nil, nil, false, func(m, _ []byte) bool {
				if !seen[string(m)] {
					seen[string(m)] = true
					all = append(all, string(m))
				}
				return true
			})
			if err != nil {
				return err
			}
		}
		sort.Strings(all)
		for _, m := range all {
			if !emit([]byte(m)) {
				break
			}
		}
		return nil
	default: // opDiff
		if !exists[0] {
			return nil
		}
		var ferr error
		err := c.scanElems(sets[0].ID, nil, nil, false, func(m, _ []byte) bool {
			for i, r := range sets[1:] {
				if !exists[i+1] {
					continue
				}
				if r.ID == sets[0].ID {
					return true
				}
				_, had, err := c.elemGet(r.ID, m)
				if err != nil {
					ferr = err
					return false
				}
				if had {
					return true
				}
			}
			return emit(m)
		})
		if err != nil {
			return err
		}
		return ferr
	}
}

// cmdSinter returns the intersection of sets.
// SINTER key [key ...]
// https://redis.io/commands/sinter
func cmdSinter(c *Ctx) error { return setOpReply(c, opInter, c.Args[1:]) }

// cmdSunion returns the union of sets.
// SUNION key [key ...]
// https://redis.io/commands/sunion
func cmdSunion(c *Ctx) error { return setOpReply(c, opUnion, c.Args[1:]) }

// cmdSdiff returns the members of the first set not in the others.
// SDIFF key [key ...]
// https://redis.io/commands/sdiff
func cmdSdiff(c *Ctx) error { return setOpReply(c, opDiff, c.Args[1:]) }

func setOpReply(c *Ctx, op int, keys [][]byte) error {
	sets, exists, ok, err := c.setOperands(keys)
	if !ok {
		return err
	}
	var out [][]byte
	err = c.setAlgebra(op, sets, exists, 0, func(m []byte) bool {
		out = append(out, append([]byte(nil), m...))
		return true
	})
	if err != nil {
		return err
	}
	c.W.Set(len(out))
	for _, m := range out {
		c.W.Bulk(m)
	}
	return nil
}

// cmdSintercard returns the size of the intersection of sets, stopping
// at LIMIT.
// SINTERCARD numkeys key [key ...] [LIMIT limit]
// https://redis.io/commands/sintercard
func cmdSintercard(c *Ctx) error {
	numkeys, ok := parseLongLong(c.Args[1])
	if !ok || numkeys < 1 {
		c.W.Error(msgNumKeys)
		return nil
	}
	if numkeys > int64(len(c.Args)-2) {
		c.W.Error(msgNumKeysMismatch)
		return nil
	}
	var limit int64
	for j := 2 + int(numkeys); j < len(c.Args); j++ {
		if strings.EqualFold(string(c.Args[j]), "limit") && j+1 < len(c.Args) {
			j++
			l, ok := parseLongLong(c.Args[j])
			if !ok || l < 0 {
				c.W.Error(msgLimitNegative)
				return nil
			}
			limit = l
		} else {
			c.W.Error(msgSyntax)
			return nil
		}
	}
	sets, exists, ok, err := c.setOperands(c.Args[2 : 2+numkeys])
	if !ok {
		return err
	}
	var n int64
	err = c.setAlgebra(opInter, sets, exists, limit, func([]byte) bool {
		n++
		return true
	})
	if err != nil {
		return err
	}
	c.W.Int(n)
	return nil
}

// cmdSinterstore stores the intersection of sets in a key.
// SINTERSTORE destination key [key ...]
// https://redis.io/commands/sinterstore
func cmdSinterstore(c *Ctx) error { return setOpStore(c, opInter, "sinterstore") }

// cmdSunionstore stores the union of sets in a key.
// SUNIONSTORE destination key [key ...]
// https://redis.io/commands/sunionstore
func cmdSunionstore(c *Ctx) error { return setOpStore(c, opUnion, "sunionstore") }

// cmdSdiffstore stores the difference of sets in a key.
// SDIFFSTORE destination key [key ...]
// https://redis.io/commands/sdiffstore
func cmdSdiffstore(c *Ctx) error { return setOpStore(c, opDiff, "sdiffstore") }

// setOpStore computes op and replaces the destination, whatever its type
// (and TTL), with the result; an empty result deletes it.
func setOpStore(c *Ctx, op int, event string) error {
	dstKey := c.Args[1]
	sets, exists, ok, err := c.setOperands(c.Args[2:])
	if !ok {
		return err
	}
	var out [][]byte
	err = c.setAlgebra(op, sets, exists, 0, func(m []byte) bool {
		out = append(out, append([]byte(nil), m...))
		return true
	})
	if err != nil {
		return err
	}
	old, had, err := c.lookup(dstKey)
	if err != nil {
		return err
	}
	if had {
		if err := c.deleteKey(dstKey, old); err != nil {
			return err
		}
	}
	if len(out) == 0 {
		c.W.Int(0) // Redis replies before the event
		if had {
			c.notify(notifyGeneric, "del", dstKey)
		}
		return nil
	}
	r, err := c.newCollection(TypeSet)
	if err != nil {
		return err
	}
	for _, m := range out {
		if err := c.elemPut(r.ID, m, nil); err != nil {
			return err
		}
	}
	r.Count = int64(len(out))
	if err := c.put(dstKey, &r, nil); err != nil {
		return err
	}
	c.W.Int(r.Count)
	c.notify(notifySet, event, dstKey)
	return nil
}

// cmdSscan iterates the members of a set.
// SSCAN key cursor [MATCH pattern] [COUNT count]
// https://redis.io/commands/sscan
func cmdSscan(c *Ctx) error {
	return scanGeneric(c, TypeSet, func(r Record) (bool, error) {
		if r.Count > intsetMaxEntries {
			return false, nil
		}
		ints := true
		err := c.scanElems(r.ID, nil, nil, false, func(m, _ []byte) bool {
			_, ints = parseLongLong(m)
			return ints
		})
		return ints, err
	}, false)
}
