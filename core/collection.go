package core

import (
	"bytes"
	"encoding/binary"
)

// Helpers shared by the collection types (hashes, sets, sorted sets,
// lists): element access under 'e' id(8) sub, ordered element scans,
// writing back or deleting an emptied collection's record, SCAN-family
// cursors, and random element picks.

// elemGet returns the page of collection id's element sub. The slice is
// valid until the next write.
func (c *Ctx) elemGet(id uint64, sub []byte) ([]byte, bool, error) {
	tx, err := c.Tx()
	if err != nil {
		return nil, false, err
	}
	c.ekey = elemKey(c.ekey, id, sub)
	return tx.Get(c.ekey)
}

// elemPut writes collection id's element sub.
func (c *Ctx) elemPut(id uint64, sub, page []byte) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	c.ekey = elemKey(c.ekey, id, sub)
	return tx.Put(c.ekey, page)
}

// elemDelete removes collection id's element sub.
func (c *Ctx) elemDelete(id uint64, sub []byte) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	c.ekey = elemKey(c.ekey, id, sub)
	return tx.Delete(c.ekey)
}

// bulkWriter returns a scan callback that replies each page as a bulk
// string, made once per Ctx (they are reused) so a scan allocates none.
func (c *Ctx) bulkWriter() func(k, v []byte) bool {
	if c.writeBulk == nil {
		c.writeBulk = func(_, v []byte) bool {
			c.W.Bulk(v)
			return true
		}
	}
	return c.writeBulk
}

// scanBuf returns scratch with room for n bytes, for the bounds of a scan
// (which the store reads while the scan runs), or a fresh slice when
// another scan of the command is running.
func (c *Ctx) scanBuf(n int) []byte {
	if c.scanning > 0 {
		return make([]byte, 0, n)
	}
	if cap(c.skey) < n {
		c.skey = make([]byte, 0, max(n, 64))
	}
	return c.skey[:0]
}

// scanElems calls fn for collection id's elements whose sub is in
// [from, to) (to nil: no upper bound), in sub order or reversed, until fn
// returns false. The slices passed to fn are valid during the call only;
// fn must not write.
func (c *Ctx) scanElems(id uint64, from, to []byte, reverse bool, fn func(sub, page []byte) bool) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	p := elemPrefix(id)
	start := append(append(make([]byte, 0, len(p)+len(from)), p...), from...)
	var end []byte
	if to != nil {
		end = append(append(make([]byte, 0, len(p)+len(to)), p...), to...)
	} else {
		end = prefixEnd(p)
	}
	return tx.Scan(start, end, reverse, func(k, page []byte) bool {
		return fn(k[len(p):], page)
	})
}

// elemSubs returns copies of up to max of collection id's subs in order
// (max < 0: all of them).
func (c *Ctx) elemSubs(id uint64, max int) ([][]byte, error) {
	var out [][]byte
	err := c.scanElems(id, nil, nil, false, func(sub, _ []byte) bool {
		if max >= 0 && len(out) >= max {
			return false
		}
		out = append(out, append([]byte(nil), sub...))
		return true
	})
	return out, err
}

// saveCollection writes back collection key's record after its elements
// changed: when the count dropped to zero the key is deleted, as Redis
// deletes an emptied collection (firing "del"). prev is the record as read
// (nil for a new key). It reports whether the key was deleted.
func (c *Ctx) saveCollection(key []byte, r *Record, prev *Record) (deleted bool, err error) {
	if r.Count <= 0 {
		if prev == nil {
			return true, nil
		}
		if err := c.deleteKey(key, *prev); err != nil {
			return false, err
		}
		c.notify(notifyGeneric, "del", key)
		return true, nil
	}
	return false, c.put(key, r, prev)
}

// saveElements finishes a write that changed elements of the existing
// collection key but not its record (r equals prev: same count): it does
// what put does for a write (wakes blocked clients, marks WATCHers,
// invalidates tracking) without rewriting the record, saving the store a
// write. A store shared with other processes still gets the record, whose
// new stamp is how their WATCH sees the change.
func (c *Ctx) saveElements(key []byte, r, prev *Record) error {
	if c.E.hasExt || prev == nil || !sameCollectionRecord(r, prev) {
		return c.put(key, r, prev)
	}
	db := c.db()
	c.E.signalKey(db, key)
	c.E.touchWatched(db, key)
	c.E.trackingWrite(c, key)
	return nil
}

func sameCollectionRecord(a, b *Record) bool {
	return a.Type == b.Type && a.Type != TypeString && a.Stamp == b.Stamp && a.ExpireAt == b.ExpireAt &&
		a.ID == b.ID && a.Count == b.Count && a.Head == b.Head && a.Tail == b.Tail
}

// newCollection returns the record of a new, empty collection of type typ
// with a fresh id.
func (c *Ctx) newCollection(typ byte) (Record, error) {
	id, err := c.newID()
	return Record{Type: typ, ID: id}, err
}

// ---- SCAN-family cursors ----
//
// A cursor names the position of the next element to return. Subs are
// ordered, so it holds a prefix of that element's sub: the top byte is the
// length L of the prefix all subs shared when the cursor was made (capped
// at 255), the low 7 bytes the sub's next bytes after it, zero-padded.
// Resuming at those bytes (trailing zeros trimmed, so the key sorts at or
// before the element) behind the collection's current first L bytes may
// repeat elements but never skips one present for the whole scan: such an
// element had the old L-byte prefix, so the collection's present common
// prefix, if at least L long, starts with it (if shorter, the scan
// restarts). A batch only ends where the resume key moves strictly
// forward, so a scan always ends; elements that agree on L+7 bytes come
// in one batch (with "field:<n>" names, 7 digits past the prefix). Cursor
// 0 starts and ends a scan.

// scanCursor encodes and decodes cursors for one collection scan step.
type scanCursor struct {
	prefix []byte // the subs' common prefix now, at most 255 bytes
}

// encode returns the cursor that resumes at sub (which has the prefix).
func (sc scanCursor) encode(sub []byte) uint64 {
	var b [8]byte
	b[0] = byte(len(sc.prefix))
	copy(b[1:], sub[len(sc.prefix):])
	return binary.BigEndian.Uint64(b[:])
}

// start returns the sub a cursor resumes at (nil: the beginning).
func (sc scanCursor) start(cur uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], cur)
	l := int(b[0])
	if cur == 0 || l > len(sc.prefix) {
		return nil
	}
	return append(append([]byte(nil), sc.prefix[:l]...), bytes.TrimRight(b[1:], "\x00")...)
}

// resumeKey is start(encode(sub)).
func (sc scanCursor) resumeKey(sub []byte) []byte {
	rest := sub[len(sc.prefix):]
	rest = bytes.TrimRight(rest[:min(7, len(rest))], "\x00")
	return append(append([]byte(nil), sc.prefix...), rest...)
}

// scanCollection runs one step of a SCAN-family command over collection
// id from cursor cur: it calls fn for each element (in sub order) whose
// sub matches, and returns the next cursor (0 when done). all asks for
// every element in one step, as Redis does for small encodings.
func (c *Ctx) scanCollection(id uint64, cur uint64, o *scanOptions, all bool, fn func(sub, page []byte)) (uint64, error) {
	var sc scanCursor
	var from []byte
	if !all {
		var first []byte
		err := c.scanElems(id, nil, nil, false, func(sub, _ []byte) bool {
			first = append([]byte(nil), sub...)
			return false
		})
		if err == nil {
			err = c.scanElems(id, nil, nil, true, func(last, _ []byte) bool {
				n := 0
				for n < len(first) && n < len(last) && n < 255 && first[n] == last[n] {
					n++
				}
				sc.prefix = first[:n]
				return false
			})
		}
		if err != nil {
			return 0, err
		}
		from = sc.start(cur)
	}
	seen := 0
	var next uint64
	err := c.scanElems(id, from, nil, false, func(sub, page []byte) bool {
		if !all && int64(seen) >= o.count && bytes.Compare(sc.resumeKey(sub), from) > 0 {
			next = sc.encode(sub)
			return false
		}
		seen++
		if o.match == nil || globMatch(o.match, sub, false) {
			fn(sub, page)
		}
		return true
	})
	return next, err
}

// emptyScan replies a finished, empty scan: [0, []].
func (c *Ctx) emptyScan() {
	c.W.Array(2)
	c.W.BulkString("0")
	c.W.Array(0)
}

// ---- random picks ----

// maxRandomReply bounds the count of SRANDMEMBER and HRANDFIELD with
// repetitions: Redis would try to build a reply of any size and exhaust
// memory; Folio answers "value is out of range" beyond this instead.
const maxRandomReply = 1 << 26

// smallCollection is the size up to which random picks read the whole
// collection and choose exactly uniformly.
const smallCollection = 1024

// randomSubs returns n random subs of collection id, which holds count
// elements. distinct asks for n different elements (n <= count). Small
// collections are read whole; in large ones each pick is a random probe
// into the ordered range of subs, so its cost does not grow with the
// collection (the choice is then only roughly uniform; see prober).
func (c *Ctx) randomSubs(id uint64, count int64, n int, distinct bool) ([][]byte, error) {
	rng := c.E.Random()
	if n <= 0 || count <= 0 {
		return nil, nil
	}
	if count <= smallCollection || (distinct && int64(n)*3 >= count) {
		all, err := c.elemSubs(id, -1)
		if err != nil || len(all) == 0 {
			return nil, err
		}
		if distinct {
			if n >= len(all) {
				rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
				return all, nil
			}
			for i := 0; i < n; i++ { // partial Fisher-Yates
				j := i + rng.IntN(len(all)-i)
				all[i], all[j] = all[j], all[i]
			}
			return all[:n], nil
		}
		out := make([][]byte, 0, min(n, 1<<16))
		for len(out) < n {
			out = append(out, all[rng.IntN(len(all))])
		}
		return out, nil
	}
	p, err := c.newProber(id)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, min(n, 1<<16))
	seen := map[string]bool{}
	for tries := 0; len(out) < n; tries++ {
		sub, err := p.pick()
		if err != nil {
			return nil, err
		}
		if distinct {
			if seen[string(sub)] {
				if tries > 20*n { // unlucky: fall back to an exact choice
					return c.randomSubsExact(id, n, seen, out)
				}
				continue
			}
			seen[string(sub)] = true
		}
		out = append(out, sub)
	}
	return out, nil
}

// randomSubsExact completes out to n distinct subs by reading the
// collection.
func (c *Ctx) randomSubsExact(id uint64, n int, seen map[string]bool, out [][]byte) ([][]byte, error) {
	var rest [][]byte
	err := c.scanElems(id, nil, nil, false, func(sub, _ []byte) bool {
		if !seen[string(sub)] {
			rest = append(rest, append([]byte(nil), sub...))
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	rng := c.E.Random()
	rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	for i := 0; len(out) < n && i < len(rest); i++ {
		out = append(out, rest[i])
	}
	return out, nil
}

// prober draws random elements of a large collection by probing its
// ordered subs: a random key shaped like the subs it has seen (as long as
// the longest, each byte drawn from the bytes they use, small gaps between
// those filled in) and a random pick among the few elements at or after
// it. Hex ids thus probe hex digits, not the gap between '9' and 'a'. It
// is roughly uniform for the usual keys (counters, ids, words, hashes) and
// costs O(1) pages per pick.
type prober struct {
	c        *Ctx
	id       uint64
	first    []byte
	cp       int    // length of the prefix common to every sub
	maxLen   int    // longest sub seen
	alphabet []byte // bytes used after the common prefix, ascending
	probe    []byte // scratch
}

const probeWindow = 16

// newProber samples the first and last subs of collection id.
func (c *Ctx) newProber(id uint64) (*prober, error) {
	p := &prober{c: c, id: id}
	var used [256]bool
	var last []byte
	// Bytes of a sample at or after its common prefix with the first sub;
	// the ones before are the first sub's own, counted at the end.
	note := func(sub []byte) {
		p.maxLen = max(p.maxLen, len(sub))
		k := 0
		for k < len(sub) && k < len(p.first) && sub[k] == p.first[k] {
			k++
		}
		for _, ch := range sub[k:] {
			used[ch] = true
		}
	}
	for _, rev := range []bool{false, true} {
		n := 0
		err := c.scanElems(id, nil, nil, rev, func(sub, _ []byte) bool {
			if p.first == nil {
				p.first = append([]byte{}, sub...)
			}
			if rev && n == 0 {
				last = append([]byte{}, sub...)
			}
			note(sub)
			n++
			return n < probeWindow
		})
		if err != nil {
			return nil, err
		}
	}
	if p.first == nil {
		return p, nil
	}
	for p.cp < len(p.first) && p.cp < len(last) && p.first[p.cp] == last[p.cp] {
		p.cp++
	}
	for _, ch := range p.first[p.cp:] {
		used[ch] = true
	}
	prev := -1
	for ch := 0; ch < 256; ch++ {
		if !used[ch] {
			continue
		}
		if prev >= 0 && ch-prev <= 10 {
			for g := prev + 1; g < ch; g++ {
				p.alphabet = append(p.alphabet, byte(g))
			}
		}
		p.alphabet = append(p.alphabet, byte(ch))
		prev = ch
	}
	if len(p.alphabet) < 2 {
		p.alphabet = p.alphabet[:0]
		for ch := 0; ch < 256; ch++ {
			p.alphabet = append(p.alphabet, byte(ch))
		}
	}
	p.probe = make([]byte, 0, p.maxLen)
	return p, nil
}

// pick returns a copy of a random sub: the k-th (k random below
// probeWindow) at or after a random probe, wrapping around.
func (p *prober) pick() ([]byte, error) {
	rng := p.c.E.Random()
	probe := append(p.probe[:0], p.first[:p.cp]...)
	for len(probe) < p.maxLen {
		probe = append(probe, p.alphabet[rng.IntN(len(p.alphabet))])
	}
	p.probe = probe
	k := rng.IntN(probeWindow)
	var got []byte
	take := func(sub, _ []byte) bool {
		if k == 0 {
			got = append([]byte(nil), sub...)
			return false
		}
		k--
		return true
	}
	err := p.c.scanElems(p.id, probe, nil, false, take)
	for tries := 0; err == nil && got == nil && tries < 2; tries++ {
		err = p.c.scanElems(p.id, nil, nil, false, take)
	}
	if err != nil || got == nil {
		return append([]byte(nil), p.first...), err
	}
	return got, nil
}

// ---- long doubles ----

// addLongDoubles returns a+b as Redis stores an incremented float (long
// double arithmetic, printed by formatLongDouble), or false when the sum
// is not finite.
func addLongDoubles(a, b ldouble) (string, bool) {
	if a.IsInf() || b.IsInf() {
		return "", false
	}
	sum := ldAdd(a, b)
	if sum.overflows() {
		return "", false
	}
	return formatLongDouble(sum), true
}

// fail answers a lookup error: WRONGTYPE is replied and the command ends
// normally; any other error is the store's and is returned.
func (c *Ctx) fail(err error) error {
	if err == errWrongType {
		c.W.Error(msgWrongType)
		return nil
	}
	return err
}

func wrongArity(name string) string { return format(msgWrongArity, name) }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
