package core

// SORT and SORT_RO: sorting the elements of a list, set or sorted set.
// https://redis.io/commands/sort
//
// This follows Redis 7.0's sortCommandGeneric step by step: parse the
// options, load the elements (a list or sorted set without sorting loads
// only the LIMIT range, in its own order), compute the sort keys, sort,
// then reply or STORE, running the GET patterns per element.

import (
	"bytes"
	"math"
	"slices"
	"strings"
)

func init() {
	register(map[string]Handler{
		"sort":    cmdSort,
		"sort_ro": cmdSortRO,
	})
}

// cmdSort sorts the elements of a list, set or sorted set, replying them
// or storing them as a list.
// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]
// https://redis.io/commands/sort
func cmdSort(c *Ctx) error { return sortGeneric(c, false) }

// cmdSortRO is the read-only variant of SORT (no STORE).
// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]
// https://redis.io/commands/sort_ro
func cmdSortRO(c *Ctx) error { return sortGeneric(c, true) }

// sortItem is one element being sorted: the element, its numeric sort key
// and, for ALPHA with BY, the string it sorts by (nil when the BY key is
// missing).
type sortItem struct {
	obj   []byte
	score float64
	cmp   []byte
}

// sortOptions are SORT's parsed options.
type sortOptions struct {
	desc, alpha, dontsort  bool
	limitStart, limitCount int64
	by                     []byte // nil: sort by the elements themselves
	gets                   [][]byte
	store                  []byte // nil: reply
}

// parseSort parses SORT's options from Args[2:]; on failure it has
// replied the error.
func parseSort(c *Ctx, readonly bool) (o sortOptions, ok bool) {
	o.limitCount = -1
	args := c.Args
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		switch opt := string(args[j]); {
		case strings.EqualFold(opt, "asc"):
			o.desc = false
		case strings.EqualFold(opt, "desc"):
			o.desc = true
		case strings.EqualFold(opt, "alpha"):
			o.alpha = true
		case strings.EqualFold(opt, "limit") && left >= 2:
			start, ok1 := parseLongLong(args[j+1])
			count, ok2 := parseLongLong(args[j+2])
			if !ok1 || !ok2 {
				c.W.Error(msgNotInt)
				return o, false
			}
			o.limitStart, o.limitCount = start, count
			j += 2
		case !readonly && strings.EqualFold(opt, "store") && left >= 1:
			o.store = args[j+1]
			j++
		case strings.EqualFold(opt, "by") && left >= 1:
			o.by = args[j+1]
			// BY a pattern without '*' (like "nosort") means: do not sort.
			if bytes.IndexByte(cString(o.by), '*') < 0 {
				o.dontsort = true
			}
			j++
		case strings.EqualFold(opt, "get") && left >= 1:
			o.gets = append(o.gets, args[j+1])
			j++
		default:
			c.W.Error(msgSyntax)
			return o, false
		}
	}
	return o, true
}

// cString is b as C's string functions see it: up to its first NUL.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

func sortGeneric(c *Ctx, readonly bool) error {
	o, ok := parseSort(c, readonly)
	if !ok {
		return nil
	}
	r, exists, err := c.lookup(c.Args[1])
	if err != nil {
		return err
	}
	typ := TypeList // a missing key sorts as an empty list
	var n int64
	if exists {
		switch r.Type {
		case TypeList, TypeSet, TypeZSet:
			typ, n = r.Type, r.Count
		default:
			c.W.Error(msgWrongType)
			return nil
		}
	}
	// Redis sorts a set even under BY nosort when it stores the result,
	// so that what it writes does not depend on the set's internal order.
	if o.dontsort && typ == TypeSet && o.store != nil {
		o.dontsort, o.alpha, o.by = false, true, nil
	}

	start := max(o.limitStart, 0)
	end := n - 1
	if o.limitCount >= 0 {
		end = start + o.limitCount - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	if end >= n {
		end = n - 1
	}

	var vec []sortItem
	add := func(b []byte) { vec = append(vec, sortItem{obj: append([]byte(nil), b...)}) }
	switch {
	case o.dontsort && (typ == TypeList || typ == TypeZSet):
		// Only the LIMIT range is loaded, in the collection's own order
		// (reversed for DESC).
		if end >= start && exists {
			if err := c.sortLoadRange(&r, start, end, o.desc, add); err != nil {
				return err
			}
		}
		end -= start
		start = 0
	case !exists:
	default:
		if err := c.sortLoadAll(&r, add); err != nil {
			return err
		}
	}

	convErr := false
	if !o.dontsort {
		for i := range vec {
			it := &vec[i]
			byval := it.obj
			if o.by != nil {
				v, found, err := c.sortLookupPattern(o.by, it.obj)
				if err != nil {
					return err
				}
				if !found {
					continue
				}
				byval = v
			}
			if o.alpha {
				if o.by != nil {
					it.cmp = byval
				}
				continue
			}
			f, ok, erange := sortStrtod(string(byval))
			if !ok || erange || math.IsNaN(f) {
				convErr = true
			}
			it.score = f
		}
		cmp := func(a, b *sortItem) int {
			r := sortCompare(a, b, o.alpha, o.by != nil)
			if o.desc {
				return -r
			}
			return r
		}
		if o.by != nil && (start != 0 || end != n-1) {
			pqsort(vec, cmp, int(start), int(end))
		} else {
			// glibc's qsort, which Redis calls here, is a stable merge sort.
			slices.SortStableFunc(vec, func(a, b sortItem) int { return cmp(&a, &b) })
		}
	}

	count := max(end-start+1, 0)
	outlen := count
	if len(o.gets) > 0 {
		outlen *= int64(len(o.gets))
	}
	if convErr {
		c.W.Error(msgUnknownSortType)
		return nil
	}
	if o.store == nil {
		c.W.Array(int(outlen))
		for j := start; j <= end; j++ {
			if len(o.gets) == 0 {
				c.W.Bulk(vec[j].obj)
			}
			for _, pat := range o.gets {
				v, found, err := c.sortLookupPattern(pat, vec[j].obj)
				if err != nil {
					return err
				}
				if found {
					c.W.Bulk(v)
				} else {
					c.W.Null()
				}
			}
		}
		return nil
	}

	var out [][]byte
	for j := start; j <= end; j++ {
		if len(o.gets) == 0 {
			out = append(out, vec[j].obj)
		}
		for _, pat := range o.gets {
			v, _, err := c.sortLookupPattern(pat, vec[j].obj)
			if err != nil {
				return err
			}
			out = append(out, v) // a missing value is stored as ""
		}
	}
	if err := c.sortStore(o.store, out); err != nil {
		return err
	}
	c.W.Int(outlen)
	return nil
}

// sortCompare orders two elements as Redis's sortCompare does (before
// DESC is applied).
func sortCompare(a, b *sortItem, alpha, byPattern bool) int {
	if !alpha {
		switch {
		case a.score > b.score:
			return 1
		case a.score < b.score:
			return -1
		}
		// Equal scores fall back to the elements, so the order is
		// deterministic.
		return bytes.Compare(a.obj, b.obj)
	}
	if byPattern {
		switch {
		case a.cmp == nil && b.cmp == nil:
			return 0
		case a.cmp == nil:
			return -1
		case b.cmp == nil:
			return 1
		}
		return bytes.Compare(a.cmp, b.cmp)
	}
	return bytes.Compare(a.obj, b.obj)
}

// sortLoadAll loads every element of a list, set or sorted set.
func (c *Ctx) sortLoadAll(r *Record, add func([]byte)) error {
	switch r.Type {
	case TypeList:
		return c.listScan(r, 0, r.Count-1, false, func(_ int64, v []byte) bool {
			add(v)
			return true
		})
	case TypeSet:
		return c.scanElems(r.ID, nil, nil, false, func(member, _ []byte) bool {
			add(member)
			return true
		})
	default: // TypeZSet
		return c.zScan(r.ID, nil, nil, false, func(member []byte, _ float64) bool {
			add(member)
			return true
		})
	}
}

// sortLoadRange loads the elements of a list or sorted set from index
// start to end (0 <= start <= end < Count) in their order, counting from
// the other end and in reverse when desc is set.
func (c *Ctx) sortLoadRange(r *Record, start, end int64, desc bool, add func([]byte)) error {
	if r.Type == TypeList {
		from, to := start, end
		if desc {
			from, to = r.Count-1-end, r.Count-1-start
		}
		return c.listScan(r, from, to, desc, func(_ int64, v []byte) bool {
			add(v)
			return true
		})
	}
	var i int64
	return c.zScan(r.ID, nil, nil, desc, func(member []byte, _ float64) bool {
		if i >= start {
			add(member)
		}
		i++
		return i <= end
	})
}

// sortLookupPattern resolves a BY or GET pattern for element subst as
// Redis's lookupKeyByPattern does: "#" is the element itself; otherwise
// the first '*' is replaced by the element to name a key, and a "->field"
// after it names a hash field. It returns a copy of the string value or
// hash field, found false when there is none (no '*', no key, another
// type, no field).
func (c *Ctx) sortLookupPattern(pattern, subst []byte) ([]byte, bool, error) {
	p := cString(pattern)
	if len(p) == 1 && p[0] == '#' {
		return subst, true, nil
	}
	star := bytes.IndexByte(p, '*')
	if star < 0 {
		return nil, false, nil
	}
	var field []byte
	keyEnd := len(pattern)
	if f := bytes.Index(p[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(p) {
		keyEnd = star + 1 + f
		field = pattern[keyEnd+2:]
	}
	key := make([]byte, 0, len(pattern)+len(subst))
	key = append(key, pattern[:star]...)
	key = append(key, subst...)
	key = append(key, pattern[star+1:keyEnd]...)
	r, ok, err := c.lookup(key)
	if err != nil || !ok {
		return nil, false, err
	}
	if field != nil {
		if r.Type != TypeHash {
			return nil, false, nil
		}
		v, ok, err := c.elemGet(r.ID, field)
		if err != nil || !ok {
			return nil, false, err
		}
		return append([]byte(nil), v...), true, nil
	}
	if r.Type != TypeString {
		return nil, false, nil
	}
	return append([]byte(nil), r.Value...), true, nil
}

// sortStore writes SORT's result to key as a new list, replacing what was
// there (and its TTL); an empty result deletes key.
func (c *Ctx) sortStore(key []byte, vals [][]byte) error {
	prev, existed, err := c.lookup(key)
	if err != nil {
		return err
	}
	if existed {
		if err := c.deleteKey(key, prev); err != nil {
			return err
		}
	}
	if len(vals) == 0 {
		if existed {
			c.E.signalKey(c.db(), key)
			c.notify(notifyGeneric, "del", key)
		}
		return nil
	}
	r, err := c.newList()
	if err != nil {
		return err
	}
	for _, v := range vals {
		if err := c.listPush(&r, v, listTail); err != nil {
			return err
		}
	}
	if err := c.put(key, &r, nil); err != nil {
		return err
	}
	c.notify(notifyList, "sortstore", key)
	return nil
}

// pqsort sorts v so that at least its elements lrange..rrange are in their
// final places, as Redis's pqsort.c (Bentley & McIlroy's quicksort that
// skips partitions outside the range) does. SORT uses it with BY and LIMIT;
// it is not stable, so ties come out in the same order as in Redis only
// if the algorithm is the same step for step.
func pqsort(v []sortItem, cmp func(a, b *sortItem) int, lrange, rrange int) {
	pqsortRange(v, 0, len(v), cmp, lrange, rrange)
}

func pqsortRange(v []sortItem, a, n int, cmp func(a, b *sortItem) int, lrange, rrange int) {
	swap := func(i, j int) { v[i], v[j] = v[j], v[i] }
	vecswap := func(i, j, k int) {
		for ; k > 0; k, i, j = k-1, i+1, j+1 {
			swap(i, j)
		}
	}
	med3 := func(i, j, k int) int {
		if cmp(&v[i], &v[j]) < 0 {
			if cmp(&v[j], &v[k]) < 0 {
				return j
			}
			if cmp(&v[i], &v[k]) < 0 {
				return k
			}
			return i
		}
		if cmp(&v[j], &v[k]) > 0 {
			return j
		}
		if cmp(&v[i], &v[k]) < 0 {
			return i
		}
		return k
	}
	outside := func(lo, cnt int) bool {
		hi := lo + cnt - 1
		return lrange < lo && rrange < lo || lrange > hi && rrange > hi
	}
	for {
		if n < 7 {
			for pm := a + 1; pm < a+n; pm++ {
				for pl := pm; pl > a && cmp(&v[pl-1], &v[pl]) > 0; pl-- {
					swap(pl, pl-1)
				}
			}
			return
		}
		pm := a + n/2
		if n > 7 {
			pl, pn := a, a+n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		swap(a, pm)
		pa, pb := a+1, a+1
		pc, pd := a+n-1, a+n-1
		for {
			for pb <= pc {
				r := cmp(&v[pb], &v[a])
				if r > 0 {
					break
				}
				if r == 0 {
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := cmp(&v[pc], &v[a])
				if r < 0 {
					break
				}
				if r == 0 {
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb++
			pc--
		}
		pn := a + n
		r := min(pa-a, pb-pa)
		vecswap(a, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		if r = pb - pa; r > 1 && !outside(a, r) {
			pqsortRange(v, a, r, cmp, lrange, rrange)
		}
		if r = pd - pc; r > 1 {
			a, n = pn-r, r
			if !outside(a, n) {
				continue
			}
		}
		return
	}
}
