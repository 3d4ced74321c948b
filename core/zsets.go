package core

// Sorted set commands.
// https://redis.io/commands/?group=sorted-set
//
// # Layout
//
// A sorted set is a record of TypeZSet (Record.ID, Record.Count) and, per
// member, two elements under the collection's id (see keyspace.go):
//
//	'e' id(8) 'm' member              -> score: float64 bits, big-endian (8 bytes)
//	'e' id(8) 's' sortable(8) member  -> empty ("\x01" when the score is -0)
//	'e' id(8) 'x'                     -> empty: Redis would hold it as a skiplist
//	'e' id(8) 'r' bound               -> rank chunk count (large sets: zsets_rank.go)
//	'e' id(8) 'q'                     -> rank chunks' generation (large sets)
//
// sortable(f) maps a float64 to 8 bytes that sort in numeric order: the
// sign bit is flipped for positive numbers, every bit for negative ones
// (-0 is written as 0: equal scores order by member). Index keys therefore
// sort by (score, member), which is exactly Redis's order. ZADD, ZREM and
// ZSCORE touch O(1) elements plus the record; a score range is one index
// range scan from its start. Ranks (ZRANK, ZRANGE by index,
// ZREMRANGEBYRANK) and ZCOUNT count index entries: a set of 8,192 members
// or more keeps rank chunks ('e' id 'r' bound -> count, zsets_rank.go)
// that count runs of 512-4,096 entries, so a rank reads the chunk counts
// before it and one run; a smaller set is scanned. ZLEXCOUNT scans.
//
// Some replies depend on how Redis 7.0 encodes a set: a listpack stores -0
// as 0 and ZSCAN returns it whole, in score order; a skiplist keeps -0 and
// ZSCAN walks it with a cursor. A set is a skiplist once it has held more
// than zset-max-listpack-entries (128) members or a member longer than
// zset-max-listpack-value (64) bytes, and stays one; the 'x' element
// remembers that for sets back under the limit. Stored results (ZUNIONSTORE
// and the like) start over, as Redis converts them.

import (
	"bytes"
	"encoding/binary"
	"math"
	"sort"
	"strconv"
	"strings"
)

func init() {
	register(map[string]Handler{
		"zadd":             cmdZadd,
		"zincrby":          cmdZincrby,
		"zscore":           cmdZscore,
		"zmscore":          cmdZmscore,
		"zrem":             cmdZrem,
		"zcard":            cmdZcard,
		"zcount":           cmdZcount,
		"zlexcount":        cmdZlexcount,
		"zrange":           cmdZrange,
		"zrangestore":      cmdZrangestore,
		"zrangebyscore":    cmdZrangebyscore,
		"zrevrangebyscore": cmdZrevrangebyscore,
		"zrangebylex":      cmdZrangebylex,
		"zrevrangebylex":   cmdZrevrangebylex,
		"zrevrange":        cmdZrevrange,
		"zrank":            cmdZrank,
		"zrevrank":         cmdZrevrank,
		"zpopmin":          cmdZpopmin,
		"zpopmax":          cmdZpopmax,
		"zmpop":            cmdZmpop,
		"bzpopmin":         cmdBzpopmin,
		"bzpopmax":         cmdBzpopmax,
		"bzmpop":           cmdBzmpop,
		"zrandmember":      cmdZrandmember,
		"zremrangebyrank":  cmdZremrangebyrank,
		"zremrangebyscore": cmdZremrangebyscore,
		"zremrangebylex":   cmdZremrangebylex,
		"zunion":           cmdZunion,
		"zinter":           cmdZinter,
		"zdiff":            cmdZdiff,
		"zunionstore":      cmdZunionstore,
		"zinterstore":      cmdZinterstore,
		"zdiffstore":       cmdZdiffstore,
		"zintercard":       cmdZintercard,
		"zscan":            cmdZscan,
	})
	registerEncoding(TypeZSet, zsetObjectEncoding)
}

// zsetObjectEncoding answers OBJECT ENCODING as Redis 7.0 would: a set is
// a listpack until it holds more than zset-max-listpack-entries members or
// one longer than zset-max-listpack-value bytes, then a skiplist for good
// (stored results, such as ZUNIONSTORE's, start over).
func zsetObjectEncoding(c *Ctx, r Record) (string, error) {
	if sl, err := c.zIsSkiplist(r); err != nil || sl {
		return "skiplist", err
	}
	return "listpack", nil
}

// ---- layout ----

const (
	zsMember = 'm'
	zsIndex  = 's'
)

// appendSortable appends the 8 bytes of f that sort in numeric order.
func appendSortable(b []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(b, sortable(f))
}

// sortable maps f to a number whose big-endian bytes sort in f's order.
func sortable(f float64) uint64 {
	if f == 0 {
		f = 0 // -0 and 0 are equal scores: one position in the index
	}
	u := math.Float64bits(f)
	if u>>63 == 0 {
		return u | 1<<63
	}
	return ^u
}

func fromSortable(b []byte) float64 {
	u := binary.BigEndian.Uint64(b)
	if u>>63 == 1 {
		u &^= 1 << 63
	} else {
		u = ^u
	}
	return math.Float64frombits(u)
}

// zMemberKey is the store key of member's score in zset id.
func zMemberKey(buf []byte, id uint64, member []byte) []byte {
	buf = elemKey(buf, id, nil)
	buf = append(buf, zsMember)
	return append(buf, member...)
}

// zIndexKey is the store key of member's entry in zset id's score index.
func zIndexKey(buf []byte, id uint64, score float64, member []byte) []byte {
	buf = elemKey(buf, id, nil)
	return zIndexSuffix(append(buf, zsIndex), score, member)
}

// zEntry is a member and its score, copied out of the store.
type zEntry struct {
	member []byte
	score  float64
}

// zScore returns member's score in zset id.
func (c *Ctx) zScore(id uint64, member []byte) (float64, bool, error) {
	tx, err := c.Tx()
	if err != nil {
		return 0, false, err
	}
	c.ekey = zMemberKey(c.ekey, id, member)
	v, ok, err := tx.Get(c.ekey)
	if err != nil || !ok || len(v) != 8 {
		return 0, false, err
	}
	return math.Float64frombits(binary.BigEndian.Uint64(v)), true, nil
}

// zPut sets member's score in zset id; old is its current score, nil for
// a new member. A skiplist-encoded set keeps -0 as such; a listpack one
// stores it as 0, as Redis's do.
func (c *Ctx) zPut(id uint64, member []byte, score float64, old *float64, skiplist bool) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	var page []byte
	if score == 0 {
		if skiplist && math.Signbit(score) {
			page = negZeroPage
		} else {
			score = 0
		}
	}
	chunked, err := c.zChunked(id)
	if err != nil {
		return err
	}
	// A change between equal scores (-0 and 0) keeps the index position.
	moved := old == nil || sortable(*old) != sortable(score)
	if old != nil {
		c.ekey = zIndexKey(c.ekey, id, *old, member)
		if err := tx.Delete(c.ekey); err != nil {
			return err
		}
		if chunked && moved {
			if err := c.zChunkAdd(id, zIndexSuffix(nil, *old, member), -1); err != nil {
				return err
			}
		}
	}
	c.ekey = zMemberKey(c.ekey, id, member)
	c.page = binary.BigEndian.AppendUint64(c.page[:0], math.Float64bits(score))
	if err := tx.Put(c.ekey, c.page); err != nil {
		return err
	}
	c.ekey = zIndexKey(c.ekey, id, score, member)
	if err := tx.Put(c.ekey, page); err != nil {
		return err
	}
	if chunked && moved {
		return c.zChunkAdd(id, zIndexSuffix(nil, score, member), 1)
	}
	return nil
}

// negZeroPage marks an index entry whose score is -0 (its key, like 0's,
// sorts among the equal scores by member).
var negZeroPage = []byte{1}

// zEncMarker is the element of a sorted set that Redis would hold as a
// skiplist although it has no more than zset-max-listpack-entries members
// (it had more, or a long member): Redis never converts back.
var zEncMarker = []byte{'x'}

// zIsSkiplist reports whether Redis 7.0 would hold zset r as a skiplist.
func (c *Ctx) zIsSkiplist(r Record) (bool, error) {
	if r.Count > zsetMaxListpackEntries {
		return true, nil
	}
	_, ok, err := c.elemGet(r.ID, zEncMarker)
	return ok, err
}

// zDel removes member, whose score is score, from zset id.
func (c *Ctx) zDel(id uint64, member []byte, score float64) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	c.ekey = zMemberKey(c.ekey, id, member)
	if err := tx.Delete(c.ekey); err != nil {
		return err
	}
	c.ekey = zIndexKey(c.ekey, id, score, member)
	if err := tx.Delete(c.ekey); err != nil {
		return err
	}
	if on, err := c.zChunked(id); on || err != nil {
		if err != nil {
			return err
		}
		return c.zChunkAdd(id, zIndexSuffix(nil, score, member), -1)
	}
	return nil
}

// zScan walks zset id's score index over [lo, hi) (bytes after the 's',
// nil hi: to the end), ascending or descending, until fn returns false.
// member is valid during the call only.
func (c *Ctx) zScan(id uint64, lo, hi []byte, reverse bool, fn func(member []byte, score float64) bool) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	// The bounds: the index prefix 'e' id 's' followed by lo, and by hi
	// or, without one, the prefix's end ('e' id 't').
	const pl = 1 + 8 + 1
	sl, el := pl+len(lo), pl+len(hi)
	buf := c.scanBuf(sl + el)
	start := append(elemKey(buf[:0:sl], id, nil), zsIndex)
	start = append(start, lo...)
	end := elemKey(buf[sl:sl], id, nil)
	if hi == nil {
		end = append(end, zsIndex+1)
	} else {
		end = append(append(end, zsIndex), hi...)
	}
	c.scanning++
	err = tx.Scan(start, end, reverse, func(k, page []byte) bool {
		s := k[pl:]
		if len(s) < 8 {
			return true
		}
		score := fromSortable(s[:8])
		if len(page) == 1 && page[0] == negZeroPage[0] {
			score = math.Copysign(0, -1)
		}
		return fn(s[8:], score)
	})
	c.scanning--
	return err
}

// zCollect is a zScan callback that copies entries into *out; it stops
// after limit entries (limit < 0: no limit) once skip were passed over.
func zCollect(out *[]zEntry, skip, limit int64) func([]byte, float64) bool {
	return func(m []byte, s float64) bool {
		if skip > 0 {
			skip--
			return true
		}
		if limit >= 0 && int64(len(*out)) >= limit {
			return false
		}
		*out = append(*out, zEntry{append([]byte(nil), m...), s})
		return limit < 0 || int64(len(*out)) < limit
	}
}

// ---- ranges ----

// zScoreRange is a score interval; ex marks an exclusive bound.
type zScoreRange struct {
	min, max     float64
	minex, maxex bool
}

func (r *zScoreRange) gteMin(s float64) bool {
	if r.minex {
		return s > r.min
	}
	return s >= r.min
}

func (r *zScoreRange) lteMax(s float64) bool {
	if r.maxex {
		return s < r.max
	}
	return s <= r.max
}

// parseScoreBound parses a score range item as Redis's zslParseRange does
// (strtod: leading spaces, inf, an empty string is 0; "(" is exclusive).
func parseScoreBound(b []byte) (f float64, ex bool, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	s := strings.TrimLeft(string(b), " \t\n\v\f\r")
	if s == "" {
		return 0, ex, true
	}
	f, ok = strtod(s)
	if !ok || math.IsNaN(f) {
		return 0, ex, false
	}
	return f, ex, true
}

func parseScoreRange(min, max []byte) (zScoreRange, bool) {
	var r zScoreRange
	var ok1, ok2 bool
	r.min, r.minex, ok1 = parseScoreBound(min)
	r.max, r.maxex, ok2 = parseScoreBound(max)
	return r, ok1 && ok2
}

// strtod parses s as C's strtod does over a whole string: it accepts what
// Go's ParseFloat does minus digit underscores, plus hex without an
// exponent; an out-of-range value is ±Inf or 0 with ok still true.
func strtod(s string) (float64, bool) {
	if strings.IndexByte(s, '_') >= 0 {
		return 0, false
	}
	t := strings.TrimLeft(s, "+-")
	if len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') && !strings.ContainsAny(t, "pP") {
		s += "p0"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// parseFloatArg parses a float argument as Redis's getDoubleFromObject:
// no leading space, no overflow or underflow to 0, no NaN.
func parseFloatArg(b []byte) (float64, bool) {
	s := string(b)
	if s == "" || strings.IndexAny(s[:1], " \t\n\v\f\r") == 0 {
		return 0, false
	}
	f, ok := strtod(s)
	if !ok || math.IsNaN(f) {
		return 0, false
	}
	if math.IsInf(f, 0) && !strings.Contains(strings.ToLower(s), "inf") {
		return 0, false // overflow
	}
	if f == 0 && zHasNonzeroDigit(s) {
		return 0, false // underflow
	}
	return f, true
}

// zHasNonzeroDigit reports a nonzero digit in the mantissa of a number.
func zHasNonzeroDigit(s string) bool {
	hex := strings.Contains(strings.ToLower(s), "0x")
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == 'e' || ch == 'E':
			if !hex {
				return false
			}
		case ch == 'p' || ch == 'P':
			return false
		case ch >= '1' && ch <= '9':
			return true
		case hex && (ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F'):
			return true
		case ch == 'x' || ch == 'X':
		}
	}
	return false
}

// zLexBound is one end of a lex range: "-" (kind -1), "+" (kind 1) or a
// value, inclusive "[" or exclusive "(".
type zLexBound struct {
	kind int
	val  []byte
	ex   bool
}

type zLexRange struct{ min, max zLexBound }

func parseLexBound(b []byte) (zLexBound, bool) {
	if len(b) == 0 {
		return zLexBound{}, false
	}
	switch b[0] {
	case '+':
		if len(b) == 1 {
			return zLexBound{kind: 1}, true
		}
	case '-':
		if len(b) == 1 {
			return zLexBound{kind: -1}, true
		}
	case '(':
		return zLexBound{val: b[1:], ex: true}, true
	case '[':
		return zLexBound{val: b[1:]}, true
	}
	return zLexBound{}, false
}

func parseLexRange(min, max []byte) (zLexRange, bool) {
	a, ok1 := parseLexBound(min)
	b, ok2 := parseLexBound(max)
	return zLexRange{a, b}, ok1 && ok2
}

func (r *zLexRange) gteMin(m []byte) bool {
	switch r.min.kind {
	case -1:
		return true
	case 1:
		return false
	}
	cmp := bytes.Compare(m, r.min.val)
	if r.min.ex {
		return cmp > 0
	}
	return cmp >= 0
}

func (r *zLexRange) lteMax(m []byte) bool {
	switch r.max.kind {
	case 1:
		return true
	case -1:
		return false
	}
	cmp := bytes.Compare(m, r.max.val)
	if r.max.ex {
		return cmp < 0
	}
	return cmp <= 0
}

// zScanScore calls fn for the members of zset id in score range r, in
// order or reversed, until fn returns false. It seeks to the range's start.
func (c *Ctx) zScanScore(id uint64, r *zScoreRange, reverse bool, fn func([]byte, float64) bool) error {
	if !reverse {
		return c.zScan(id, appendSortable(nil, r.min), nil, false, func(m []byte, s float64) bool {
			if !r.gteMin(s) {
				return true
			}
			if !r.lteMax(s) {
				return false
			}
			return fn(m, s)
		})
	}
	return c.zScan(id, nil, prefixEnd(appendSortable(nil, r.max)), true, func(m []byte, s float64) bool {
		if !r.lteMax(s) {
			return true
		}
		if !r.gteMin(s) {
			return false
		}
		return fn(m, s)
	})
}

// zScanLex calls fn for the members of zset id in lex range r. Like Redis
// it walks the set in score order, starting at the first member inside the
// range and stopping at the first one past it, which is meaningful when
// all scores are equal. In that case (the first and last scores match) it
// seeks straight to the range's start.
func (c *Ctx) zScanLex(id uint64, r *zLexRange, reverse bool, fn func([]byte, float64) bool) error {
	var lo, hi []byte
	first, okf, err := c.zEdge(id, false)
	if err != nil || !okf {
		return err
	}
	last, _, err := c.zEdge(id, true)
	if err != nil {
		return err
	}
	// Redis's zslIsInLexRange: a range that is empty by itself, or that
	// the last member is below or the first above, matches nothing.
	if cmp := zCmpLex(r.min, r.max); cmp > 0 || cmp == 0 && (r.min.ex || r.max.ex) {
		return nil
	}
	if !r.gteMin(last.member) || !r.lteMax(first.member) {
		return nil
	}
	if first.score == last.score || (first.score == 0 && last.score == 0) {
		base := appendSortable(nil, first.score)
		if !reverse && r.min.kind == 0 {
			lo = append(base, r.min.val...)
		}
		if reverse && r.max.kind == 0 {
			hi = prefixEnd(append(base, r.max.val...))
		}
	}
	started := false
	return c.zScan(id, lo, hi, reverse, func(m []byte, s float64) bool {
		in, past := r.gteMin(m), r.lteMax(m)
		if reverse {
			in, past = past, r.gteMin(m)
		}
		if !started {
			if !in {
				return true
			}
			started = true
		}
		if !past {
			return false
		}
		return fn(m, s)
	})
}

// zCmpLex compares two lex range bounds as Redis's sdscmplex does.
func zCmpLex(a, b zLexBound) int {
	switch {
	case a.kind == b.kind && a.kind != 0:
		return 0
	case a.kind == -1 || b.kind == 1:
		return -1
	case a.kind == 1 || b.kind == -1:
		return 1
	}
	return bytes.Compare(a.val, b.val)
}

// zEdge returns the first (or last) entry of zset id.
func (c *Ctx) zEdge(id uint64, last bool) (zEntry, bool, error) {
	var out []zEntry
	err := c.zScan(id, nil, nil, last, zCollect(&out, 0, 1))
	if err != nil || len(out) == 0 {
		return zEntry{}, false, err
	}
	return out[0], true, nil
}

// zRankRange clamps [start, end] like Redis for a set of n members; ok is
// false when the range is empty.
func zRankRange(start, end, n int64) (int64, int64, bool) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= n {
		return 0, 0, false
	}
	if end >= n {
		end = n - 1
	}
	return start, end, true
}

// ---- lookups, saving, replies ----

// zReplyEntries writes entries as ZRANGE does: members, with scores a flat
// array in RESP2 and [member, score] pairs in RESP3.
func (c *Ctx) zReplyEntries(es []zEntry, withScores bool) {
	if withScores && c.W.Proto == 2 {
		c.W.Array(2 * len(es))
	} else {
		c.W.Array(len(es))
	}
	for _, e := range es {
		if withScores && c.W.Proto > 2 {
			c.W.Array(2)
		}
		c.W.Bulk(e.member)
		if withScores {
			c.W.Double(e.score)
		}
	}
}

// zStore replaces dst with a sorted set of es (deleting it when es is
// empty) and replies its size; event names the keyspace event.
func (c *Ctx) zStore(dst []byte, es []zEntry, event string) error {
	old, existed, err := c.lookup(dst)
	if err != nil {
		return err
	}
	if existed {
		if err := c.deleteKey(dst, old); err != nil {
			return err
		}
	}
	if len(es) == 0 {
		if existed {
			c.notify(notifyGeneric, "del", dst)
		}
		c.W.Int(0)
		return nil
	}
	id, err := c.newID()
	if err != nil {
		return err
	}
	r := Record{Type: TypeZSet, ID: id, Count: int64(len(es))}
	c.zSeen(&Record{ID: id}) // a new set: no chunks yet
	// Redis converts a stored result to a listpack when it is small.
	skiplist := len(es) > zsetMaxListpackEntries
	for _, e := range es {
		skiplist = skiplist || len(e.member) > zsetMaxListpackValue
	}
	if skiplist {
		if err := c.elemPut(id, zEncMarker, nil); err != nil {
			return err
		}
	}
	for _, e := range es {
		if err := c.zPut(id, e.member, e.score, nil, skiplist); err != nil {
			return err
		}
	}
	if err := c.put(dst, &r, nil); err != nil {
		return err
	}
	c.W.Int(r.Count) // Redis replies before the event
	c.notify(notifyZSet, event, dst)
	return nil
}

// ---- ZADD, ZINCRBY ----

// cmdZadd adds members to a sorted set, or updates their scores.
// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
// https://redis.io/commands/zadd
func cmdZadd(c *Ctx) error { return zaddGeneric(c, false) }

// cmdZincrby increments the score of a member of a sorted set.
// ZINCRBY key increment member
// https://redis.io/commands/zincrby
func cmdZincrby(c *Ctx) error { return zaddGeneric(c, true) }

func zaddGeneric(c *Ctx, incr bool) error {
	args, key := c.Args, c.Args[1]
	var nx, xx, gt, lt, ch bool
	i := 2
flags:
	for ; i < len(args); i++ {
		switch strings.ToLower(string(args[i])) {
		case "nx":
			nx = true
		case "xx":
			xx = true
		case "gt":
			gt = true
		case "lt":
			lt = true
		case "ch":
			ch = true
		case "incr":
			incr = true
		default:
			break flags
		}
	}
	n := len(args) - i
	if n%2 != 0 || n == 0 {
		c.W.Error(msgSyntax)
		return nil
	}
	n /= 2
	if xx && nx {
		c.W.Error(msgXXandNX)
		return nil
	}
	if gt && nx || lt && nx || gt && lt {
		c.W.Error(msgGTLTNX)
		return nil
	}
	if incr && n > 1 {
		c.W.Error(msgIncrOnePair)
		return nil
	}
	scores := make([]float64, n)
	for j := range scores {
		f, ok := parseFloatArg(args[i+2*j])
		if !ok {
			c.W.Error(msgNotFloat)
			return nil
		}
		scores[j] = f
	}
	r, exists, err := c.lookupType(key, TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	prev := r
	if !exists {
		if xx {
			if incr {
				c.W.Null()
			} else {
				c.W.Int(0)
			}
			return nil
		}
		if r.ID, err = c.newID(); err != nil {
			return err
		}
		r.Type = TypeZSet
	}
	// Redis's encoding, as far as it matters here (whether -0 is kept):
	// known for a new key from the command's size, else read when needed.
	encKnown, skiplist := false, false
	if !exists {
		maxLen := 0
		for j := 0; j < n; j++ {
			maxLen = max(maxLen, len(args[i+2*j+1]))
		}
		encKnown = true
		skiplist = n > zsetMaxListpackEntries || maxLen > zsetMaxListpackValue
		if skiplist {
			if err := c.elemPut(r.ID, zEncMarker, nil); err != nil {
				return err
			}
		}
	}
	isSkiplist := func(score float64) (bool, error) {
		if score != 0 || !math.Signbit(score) {
			return false, nil // only -0 depends on the encoding
		}
		if !encKnown {
			encKnown = true
			var err error
			if skiplist, err = c.zIsSkiplist(r); err != nil {
				return false, err
			}
		}
		return skiplist, nil
	}
	var added, updated, processed int64
	var score float64
	nan := false
	for j := 0; j < n; j++ {
		member := args[i+2*j+1]
		score = scores[j]
		cur, found, err := c.zScore(r.ID, member)
		if err != nil {
			return err
		}
		switch {
		case found:
			if nx {
				continue
			}
			if incr {
				score += cur
				if math.IsNaN(score) {
					nan = true
				}
			}
			if nan || lt && score >= cur || gt && score <= cur {
				continue
			}
			processed++
			if score != cur {
				sl, err := isSkiplist(score)
				if err != nil {
					return err
				}
				if err := c.zPut(r.ID, member, score, &cur, sl); err != nil {
					return err
				}
				updated++
			}
		case !xx:
			if !skiplist && (r.Count == zsetMaxListpackEntries || r.Count < zsetMaxListpackEntries && len(member) > zsetMaxListpackValue) {
				// Redis converts to a skiplist here, for good (past the
				// entries limit a set is one anyway: no marker needed).
				if err := c.elemPut(r.ID, zEncMarker, nil); err != nil {
					return err
				}
				encKnown, skiplist = true, true
			}
			sl, err := isSkiplist(score)
			if err != nil {
				return err
			}
			if err := c.zPut(r.ID, member, score, nil, sl); err != nil {
				return err
			}
			r.Count++
			added++
			processed++
		}
		if nan {
			break
		}
	}
	if added > 0 || updated > 0 {
		pp := &prev
		if !exists {
			pp = nil
		}
		if err := c.saveElements(key, &r, pp); err != nil {
			return err
		}
		// Redis replies first, then fires the event.
		if incr {
			defer c.notify(notifyZSet, "zincr", key)
		} else {
			defer c.notify(notifyZSet, "zadd", key)
		}
	}
	switch {
	case nan:
		c.W.Error(msgScoreNaN)
	case incr && processed > 0:
		c.W.Double(score)
	case incr:
		c.W.Null()
	case ch:
		c.W.Int(added + updated)
	default:
		c.W.Int(added)
	}
	return nil
}

// ---- single-member reads ----

// cmdZscore returns the score of a member of a sorted set.
// ZSCORE key member
// https://redis.io/commands/zscore
func cmdZscore(c *Ctx) error {
	r, ok, err := c.lookupType(c.Args[1], TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	if !ok {
		c.W.Null()
		return nil
	}
	s, found, err := c.zScore(r.ID, c.Args[2])
	if err != nil {
		return err
	}
	if !found {
		c.W.Null()
		return nil
	}
	c.W.Double(s)
	return nil
}

// cmdZmscore returns the scores of members of a sorted set.
// ZMSCORE key member [member ...]
// https://redis.io/commands/zmscore
func cmdZmscore(c *Ctx) error {
	r, ok, err := c.lookupType(c.Args[1], TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	members := c.Args[2:]
	c.W.Array(len(members))
	for _, m := range members {
		if !ok {
			c.W.Null()
			continue
		}
		s, found, err := c.zScore(r.ID, m)
		if err != nil {
			return err
		}
		if found {
			c.W.Double(s)
		} else {
			c.W.Null()
		}
	}
	return nil
}

// cmdZcard returns the number of members of a sorted set.
// ZCARD key
// https://redis.io/commands/zcard
func cmdZcard(c *Ctx) error {
	r, ok, err := c.lookupType(c.Args[1], TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	if !ok {
		c.W.Int(0)
		return nil
	}
	c.W.Int(r.Count)
	return nil
}

// cmdZrank returns the rank of a member in a sorted set, lowest score first.
// ZRANK key member
// https://redis.io/commands/zrank
func cmdZrank(c *Ctx) error { return zrankGeneric(c, false) }

// cmdZrevrank returns the rank of a member in a sorted set, highest score
// first.
// ZREVRANK key member
// https://redis.io/commands/zrevrank
func cmdZrevrank(c *Ctx) error { return zrankGeneric(c, true) }

func zrankGeneric(c *Ctx, reverse bool) error {
	r, ok, err := c.lookupType(c.Args[1], TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	if !ok {
		c.W.Null()
		return nil
	}
	member := c.Args[2]
	s, found, err := c.zScore(r.ID, member)
	if err != nil {
		return err
	}
	if !found {
		c.W.Null()
		return nil
	}
	rank, err := c.zRankOf(r.ID, zIndexSuffix(nil, s, member))
	if err != nil {
		return err
	}
	if reverse {
		rank = r.Count - 1 - rank
	}
	c.W.Int(rank)
	return nil
}

// ---- ZREM ----

// cmdZrem removes members from a sorted set.
// ZREM key member [member ...]
// https://redis.io/commands/zrem
func cmdZrem(c *Ctx) error {
	key := c.Args[1]
	r, ok, err := c.lookupType(key, TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	if !ok {
		c.W.Int(0)
		return nil
	}
	prev := r
	var deleted int64
	for _, m := range c.Args[2:] {
		s, found, err := c.zScore(r.ID, m)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		if err := c.zDel(r.ID, m, s); err != nil {
			return err
		}
		r.Count--
		deleted++
	}
	if deleted > 0 {
		c.notify(notifyZSet, "zrem", key)
		if _, err := c.saveCollection(key, &r, &prev); err != nil {
			return err
		}
	}
	c.W.Int(deleted)
	return nil
}

// ---- counting ----

// cmdZcount counts the members of a sorted set within a score range.
// ZCOUNT key min max
// https://redis.io/commands/zcount
func cmdZcount(c *Ctx) error {
	rg, ok := parseScoreRange(c.Args[2], c.Args[3])
	if !ok {
		c.W.Error(msgMinMaxNotFloat)
		return nil
	}
	r, ok, err := c.lookupType(c.Args[1], TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	var n int64
	if ok {
		if n, err = c.zCountScore(r.ID, &rg); err != nil {
			return err
		}
	}
	c.W.Int(n)
	return nil
}

// cmdZlexcount counts the members of a sorted set within a lexicographical
// range.
// ZLEXCOUNT key min max
// https://redis.io/commands/zlexcount
func cmdZlexcount(c *Ctx) error {
	rg, ok := parseLexRange(c.Args[2], c.Args[3])
	if !ok {
		c.W.Error(msgMinMaxNotString)
		return nil
	}
	r, ok, err := c.lookupType(c.Args[1], TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	var n int64
	if ok {
		err = c.zScanLex(r.ID, &rg, false, func([]byte, float64) bool { n++; return true })
		if err != nil {
			return err
		}
	}
	c.W.Int(n)
	return nil
}

// ---- ZRANGE and its variants ----

type zRangeType int

const (
	zRangeAuto zRangeType = iota
	zRangeRank
	zRangeScore
	zRangeLex
)

type zDirection int

const (
	zDirAuto zDirection = iota
	zDirForward
	zDirReverse
)

// cmdZrange returns members of a sorted set within a range of indexes,
// scores or lexicographical values.
// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
// https://redis.io/commands/zrange
func cmdZrange(c *Ctx) error { return zrangeGeneric(c, 1, false, zRangeAuto, zDirAuto) }

// cmdZrangestore stores a range of members of a sorted set in a key.
// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
// https://redis.io/commands/zrangestore
func cmdZrangestore(c *Ctx) error { return zrangeGeneric(c, 2, true, zRangeAuto, zDirAuto) }

// cmdZrangebyscore returns members of a sorted set within a score range.
// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
// https://redis.io/commands/zrangebyscore
func cmdZrangebyscore(c *Ctx) error { return zrangeGeneric(c, 1, false, zRangeScore, zDirForward) }

// cmdZrevrangebyscore returns members of a sorted set within a score
// range, highest score first.
// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
// https://redis.io/commands/zrevrangebyscore
func cmdZrevrangebyscore(c *Ctx) error {
	return zrangeGeneric(c, 1, false, zRangeScore, zDirReverse)
}

// cmdZrangebylex returns members of a sorted set within a lexicographical
// range.
// ZRANGEBYLEX key min max [LIMIT offset count]
// https://redis.io/commands/zrangebylex
func cmdZrangebylex(c *Ctx) error { return zrangeGeneric(c, 1, false, zRangeLex, zDirForward) }

// cmdZrevrangebylex returns members of a sorted set within a
// lexicographical range, in reverse order.
// ZREVRANGEBYLEX key max min [LIMIT offset count]
// https://redis.io/commands/zrevrangebylex
func cmdZrevrangebylex(c *Ctx) error { return zrangeGeneric(c, 1, false, zRangeLex, zDirReverse) }

// cmdZrevrange returns members of a sorted set within a range of indexes,
// highest score first.
// ZREVRANGE key start stop [WITHSCORES]
// https://redis.io/commands/zrevrange
func cmdZrevrange(c *Ctx) error { return zrangeGeneric(c, 1, false, zRangeRank, zDirReverse) }

// zrangeGeneric is Redis's zrangeGenericCommand: the arguments start at
// argStart (the source key), store writes the result to c.Args[1].
func zrangeGeneric(c *Ctx, argStart int, store bool, typ zRangeType, dir zDirection) error {
	args := c.Args
	src := args[argStart]
	minIdx, maxIdx := argStart+1, argStart+2
	var withScores bool
	var offset, limit int64 = 0, -1
	for j := argStart + 3; j < len(args); j++ {
		left := len(args) - j - 1
		opt := strings.ToLower(string(args[j]))
		switch {
		case !store && opt == "withscores":
			withScores = true
		case opt == "limit" && left >= 2:
			var ok bool
			if offset, ok = parseLongLong(args[j+1]); !ok {
				c.W.Error(msgNotInt)
				return nil
			}
			if limit, ok = parseLongLong(args[j+2]); !ok {
				c.W.Error(msgNotInt)
				return nil
			}
			j += 2
		case dir == zDirAuto && opt == "rev":
			dir = zDirReverse
		case typ == zRangeAuto && opt == "bylex":
			typ = zRangeLex
		case typ == zRangeAuto && opt == "byscore":
			typ = zRangeScore
		default:
			c.W.Error(msgSyntax)
			return nil
		}
	}
	if dir == zDirAuto {
		dir = zDirForward
	}
	if typ == zRangeAuto {
		typ = zRangeRank
	}
	if limit != -1 && typ == zRangeRank {
		c.W.Error(msgLimitRank)
		return nil
	}
	if withScores && typ == zRangeLex {
		c.W.Error(msgWithScoresLex)
		return nil
	}
	reverse := dir == zDirReverse
	if reverse && typ != zRangeRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	var start, end int64
	var srange zScoreRange
	var lrange zLexRange
	switch typ {
	case zRangeRank:
		var ok bool
		if start, ok = parseLongLong(args[minIdx]); ok {
			end, ok = parseLongLong(args[maxIdx])
		}
		if !ok {
			c.W.Error(msgNotInt)
			return nil
		}
	case zRangeScore:
		var ok bool
		if srange, ok = parseScoreRange(args[minIdx], args[maxIdx]); !ok {
			c.W.Error(msgMinMaxNotFloat)
			return nil
		}
	case zRangeLex:
		var ok bool
		if lrange, ok = parseLexRange(args[minIdx], args[maxIdx]); !ok {
			c.W.Error(msgMinMaxNotString)
			return nil
		}
	}
	r, ok, err := c.lookupType(src, TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	var es []zEntry
	if ok {
		switch typ {
		case zRangeRank:
			if s, e, ok := zRankRange(start, end, r.Count); ok {
				es, err = c.zRankEntries(r.ID, s, e, r.Count, reverse)
			}
		case zRangeScore:
			err = c.zScanScore(r.ID, &srange, reverse, zLimit(&es, offset, limit))
		case zRangeLex:
			err = c.zScanLex(r.ID, &lrange, reverse, zLimit(&es, offset, limit))
		}
		if err != nil {
			return err
		}
	}
	if store {
		return c.zStore(args[1], es, "zrangestore")
	}
	c.zReplyEntries(es, withScores)
	return nil
}

// zLimit collects entries after LIMIT offset count as Redis counts them: a
// negative offset skips everything, a negative count takes all the rest.
func zLimit(out *[]zEntry, offset, limit int64) func([]byte, float64) bool {
	if offset < 0 || limit == 0 {
		return func([]byte, float64) bool { return false }
	}
	return zCollect(out, offset, limit)
}

// ---- ZREMRANGEBY* ----

// cmdZremrangebyrank removes the members of a sorted set within a range of
// indexes.
// ZREMRANGEBYRANK key start stop
// https://redis.io/commands/zremrangebyrank
func cmdZremrangebyrank(c *Ctx) error { return zremrangeGeneric(c, zRangeRank) }

// cmdZremrangebyscore removes the members of a sorted set within a score
// range.
// ZREMRANGEBYSCORE key min max
// https://redis.io/commands/zremrangebyscore
func cmdZremrangebyscore(c *Ctx) error { return zremrangeGeneric(c, zRangeScore) }

// cmdZremrangebylex removes the members of a sorted set within a
// lexicographical range.
// ZREMRANGEBYLEX key min max
// https://redis.io/commands/zremrangebylex
func cmdZremrangebylex(c *Ctx) error { return zremrangeGeneric(c, zRangeLex) }

func zremrangeGeneric(c *Ctx, typ zRangeType) error {
	key := c.Args[1]
	var start, end int64
	var srange zScoreRange
	var lrange zLexRange
	var event string
	switch typ {
	case zRangeRank:
		event = "zremrangebyrank"
		var ok bool
		if start, ok = parseLongLong(c.Args[2]); ok {
			end, ok = parseLongLong(c.Args[3])
		}
		if !ok {
			c.W.Error(msgNotInt)
			return nil
		}
	case zRangeScore:
		event = "zremrangebyscore"
		var ok bool
		if srange, ok = parseScoreRange(c.Args[2], c.Args[3]); !ok {
			c.W.Error(msgMinMaxNotFloat)
			return nil
		}
	case zRangeLex:
		event = "zremrangebylex"
		var ok bool
		if lrange, ok = parseLexRange(c.Args[2], c.Args[3]); !ok {
			c.W.Error(msgMinMaxNotString)
			return nil
		}
	}
	r, ok, err := c.lookupType(key, TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	if !ok {
		c.W.Int(0)
		return nil
	}
	var es []zEntry
	switch typ {
	case zRangeRank:
		if s, e, ok := zRankRange(start, end, r.Count); ok {
			es, err = c.zRankEntries(r.ID, s, e, r.Count, false)
		}
	case zRangeScore:
		err = c.zScanScore(r.ID, &srange, false, zCollect(&es, 0, -1))
	case zRangeLex:
		err = c.zScanLex(r.ID, &lrange, false, zCollect(&es, 0, -1))
	}
	if err != nil {
		return err
	}
	if err := c.zRemoveEntries(key, r, es, event); err != nil {
		return err
	}
	c.W.Int(int64(len(es)))
	return nil
}

// zRemoveEntries deletes es from zset key (record r), fires event and
// deletes the key when it empties.
func (c *Ctx) zRemoveEntries(key []byte, r Record, es []zEntry, event string) error {
	if len(es) == 0 {
		return nil
	}
	prev := r
	for _, e := range es {
		if err := c.zDel(r.ID, e.member, e.score); err != nil {
			return err
		}
	}
	r.Count -= int64(len(es))
	if event != "" {
		c.notify(notifyZSet, event, key)
	}
	_, err := c.saveCollection(key, &r, &prev)
	return err
}

// ---- popping ----

// cmdZpopmin removes and returns the members with the lowest scores.
// ZPOPMIN key [count]
// https://redis.io/commands/zpopmin
func cmdZpopmin(c *Ctx) error { return zpopMinMax(c, false) }

// cmdZpopmax removes and returns the members with the highest scores.
// ZPOPMAX key [count]
// https://redis.io/commands/zpopmax
func cmdZpopmax(c *Ctx) error { return zpopMinMax(c, true) }

func zpopMinMax(c *Ctx, max bool) error {
	if len(c.Args) > 3 {
		c.W.Error(msgSyntax)
		return nil
	}
	count := int64(-1)
	if len(c.Args) == 3 {
		n, ok := parseLongLong(c.Args[2])
		if !ok || n < 0 {
			c.W.Error(msgValueOutOfRange)
			return nil
		}
		count = n
	}
	nested := c.W.Proto > 2 && count != -1
	_, err := c.zpop(c.Args[1:2], max, false, count, nested, false)
	return err
}

// zpop is Redis's genericZpopCommand: it pops up to count members (-1: one,
// flat reply) from the first non-empty key of keys. emitKey puts the key in
// the reply (BZPOP*, ZMPOP); nested replies [member, score] pairs; nilEmpty
// replies a null array rather than an empty one when no key exists. It
// reports whether it found a key.
func (c *Ctx) zpop(keys [][]byte, max, emitKey bool, count int64, nested, nilEmpty bool) (bool, error) {
	var key []byte
	var r Record
	found := false
	for _, k := range keys {
		rec, ok, err := c.lookupType(k, TypeZSet)
		if err != nil {
			return true, c.fail(err)
		}
		if ok {
			key, r, found = k, rec, true
			break
		}
	}
	if !found {
		if nilEmpty {
			c.W.NullArray()
		} else {
			c.W.Array(0)
		}
		return false, nil
	}
	if count == 0 {
		c.W.Array(0)
		return true, nil
	}
	if count == -1 {
		count = 1
	}
	var es []zEntry
	if err := c.zScan(r.ID, nil, nil, max, zCollect(&es, 0, count)); err != nil {
		return true, err
	}
	n := len(es)
	switch {
	case !nested && !emitKey:
		c.W.Array(2 * n)
	case nested && !emitKey:
		c.W.Array(n)
	case !nested && emitKey:
		c.W.Array(2*n + 1)
		c.W.Bulk(key)
	default:
		c.W.Array(2)
		c.W.Bulk(key)
		c.W.Array(n)
	}
	// Redis fires the event before the first member's reply, inside the
	// array, and the del event (if any) after the last.
	event := "zpopmin"
	if max {
		event = "zpopmax"
	}
	if n > 0 {
		c.notify(notifyZSet, event, key)
	}
	for _, e := range es {
		if nested {
			c.W.Array(2)
		}
		c.W.Bulk(e.member)
		c.W.Double(e.score)
	}
	return true, c.zRemoveEntries(key, r, es, "")
}

// cmdZmpop pops members from the first non-empty sorted set of keys.
// ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]
// https://redis.io/commands/zmpop
func cmdZmpop(c *Ctx) error { return zmpopGeneric(c, 1, false) }

// cmdBzmpop is ZMPOP that blocks while every set is empty.
// BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]
// https://redis.io/commands/bzmpop
func cmdBzmpop(c *Ctx) error { return zmpopGeneric(c, 2, true) }

func zmpopGeneric(c *Ctx, numIdx int, block bool) error {
	args := c.Args
	numkeys, ok := parseLongLong(args[numIdx])
	if !ok || numkeys < 1 {
		c.W.Error(msgNumKeys)
		return nil
	}
	whereIdx := int64(numIdx) + numkeys + 1
	if whereIdx >= int64(len(args)) {
		c.W.Error(msgSyntax)
		return nil
	}
	var max bool
	switch strings.ToLower(string(args[whereIdx])) {
	case "min":
	case "max":
		max = true
	default:
		c.W.Error(msgSyntax)
		return nil
	}
	count := int64(-1)
	for j := int(whereIdx) + 1; j < len(args); j++ {
		more := len(args) - 1 - j
		if count == -1 && strings.EqualFold(string(args[j]), "count") && more > 0 {
			j++
			n, ok := parseLongLong(args[j])
			if !ok || n < 1 {
				c.W.Error(msgCountPositive)
				return nil
			}
			count = n
		} else {
			c.W.Error(msgSyntax)
			return nil
		}
	}
	if count == -1 {
		count = 1
	}
	keys := args[numIdx+1 : whereIdx]
	if block {
		return c.zBlockingPop(keys, max, 1, count, true, true)
	}
	_, err := c.zpop(keys, max, true, count, true, true)
	return err
}

// cmdBzpopmin is ZPOPMIN over several keys that blocks while they are all
// empty.
// BZPOPMIN key [key ...] timeout
// https://redis.io/commands/bzpopmin
func cmdBzpopmin(c *Ctx) error {
	return c.zBlockingPop(c.Args[1:len(c.Args)-1], false, len(c.Args)-1, -1, false, false)
}

// cmdBzpopmax is ZPOPMAX over several keys that blocks while they are all
// empty.
// BZPOPMAX key [key ...] timeout
// https://redis.io/commands/bzpopmax
func cmdBzpopmax(c *Ctx) error {
	return c.zBlockingPop(c.Args[1:len(c.Args)-1], true, len(c.Args)-1, -1, false, false)
}

// zBlockingPop is Redis's blockingGenericZpopCommand: it pops from the
// first non-empty key, or else leaves the decision to zWouldBlock.
func (c *Ctx) zBlockingPop(keys [][]byte, max bool, timeoutIdx int, count int64, nested, nilEmpty bool) error {
	timeout, msg := zParseTimeout(c.Args[timeoutIdx])
	if msg != "" {
		c.W.Error(msg)
		return nil
	}
	for _, k := range keys {
		_, ok, err := c.lookupType(k, TypeZSet)
		if err != nil {
			return c.fail(err)
		}
		if ok {
			_, err := c.zpop([][]byte{k}, max, true, count, nested, nilEmpty)
			return err
		}
	}
	return c.zWouldBlock(keys, timeout)
}

// zWouldBlock is where a blocking sorted set command finds every key
// empty: the session is parked on keys until one is written or timeoutMs
// (0: forever) passes; where it may not block (MULTI, a script, the
// deadline passed) it gets the timeout reply, a null array.
func (c *Ctx) zWouldBlock(keys [][]byte, timeoutMs int64) error {
	if !c.block(keys, timeoutMs) {
		c.W.NullArray()
	}
	return nil
}

// zParseTimeout parses a blocking timeout in seconds as Redis 7.0 does
// (strtold, then a cast of the milliseconds to long long: inf and values
// past its range come out negative); it returns milliseconds, or an error
// text.
func zParseTimeout(b []byte) (int64, string) {
	s := string(b)
	if s == "" || strings.IndexAny(s[:1], " \t\n\v\f\r") == 0 {
		return 0, msgTimeout
	}
	f, ok := strtod(s)
	if !ok || math.IsNaN(f) {
		return 0, msgTimeout
	}
	if overflow, underflow := math.IsInf(f, 0) && !strings.Contains(strings.ToLower(s), "inf"), f == 0 && zHasNonzeroDigit(s); overflow || underflow {
		// Out of a double's range: is it within a long double's?
		bf, st := parseLD(s)
		if st == ldSyntax || bf.inf {
			return 0, msgTimeout
		}
		exp := bf.binExp()
		if overflow && exp > longDoubleMaxExp || underflow && exp < longDoubleMinExp {
			return 0, msgTimeout
		}
		if underflow {
			return 1, "" // a fraction of a millisecond, rounded up
		}
	}
	ms := f * 1000
	if ms < 0 || ms >= math.MaxInt64 || math.IsInf(ms, 0) {
		return 0, msgTimeoutNegative
	}
	return int64(math.Ceil(ms)), ""
}

// ---- ZRANDMEMBER ----

// cmdZrandmember returns random members of a sorted set.
// ZRANDMEMBER key [count [WITHSCORES]]
// https://redis.io/commands/zrandmember
func cmdZrandmember(c *Ctx) error {
	args := c.Args
	if len(args) >= 3 {
		l, ok := parseLongLong(args[2])
		if !ok {
			c.W.Error(msgNotInt)
			return nil
		}
		if l == math.MinInt64 {
			c.W.Error(msgOutOfRangeLong)
			return nil
		}
		withScores := false
		if len(args) > 4 || len(args) == 4 && !strings.EqualFold(string(args[3]), "withscores") {
			c.W.Error(msgSyntax)
			return nil
		}
		if len(args) == 4 {
			withScores = true
			if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
				c.W.Error(msgCountOutOfRange)
				return nil
			}
		}
		return zrandmemberCount(c, l, withScores)
	}
	r, ok, err := c.lookupType(args[1], TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	if !ok {
		c.W.Null()
		return nil
	}
	es, err := c.zRandom(r, 1, false)
	if err != nil {
		return err
	}
	if len(es) == 0 {
		c.W.Null()
		return nil
	}
	c.W.Bulk(es[0].member)
	return nil
}

// zrandmemberCount serves ZRANDMEMBER with a count: a negative count may
// repeat members; a count at least the set's size returns the whole set,
// highest score first, as Redis 7.0 does.
func zrandmemberCount(c *Ctx, l int64, withScores bool) error {
	r, ok, err := c.lookupType(c.Args[1], TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	if !ok || l == 0 {
		c.W.Array(0)
		return nil
	}
	if l < 0 {
		// Picks may repeat and their number is the client's: reply in
		// batches rather than holding them all.
		n := -l
		if withScores && c.W.Proto == 2 {
			c.W.Array(int(2 * n))
		} else {
			c.W.Array(int(n))
		}
		for n > 0 {
			es, err := c.zRandom(r, min(n, zSmallRandom), false)
			if err != nil {
				return err
			}
			if len(es) == 0 {
				return corruptError{c.Args[1]} // a record counting members it has not
			}
			for _, e := range es {
				if withScores && c.W.Proto > 2 {
					c.W.Array(2)
				}
				c.W.Bulk(e.member)
				if withScores {
					c.W.Double(e.score)
				}
			}
			n -= int64(len(es))
		}
		return nil
	}
	var es []zEntry
	if l >= r.Count {
		err = c.zScan(r.ID, nil, nil, true, zCollect(&es, 0, -1))
	} else {
		es, err = c.zRandom(r, l, true)
	}
	if err != nil {
		return err
	}
	c.zReplyEntries(es, withScores)
	return nil
}

// zSmallRandom is the size up to which random picks read the whole set
// and choose exactly uniformly.
const zSmallRandom = 1024

// zRandom picks n random members of zset r; distinct asks for n different
// ones (n < r.Count). In a large set each pick is a probe at a random point
// between the first and last member names, so its cost does not grow with
// the set (the choice is then only roughly uniform).
func (c *Ctx) zRandom(r Record, n int64, distinct bool) ([]zEntry, error) {
	rng := c.E.Random()
	if r.Count <= zSmallRandom || distinct && n*3 >= r.Count {
		var all []zEntry
		if err := c.zScan(r.ID, nil, nil, false, zCollect(&all, 0, -1)); err != nil {
			return nil, err
		}
		if distinct {
			rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
			return all[:n], nil
		}
		out := make([]zEntry, n)
		for i := range out {
			out[i] = all[rng.IntN(len(all))]
		}
		return out, nil
	}
	tx, err := c.Tx()
	if err != nil {
		return nil, err
	}
	p := zMemberKey(nil, r.ID, nil)
	end := prefixEnd(p)
	var serr error
	// edge returns the first member in [from, end), or with reverse the
	// last one in [p, from).
	edge := func(from []byte, reverse bool) (zEntry, bool) {
		var e zEntry
		found := false
		lo, hi := from, end
		if reverse {
			lo, hi = p, from
		}
		err := tx.Scan(lo, hi, reverse, func(k, v []byte) bool {
			if len(v) == 8 {
				e = zEntry{append([]byte(nil), k[len(p):]...), math.Float64frombits(binary.BigEndian.Uint64(v))}
				found = true
			}
			return false
		})
		if err != nil {
			serr = err
		}
		return e, found
	}
	first, ok1 := edge(p, false)
	last, ok2 := edge(end, true)
	if !ok1 || !ok2 || serr != nil {
		return nil, serr
	}
	// pick descends the member names a byte at a time: at each level it
	// picks a byte between those of the first and last member under the
	// prefix so far, then narrows to the members under the longer prefix.
	pick := func() zEntry {
		lo, hi := first, last
		for depth := 0; depth < 64 && serr == nil; depth++ {
			if bytes.Equal(lo.member, hi.member) {
				return lo
			}
			cp := 0
			for cp < len(lo.member) && cp < len(hi.member) && lo.member[cp] == hi.member[cp] {
				cp++
			}
			if cp == len(lo.member) { // lo is the prefix itself: one more choice
				next, ok := edge(append(append(append([]byte(nil), p...), lo.member...), 0), false)
				if !ok {
					return lo
				}
				if rng.IntN(int(hi.member[cp])-int(next.member[cp])+2) == 0 {
					return lo
				}
				lo = next
			}
			b := int(lo.member[cp]) + rng.IntN(int(hi.member[cp])-int(lo.member[cp])+1)
			prefix := append(append(append([]byte(nil), p...), lo.member[:cp]...), byte(b))
			nlo, ok := edge(prefix, false)
			if !ok || !bytes.HasPrefix(nlo.member, prefix[len(p):]) {
				if ok {
					return nlo // no member under that byte: take the next one
				}
				return hi
			}
			nhi, _ := edge(prefixEnd(prefix), true)
			lo, hi = nlo, nhi
		}
		return lo
	}
	out := make([]zEntry, 0, n)
	seen := map[string]bool{}
	for tries := int64(0); int64(len(out)) < n; tries++ {
		if distinct && tries > 20*n {
			break // unlucky: complete from a full read below
		}
		e := pick()
		if distinct {
			if seen[string(e.member)] {
				continue
			}
			seen[string(e.member)] = true
		}
		out = append(out, e)
	}
	if serr != nil {
		return nil, serr
	}
	if int64(len(out)) < n {
		err := c.zScan(r.ID, nil, nil, false, func(m []byte, s float64) bool {
			if !seen[string(m)] {
				out = append(out, zEntry{append([]byte(nil), m...), s})
			}
			return int64(len(out)) < n
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ---- set algebra ----

// zSource is one input of ZUNION/ZINTER/ZDIFF: a sorted set, a plain set
// (members score 1) or a missing key.
type zSource struct {
	r      Record
	exists bool
	weight float64
}

// each calls fn for every member of the source with its score.
func (c *Ctx) zSourceEach(s *zSource, fn func(m []byte, score float64) bool) error {
	if !s.exists {
		return nil
	}
	if s.r.Type == TypeZSet {
		return c.zScan(s.r.ID, nil, nil, false, fn)
	}
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	p := elemPrefix(s.r.ID)
	return tx.Scan(p, prefixEnd(p), false, func(k, _ []byte) bool {
		return fn(k[len(p):], 1)
	})
}

// zSourceAll returns copies of the source's members and scores.
func (c *Ctx) zSourceAll(s *zSource) ([]zEntry, error) {
	var out []zEntry
	err := c.zSourceEach(s, zCollect(&out, 0, -1))
	return out, err
}

// zSourceFind returns member's score in the source.
func (c *Ctx) zSourceFind(s *zSource, member []byte) (float64, bool, error) {
	if !s.exists {
		return 0, false, nil
	}
	if s.r.Type == TypeZSet {
		return c.zScore(s.r.ID, member)
	}
	tx, err := c.Tx()
	if err != nil {
		return 0, false, err
	}
	c.ekey = elemKey(c.ekey, s.r.ID, member)
	_, ok, err := tx.Get(c.ekey)
	return 1, ok, err
}

const (
	zAggrSum = iota
	zAggrMin
	zAggrMax
)

func zAggregate(target *float64, v float64, aggr int) {
	switch aggr {
	case zAggrSum:
		*target += v
		if math.IsNaN(*target) {
			*target = 0
		}
	case zAggrMin:
		if v < *target {
			*target = v
		}
	case zAggrMax:
		if v > *target {
			*target = v
		}
	}
}

const (
	zOpUnion = iota
	zOpInter
	zOpDiff
)

// cmdZunion returns the union of sorted sets (and sets).
// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
// https://redis.io/commands/zunion
func cmdZunion(c *Ctx) error { return zsetOpGeneric(c, nil, 1, zOpUnion, false) }

// cmdZinter returns the intersection of sorted sets (and sets).
// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]
// https://redis.io/commands/zinter
func cmdZinter(c *Ctx) error { return zsetOpGeneric(c, nil, 1, zOpInter, false) }

// cmdZdiff returns the members of the first sorted set that are in none of
// the others.
// ZDIFF numkeys key [key ...] [WITHSCORES]
// https://redis.io/commands/zdiff
func cmdZdiff(c *Ctx) error { return zsetOpGeneric(c, nil, 1, zOpDiff, false) }

// cmdZunionstore stores the union of sorted sets (and sets) in a key.
// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
// https://redis.io/commands/zunionstore
func cmdZunionstore(c *Ctx) error { return zsetOpGeneric(c, c.Args[1], 2, zOpUnion, false) }

// cmdZinterstore stores the intersection of sorted sets (and sets) in a
// key.
// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]
// https://redis.io/commands/zinterstore
func cmdZinterstore(c *Ctx) error { return zsetOpGeneric(c, c.Args[1], 2, zOpInter, false) }

// cmdZdiffstore stores the difference of sorted sets in a key.
// ZDIFFSTORE destination numkeys key [key ...]
// https://redis.io/commands/zdiffstore
func cmdZdiffstore(c *Ctx) error { return zsetOpGeneric(c, c.Args[1], 2, zOpDiff, false) }

// cmdZintercard returns the number of members in the intersection of
// sorted sets (and sets).
// ZINTERCARD numkeys key [key ...] [LIMIT limit]
// https://redis.io/commands/zintercard
func cmdZintercard(c *Ctx) error { return zsetOpGeneric(c, nil, 1, zOpInter, true) }

// zsetOpGeneric is Redis's zunionInterDiffGenericCommand.
func zsetOpGeneric(c *Ctx, dst []byte, numIdx, op int, cardOnly bool) error {
	args := c.Args
	setnum, ok := parseLongLong(args[numIdx])
	if !ok {
		c.W.Error(msgNotInt)
		return nil
	}
	if setnum < 1 {
		c.W.Error(format(msgAtLeastOneKey, c.Cmd.Name))
		return nil
	}
	if setnum > int64(len(args)-(numIdx+1)) {
		c.W.Error(msgSyntax)
		return nil
	}
	src := make([]zSource, setnum)
	j := numIdx + 1
	for i := range src {
		r, ok, err := c.lookup(args[j])
		if err != nil {
			return err
		}
		if ok && r.Type != TypeZSet && r.Type != TypeSet {
			c.W.Error(msgWrongType)
			return nil
		}
		src[i] = zSource{r: r, exists: ok, weight: 1}
		j++
	}
	aggr := zAggrSum
	withScores := false
	var limit int64
	for j < len(args) {
		remaining := len(args) - j
		opt := strings.ToLower(string(args[j]))
		switch {
		case op != zOpDiff && !cardOnly && remaining >= int(setnum)+1 && opt == "weights":
			j++
			for i := range src {
				w, ok := parseFloatArg(args[j])
				if !ok {
					c.W.Error(msgWeightNotFloat)
					return nil
				}
				src[i].weight = w
				j++
			}
		case op != zOpDiff && !cardOnly && remaining >= 2 && opt == "aggregate":
			switch strings.ToLower(string(args[j+1])) {
			case "sum":
				aggr = zAggrSum
			case "min":
				aggr = zAggrMin
			case "max":
				aggr = zAggrMax
			default:
				c.W.Error(msgSyntax)
				return nil
			}
			j += 2
		case dst == nil && !cardOnly && opt == "withscores":
			withScores = true
			j++
		case cardOnly && remaining >= 2 && opt == "limit":
			n, ok := parseLongLong(args[j+1])
			if !ok || n < 0 {
				c.W.Error(msgLimitNegative)
				return nil
			}
			limit = n
			j += 2
		default:
			c.W.Error(msgSyntax)
			return nil
		}
	}
	if op != zOpDiff {
		sort.SliceStable(src, func(a, b int) bool { return zSourceLen(&src[a]) < zSourceLen(&src[b]) })
	}
	var es []zEntry
	var card int64
	switch op {
	case zOpInter:
		if zSourceLen(&src[0]) == 0 {
			break
		}
		// Read the smallest input first: lookups happen outside the scan.
		first, err := c.zSourceAll(&src[0])
		if err != nil {
			return err
		}
	inter:
		for _, e := range first {
			score := src[0].weight * e.score
			if math.IsNaN(score) {
				score = 0
			}
			for i := 1; i < len(src); i++ {
				v, ok, err := c.zSourceFind(&src[i], e.member)
				if err != nil {
					return err
				}
				if !ok {
					continue inter
				}
				zAggregate(&score, v*src[i].weight, aggr)
			}
			if cardOnly {
				card++
				if limit != 0 && card >= limit {
					break
				}
				continue
			}
			es = append(es, zEntry{e.member, score})
		}
	case zOpUnion:
		acc := map[string]int{}
		for i := range src {
			err := c.zSourceEach(&src[i], func(m []byte, s float64) bool {
				score := src[i].weight * s
				if math.IsNaN(score) {
					score = 0
				}
				if k, ok := acc[string(m)]; ok {
					zAggregate(&es[k].score, score, aggr)
				} else {
					acc[string(m)] = len(es)
					es = append(es, zEntry{append([]byte(nil), m...), score})
				}
				return true
			})
			if err != nil {
				return err
			}
		}
	case zOpDiff:
		first, err := c.zSourceAll(&src[0])
		if err != nil {
			return err
		}
	diff:
		for _, e := range first {
			for i := 1; i < len(src); i++ {
				_, ok, err := c.zSourceFind(&src[i], e.member)
				if err != nil {
					return err
				}
				if ok {
					continue diff
				}
			}
			es = append(es, e)
		}
	}
	if cardOnly {
		c.W.Int(card)
		return nil
	}
	sort.Slice(es, func(a, b int) bool {
		if es[a].score != es[b].score {
			return es[a].score < es[b].score
		}
		return bytes.Compare(es[a].member, es[b].member) < 0
	})
	if dst != nil {
		event := [...]string{"zunionstore", "zinterstore", "zdiffstore"}[op]
		return c.zStore(dst, es, event)
	}
	c.zReplyEntries(es, withScores)
	return nil
}

func zSourceLen(s *zSource) int64 {
	if !s.exists {
		return 0
	}
	return s.r.Count
}

// ---- ZSCAN ----

// cmdZscan iterates the members and scores of a sorted set.
// ZSCAN key cursor [MATCH pattern] [COUNT count]
// https://redis.io/commands/zscan
func cmdZscan(c *Ctx) error {
	cur, ok := parseElemCursor(c.Args[2])
	if !ok {
		c.W.Error(msgInvalidCursor)
		return nil
	}
	r, ok, err := c.lookupType(c.Args[1], TypeZSet)
	if err != nil {
		return c.fail(err)
	}
	if !ok {
		c.emptyScan()
		return nil
	}
	o, msg := parseElemScanOptions(c.Args[3:])
	if msg != "" {
		c.W.Error(msg)
		return nil
	}
	large, err := c.zIsSkiplist(r)
	if err != nil {
		return err
	}
	var es []zEntry
	var next uint64
	if !large {
		if err := c.zScan(r.ID, nil, nil, false, zCollect(&es, 0, -1)); err != nil {
			return err
		}
	} else {
		// Large sets walk the members in name order; the cursor is the
		// SCAN-family one of collection.go, over the member names.
		tx, err := c.Tx()
		if err != nil {
			return err
		}
		p := zMemberKey(nil, r.ID, nil)
		start := append(append([]byte(nil), p...), cursorStart(cur)...)
		seen := 0
		err = tx.Scan(start, prefixEnd(p), false, func(k, v []byte) bool {
			m := k[len(p):]
			if seen >= o.count {
				if nc := cursorFor(m); nc > cur {
					next = nc
					return false
				}
			}
			seen++
			if len(v) == 8 {
				es = append(es, zEntry{append([]byte(nil), m...), math.Float64frombits(binary.BigEndian.Uint64(v))})
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	c.W.Array(2)
	c.W.BulkString(strconv.FormatUint(next, 10))
	n := 0
	for _, e := range es {
		if o.match(e.member) {
			n++
		}
	}
	c.W.Array(2 * n)
	var tmp [32]byte
	for _, e := range es {
		if o.match(e.member) {
			c.W.Bulk(e.member)
			c.W.Bulk(appendScoreString(tmp[:0], e.score, large))
		}
	}
	return nil
}

// appendScoreString formats a score as ZSCAN replies it, a bulk string in
// both protocols. A small set answers as Redis 7.0 keeps scores in a
// listpack (d2string): an integral value within ±LLONG_MAX/2 as an
// integer, else %.17g; a large one (a skiplist in Redis) always %.17g.
func appendScoreString(b []byte, f float64, large bool) []byte {
	const half = float64(math.MaxInt64 / 2)
	if !large && f >= -half && f <= half && f == float64(int64(f)) {
		return strconv.AppendInt(b, int64(f), 10)
	}
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', 17, 64)
}
