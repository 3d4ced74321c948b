package core

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Helpers shared by the collection types (hashes, sets, sorted sets,
// lists): element access under 'e' id(8) sub, ordered element scans,
// writing back or deleting an emptied collection's record, the SCAN-family
// cursor and options, and random element picks.

// elemGet returns the page of collection id's element sub. The slice is
// valid until the next write.
func (c *Ctx) elemGet(id uint64, sub []byte) ([]byte, bool, error) {
	tx, err := c.Tx()
	if err != nil {
		return nil, false, err
	}
	var kb [64]byte
	return tx.Get(elemKey(kb[:0], id, sub))
}

// elemPut writes collection id's element sub.
func (c *Ctx) elemPut(id uint64, sub, page []byte) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	var kb [64]byte
	return tx.Put(elemKey(kb[:0], id, sub), page)
}

// elemDelete removes collection id's element sub.
func (c *Ctx) elemDelete(id uint64, sub []byte) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	var kb [64]byte
	return tx.Delete(elemKey(kb[:0], id, sub))
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

// newCollection returns the record of a new, empty collection of type typ
// with a fresh id.
func (c *Ctx) newCollection(typ byte) (Record, error) {
	id, err := c.newID()
	return Record{Type: typ, ID: id}, err
}

// ---- SCAN-family cursors ----
//
// A cursor names the position of the next element to return: the first 8
// bytes of its sub, big-endian, zero-padded. Resuming at that prefix (with
// trailing zero bytes trimmed, so it sorts at or before the element) may
// repeat elements but never skips one that was present for the whole scan,
// whatever was added or removed meanwhile. A batch only ends where the
// cursor moves strictly forward, so a scan always terminates; elements
// sharing an 8-byte prefix come in one batch. Cursor 0 starts and ends.

// cursorFor returns the cursor that resumes at sub.
func cursorFor(sub []byte) uint64 {
	var b [8]byte
	copy(b[:], sub)
	return binary.BigEndian.Uint64(b[:])
}

// cursorStart returns the sub a cursor resumes at.
func cursorStart(cur uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], cur)
	return bytes.TrimRight(b[:], "\x00")
}

// parseElemCursor parses a SCAN cursor as Redis does (strtoul: a leading '-'
// wraps around).
func parseElemCursor(b []byte) (uint64, bool) {
	s := string(b)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	} else {
		s = strings.TrimPrefix(s, "+")
	}
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// elemScanOptions are SCAN-family options: MATCH pattern, COUNT n.
type elemScanOptions struct {
	count   int
	pattern []byte // nil matches everything
}

// parseElemScanOptions parses [MATCH pattern] [COUNT count] from args; on
// failure it returns Redis's error text.
func parseElemScanOptions(args [][]byte) (elemScanOptions, string) {
	o := elemScanOptions{count: 10}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return o, msgSyntax
		}
		switch strings.ToLower(string(args[i])) {
		case "count":
			n, err := strconv.ParseInt(string(args[i+1]), 10, 64)
			if err != nil || !isCanonicalInt(args[i+1]) {
				return o, msgNotInt
			}
			if n < 1 {
				return o, msgSyntax
			}
			if n > 1<<30 {
				n = 1 << 30
			}
			o.count = int(n)
		case "match":
			o.pattern = args[i+1]
			if len(o.pattern) == 1 && o.pattern[0] == '*' {
				o.pattern = nil
			}
		default:
			return o, msgSyntax
		}
	}
	return o, ""
}

func (o *elemScanOptions) match(b []byte) bool {
	return o.pattern == nil || globMatch(o.pattern, b, false)
}

// scanCollection runs one step of a SCAN-family command over collection
// id from cursor cur: it calls fn for each element (in sub order) whose
// sub matches, and returns the next cursor (0 when done). all asks for
// every element in one step, as Redis does for small encodings.
func (c *Ctx) scanCollection(id uint64, cur uint64, o *elemScanOptions, all bool, fn func(sub, page []byte)) (uint64, error) {
	seen := 0
	var next uint64
	err := c.scanElems(id, cursorStart(cur), nil, false, func(sub, page []byte) bool {
		if !all && seen >= o.count {
			if nc := cursorFor(sub); nc > cur {
				next = nc
				return false
			}
		}
		seen++
		if o.match(sub) {
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

// ---- numbers ----

// isCanonicalInt reports whether b is how Redis writes an integer (no
// leading '+', spaces or zeros), which is what string2ll accepts.
func isCanonicalInt(b []byte) bool {
	if len(b) == 0 || len(b) > 20 {
		return false
	}
	if len(b) == 1 && b[0] == '0' {
		return true
	}
	if b[0] == '-' {
		b = b[1:]
		if len(b) == 0 {
			return false
		}
	}
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return b[0] != '0'
}

// parseInt parses an integer argument as Redis's string2ll does.
func parseInt(b []byte) (int64, bool) {
	if !isCanonicalInt(b) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
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
		if err != nil {
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
}

const probeWindow = 16

// newProber samples the first and last subs of collection id.
func (c *Ctx) newProber(id uint64) (*prober, error) {
	p := &prober{c: c, id: id}
	var samples [][]byte
	for _, rev := range []bool{false, true} {
		n := 0
		err := c.scanElems(id, nil, nil, rev, func(sub, _ []byte) bool {
			samples = append(samples, append([]byte(nil), sub...))
			n++
			return n < probeWindow
		})
		if err != nil {
			return nil, err
		}
	}
	if len(samples) == 0 {
		return p, nil
	}
	p.first = samples[0]
	last := samples[len(samples)-1]
	for p.cp < len(p.first) && p.cp < len(last) && p.first[p.cp] == last[p.cp] {
		p.cp++
	}
	var used [256]bool
	for _, sub := range samples {
		p.maxLen = max(p.maxLen, len(sub))
		for _, ch := range sub[min(p.cp, len(sub)):] {
			used[ch] = true
		}
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
	return p, nil
}

// pick returns a copy of a random sub.
func (p *prober) pick() ([]byte, error) {
	rng := p.c.E.Random()
	probe := append(make([]byte, 0, p.maxLen), p.first[:p.cp]...)
	for len(probe) < p.maxLen {
		probe = append(probe, p.alphabet[rng.IntN(len(p.alphabet))])
	}
	var got [][]byte
	collect := func(sub, _ []byte) bool {
		got = append(got, append([]byte(nil), sub...))
		return len(got) < probeWindow
	}
	err := p.c.scanElems(p.id, probe, nil, false, collect)
	if err == nil && len(got) < probeWindow {
		err = p.c.scanElems(p.id, nil, probe, false, collect)
	}
	if err != nil || len(got) == 0 {
		return append([]byte(nil), p.first...), err
	}
	return got[rng.IntN(len(got))], nil
}

// ---- long doubles ----
//
// Redis adds floats (INCRBYFLOAT, HINCRBYFLOAT) in C's long double, which
// on x86-64 has a 64-bit mantissa, and prints the sum with "%.17Lf" and
// trailing zeros removed. big.Float at precision 64 reproduces both.

const ldPrec = 64

// ldParse parses b as Redis's string2ld (strtold) does: no leading
// space, the whole string, decimal or hex, inf; never nan.
func ldParse(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= 5*1024 || isSpace(b[0]) {
		return nil, false
	}
	s := strings.ToLower(string(b))
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 || strings.ContainsRune(s, '_') ||
		strings.HasPrefix(body, "0b") || strings.HasPrefix(body, "0o") {
		return nil, false
	}
	if body == "inf" || body == "infinity" {
		return new(big.Float).SetInf(s[0] == '-'), true
	}
	f, _, err := big.ParseFloat(s, 0, ldPrec, big.ToNearestEven)
	if err != nil {
		return nil, false
	}
	return f, true
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

// ldAdd returns a+b formatted as Redis stores an incremented float,
// or false when the sum is not finite.
func ldAdd(a, b *big.Float) (string, bool) {
	if a.IsInf() || b.IsInf() {
		return "", false
	}
	sum := new(big.Float).SetPrec(ldPrec).SetMode(big.ToNearestEven).Add(a, b)
	if sum.MantExp(nil) > 16384 { // beyond long double's range: inf
		return "", false
	}
	return ldFormat(sum), true
}

// ldFormat formats f as ld2string(LD_STR_HUMAN): "%.17Lf" without
// trailing zeros.
func ldFormat(f *big.Float) string {
	s := f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
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

func wrongArity(name string) string { return fmt.Sprintf(msgWrongArity, name) }

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
