package core

// Ranks in a large sorted set without walking to them.
//
// The score index ('e' id 's' ...) is ordered but not counted, so a rank
// (ZRANK, ZRANGE by index, ZCOUNT, ZREMRANGEBYRANK) was found by counting
// entries from the start: O(rank). A set of zChunkBuild members or more
// also keeps chunk records that cut its index into runs of consecutive
// entries and count them:
//
//	'e' id(8) 'r' bound  -> count: uint64, big-endian
//
// A chunk holds the index entries whose suffix (sortable score and member,
// the bytes after 's') is at least its bound and below the next chunk's;
// the first chunk's bound is empty. zPut and zDel keep the count of the
// chunk an entry falls in, split a chunk that grows past zChunkMax at its
// middle entry and join one that shrinks below zChunkMin to the chunk
// before it, so a chunk holds at most about zChunkMax entries and there
// are at most about n/zChunkMin chunks. A rank is then the sum of the
// counts before the entry's chunk plus a count inside it: at most about
// n/zChunkMin + zChunkMax entries read, where the scan read up to n. The
// chunks are large because a split reads half of one, a range scan that
// is dear on a SQLite file: runs of 512-4,096 rather than 128-1,024 took
// redis-benchmark's zadd on a file from 38 to 34 us of CPU per request.

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sort"
)

const (
	zsRank    = 'r' // 'e' id 'r' bound -> the chunk's count
	zsRankGen = 'q' // 'e' id 'q' -> the chunks' generation; present while the set has chunks
)

// The chunk sizes (variables, so that tests can make them small).
var (
	zChunkBuild int64 = 8192 // a set reaching this many members gets chunks
	zChunkDrop  int64 = 2048 // a set falling below this many members loses them
	zChunkMax   int64 = 4096 // a chunk growing past this splits
	zChunkMin   int64 = 512  // a chunk (not the first) shrinking below this joins the previous one
)

// zSeen notes zset record r as the command reads it: a set below
// zChunkDrop members keeps no chunks (putDB, zResize), so its zPut and
// zDel need not look for them.
func (c *Ctx) zSeen(r *Record) {
	if r.Count < zChunkDrop && !(c.zck.known && c.zck.id == r.ID) {
		c.zck.id, c.zck.known, c.zck.on = r.ID, true, false
	}
}

// zChunkKey appends the key of zset id's chunk starting at bound to buf.
func zChunkKey(buf []byte, id uint64, bound []byte) []byte {
	buf = elemKey(buf, id, nil)
	buf = append(buf, zsRank)
	return append(buf, bound...)
}

// zGenKey is the key of zset id's chunk generation.
func zGenKey(buf []byte, id uint64) []byte {
	return append(elemKey(buf, id, nil), zsRankGen)
}

// zIndexSuffix is an index entry's suffix: what follows 'e' id 's'.
func zIndexSuffix(buf []byte, score float64, member []byte) []byte {
	return append(appendSortable(buf, score), member...)
}

// zChunked reports whether zset id keeps chunks, and their generation (a
// random number, new at every change of the bounds); the answer is
// remembered for the rest of the command.
func (c *Ctx) zChunked(id uint64) (bool, error) {
	if c.zck.id == id && c.zck.known {
		return c.zck.on, nil
	}
	tx, err := c.Tx()
	if err != nil {
		return false, err
	}
	c.ckey = zGenKey(c.ckey[:0], id)
	v, ok, err := tx.Get(c.ckey)
	if err != nil {
		return false, err
	}
	c.zck.id, c.zck.known, c.zck.on, c.zck.gen = id, true, ok, 0
	if ok && len(v) == 8 {
		c.zck.gen = binary.BigEndian.Uint64(v)
	}
	return ok, nil
}

// getCount decodes a chunk's count.
func getCount(v []byte) int64 {
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// zBounds are a chunked set's bounds as of generation gen, kept by the
// engine so that a write finds its chunk without a range scan (a scan
// costs a SQLite query). The generation in the store tells whether they
// are still the set's: another process's write, a rolled-back command or
// a lost group commit leave another one there.
type zBounds struct {
	gen    uint64
	bounds [][]byte
}

// zBoundsOf returns zset id's bounds (chunked, its generation known),
// reading them again when the store's generation differs.
func (c *Ctx) zBoundsOf(id uint64) (*zBounds, error) {
	if b := c.E.zbounds[id]; b != nil && b.gen == c.zck.gen {
		return b, nil
	}
	tx, err := c.Tx()
	if err != nil {
		return nil, err
	}
	b := &zBounds{gen: c.zck.gen}
	p := zChunkKey(nil, id, nil)
	if err := tx.Scan(p, prefixEnd(p), false, func(k, _ []byte) bool {
		b.bounds = append(b.bounds, append([]byte{}, k[len(p):]...))
		return true
	}); err != nil {
		return nil, err
	}
	if len(b.bounds) == 0 || len(b.bounds[0]) != 0 {
		return nil, corruptError{[]byte("sorted set rank chunks")}
	}
	if c.E.zbounds == nil || len(c.E.zbounds) >= 64 {
		c.E.zbounds = map[uint64]*zBounds{}
	}
	c.E.zbounds[id] = b
	return b, nil
}

// zChunkAt returns the bound and count of the chunk of zset id (chunked)
// that holds suffix pos.
func (c *Ctx) zChunkAt(id uint64, pos []byte) (bound []byte, n int64, err error) {
	b, err := c.zBoundsOf(id)
	if err != nil {
		return nil, 0, err
	}
	i := sort.Search(len(b.bounds), func(i int) bool { return bytes.Compare(b.bounds[i], pos) > 0 }) - 1
	bound = b.bounds[i] // i >= 0: the first bound is empty
	tx, err := c.Tx()
	if err != nil {
		return nil, 0, err
	}
	c.ckey = zChunkKey(c.ckey[:0], id, bound)
	v, ok, err := tx.Get(c.ckey)
	if err == nil && !ok {
		err = corruptError{[]byte("sorted set rank chunks")}
	}
	return bound, getCount(v), err
}

// zSetBounds records a change of zset id's bounds: bound added (or, with
// drop, removed). It gives the chunks a new generation and keeps the
// engine's bounds in step.
func (c *Ctx) zSetBounds(id uint64, bound []byte, drop bool) error {
	b, err := c.zBoundsOf(id)
	if err != nil {
		return err
	}
	i := sort.Search(len(b.bounds), func(i int) bool { return bytes.Compare(b.bounds[i], bound) >= 0 })
	if drop {
		b.bounds = slices.Delete(b.bounds, i, i+1)
	} else {
		b.bounds = slices.Insert(b.bounds, i, bound)
	}
	b.gen = c.E.rng.Uint64()
	return c.zPutGen(id, b.gen)
}

// zPutGen stores gen as zset id's chunk generation.
func (c *Ctx) zPutGen(id uint64, gen uint64) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	c.zck.gen = gen
	c.ckey = zGenKey(c.ckey[:0], id)
	k := len(c.ckey)
	c.ckey = binary.BigEndian.AppendUint64(c.ckey, gen)
	return tx.Put(c.ckey[:k], c.ckey[k:])
}

// zChunkAdd counts delta more entries in the chunk of zset id holding pos
// (called after the index entry at pos was written or deleted), splitting
// or joining it.
func (c *Ctx) zChunkAdd(id uint64, pos []byte, delta int64) error {
	bound, n, err := c.zChunkAt(id, pos)
	if err != nil {
		return err
	}
	return c.zChunkSet(id, bound, n+delta)
}

// zChunkSet stores n as the count of the chunk at bound, splitting or
// joining it when n is out of bounds.
func (c *Ctx) zChunkSet(id uint64, bound []byte, n int64) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	switch {
	case n > zChunkMax:
		// Split at the middle entry: the chunk's entries are the first n
		// from bound.
		var mid []byte
		skip := n / 2
		err := c.zScan(id, bound, nil, false, func(m []byte, s float64) bool {
			if skip > 0 {
				skip--
				return true
			}
			mid = zIndexSuffix(nil, s, m)
			return false
		})
		if err != nil {
			return err
		}
		if mid == nil {
			return corruptError{[]byte("sorted set rank chunks")}
		}
		if err := c.zChunkPut(id, bound, n/2); err != nil {
			return err
		}
		if err := c.zChunkPut(id, mid, n-n/2); err != nil {
			return err
		}
		return c.zSetBounds(id, mid, false)
	case n < zChunkMin && len(bound) > 0:
		// Join the previous chunk (which may then split).
		b, err := c.zBoundsOf(id)
		if err != nil {
			return err
		}
		i := sort.Search(len(b.bounds), func(i int) bool { return bytes.Compare(b.bounds[i], bound) >= 0 })
		if i == 0 || i == len(b.bounds) || !bytes.Equal(b.bounds[i], bound) {
			return corruptError{[]byte("sorted set rank chunks")}
		}
		prev := b.bounds[i-1]
		c.ckey = zChunkKey(c.ckey[:0], id, prev)
		v, ok, err := tx.Get(c.ckey)
		if err != nil {
			return err
		}
		if !ok {
			return corruptError{[]byte("sorted set rank chunks")}
		}
		pn := getCount(v)
		if err := tx.Delete(zChunkKey(nil, id, bound)); err != nil {
			return err
		}
		if err := c.zSetBounds(id, bound, true); err != nil {
			return err
		}
		return c.zChunkSet(id, prev, pn+n)
	}
	return c.zChunkPut(id, bound, n)
}

// zChunkPut writes the count of the chunk at bound.
func (c *Ctx) zChunkPut(id uint64, bound []byte, n int64) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	c.ckey = zChunkKey(c.ckey[:0], id, bound)
	k := len(c.ckey)
	c.ckey = binary.BigEndian.AppendUint64(c.ckey, uint64(n))
	return tx.Put(c.ckey[:k], c.ckey[k:])
}

// zResize gives zset r its chunks when it reached zChunkBuild members
// and has none (one pass over its index), and drops them when it fell
// below zChunkDrop from prev (nil: r is not an update of the same set).
func (c *Ctx) zResize(r, prev *Record) error {
	id := r.ID
	if r.Count < zChunkDrop && prev != nil && prev.ID == id && prev.Count >= zChunkDrop {
		return c.zDropChunks(id)
	}
	if r.Count < zChunkBuild {
		return nil
	}
	if on, err := c.zChunked(id); on || err != nil {
		return err
	}
	size := (zChunkMax + zChunkMin) / 2
	var bounds [][]byte
	var counts []int64
	err := c.zScan(id, nil, nil, false, func(m []byte, s float64) bool {
		if len(counts) == 0 || counts[len(counts)-1] == size {
			b := []byte{}
			if len(counts) > 0 {
				b = zIndexSuffix(nil, s, m)
			}
			bounds, counts = append(bounds, b), append(counts, 0)
		}
		counts[len(counts)-1]++
		return true
	})
	if err != nil {
		return err
	}
	if len(counts) == 0 {
		bounds, counts = [][]byte{{}}, []int64{0}
	}
	if k := len(counts); k > 1 && counts[k-1] < zChunkMin {
		// A short last chunk joins the one before (size+zChunkMin stays
		// within zChunkMax).
		counts[k-2] += counts[k-1]
		bounds, counts = bounds[:k-1], counts[:k-1]
	}
	for i, b := range bounds {
		if err := c.zChunkPut(id, b, counts[i]); err != nil {
			return err
		}
	}
	c.zck.id, c.zck.known, c.zck.on = id, true, true
	delete(c.E.zbounds, id)
	return c.zPutGen(id, c.E.rng.Uint64())
}

// zRankOf returns the number of entries of zset id whose index suffix is
// below pos.
func (c *Ctx) zRankOf(id uint64, pos []byte) (int64, error) {
	var n int64
	count := func([]byte, float64) bool { n++; return true }
	on, err := c.zChunked(id)
	if err != nil {
		return 0, err
	}
	if !on {
		err := c.zScan(id, nil, pos, false, count)
		return n, err
	}
	bound, _, err := c.zChunkAt(id, pos)
	if err != nil {
		return 0, err
	}
	tx, err := c.Tx()
	if err != nil {
		return 0, err
	}
	if err := tx.Scan(zChunkKey(nil, id, nil), zChunkKey(nil, id, bound), false, func(_, v []byte) bool {
		n += getCount(v)
		return true
	}); err != nil {
		return 0, err
	}
	err = c.zScan(id, bound, pos, false, count)
	return n, err
}

// zAtRank returns the index suffix of zset id's entry of rank q (0-based,
// in order; q below the set's size), or nil when the set keeps no chunks.
func (c *Ctx) zAtRank(id uint64, q int64) ([]byte, error) {
	on, err := c.zChunked(id)
	if err != nil || !on {
		return nil, err
	}
	tx, err := c.Tx()
	if err != nil {
		return nil, err
	}
	p := zChunkKey(nil, id, nil)
	var bound []byte
	var acc int64
	found := false
	if err := tx.Scan(p, prefixEnd(p), false, func(k, v []byte) bool {
		n := getCount(v)
		if acc+n > q {
			bound, found = append([]byte{}, k[len(p):]...), true
			return false
		}
		acc += n
		return true
	}); err != nil {
		return nil, err
	}
	if !found {
		return nil, corruptError{[]byte("sorted set rank chunks")}
	}
	var at []byte
	skip := q - acc
	err = c.zScan(id, bound, nil, false, func(m []byte, s float64) bool {
		if skip > 0 {
			skip--
			return true
		}
		at = zIndexSuffix(nil, s, m)
		return false
	})
	if err == nil && at == nil {
		err = corruptError{[]byte("sorted set rank chunks")}
	}
	return at, err
}

// zRankEntries returns the entries of ranks [s, e] of zset id (n members;
// 0 <= s <= e < n), in order or reversed (ranks counted from the end).
func (c *Ctx) zRankEntries(id uint64, s, e, n int64, reverse bool) ([]zEntry, error) {
	var es []zEntry
	q := s
	if reverse {
		q = n - 1 - s
	}
	at, err := c.zAtRank(id, q)
	if err != nil {
		return nil, err
	}
	if at == nil { // no chunks: count from the edge
		err := c.zScan(id, nil, nil, reverse, zCollect(&es, s, e-s+1))
		return es, err
	}
	if reverse {
		err = c.zScan(id, nil, append(at, 0), true, zCollect(&es, 0, e-s+1))
	} else {
		err = c.zScan(id, at, nil, false, zCollect(&es, 0, e-s+1))
	}
	return es, err
}

// zCountScore counts the members of zset id in score range r.
func (c *Ctx) zCountScore(id uint64, r *zScoreRange) (int64, error) {
	var n int64
	on, err := c.zChunked(id)
	if err != nil {
		return 0, err
	}
	if !on {
		err := c.zScanScore(id, r, false, func([]byte, float64) bool { n++; return true })
		return n, err
	}
	// The range's entries lie between two index positions: the first
	// entry at or above min (above, when exclusive) and the first above
	// max (at or above, when exclusive).
	lo, hi := appendSortable(nil, r.min), appendSortable(nil, r.max)
	if r.minex {
		lo = prefixEnd(lo)
	}
	if !r.maxex {
		hi = prefixEnd(hi)
	}
	below, err := c.zRankOf(id, lo)
	if err != nil {
		return 0, err
	}
	upTo, err := c.zRankOf(id, hi)
	return max(upTo-below, 0), err
}

// zDropChunks deletes zset id's chunks.
func (c *Ctx) zDropChunks(id uint64) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	p := zChunkKey(nil, id, nil)
	var keys [][]byte
	if err := tx.Scan(p, prefixEnd(p), false, func(k, _ []byte) bool {
		keys = append(keys, append([]byte{}, k...))
		return true
	}); err != nil {
		return err
	}
	keys = append(keys, zGenKey(nil, id))
	for _, k := range keys {
		if err := tx.Delete(k); err != nil {
			return err
		}
	}
	c.zck.id, c.zck.known, c.zck.on, c.zck.gen = id, true, false, 0
	delete(c.E.zbounds, id)
	return nil
}
