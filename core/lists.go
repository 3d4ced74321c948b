package core

// List commands.
// https://redis.io/commands/?group=list
//
// A list is a record (TypeList) holding its id, length and the sequence
// numbers [Head, Tail) its elements occupy; element i lives at sequence
// number Head+i under elemKey(id, listSeq(Head+i)). Pushing or popping at
// either end and LINDEX/LSET touch O(1) pages; LINSERT, LREM and LTRIM
// shift or drop elements, O(n) as in Redis.

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
)

func init() {
	register(map[string]Handler{
		"lpush":      cmdLPush,
		"rpush":      cmdRPush,
		"lpushx":     cmdLPushX,
		"rpushx":     cmdRPushX,
		"lpop":       cmdLPop,
		"rpop":       cmdRPop,
		"llen":       cmdLLen,
		"lrange":     cmdLRange,
		"lindex":     cmdLIndex,
		"lset":       cmdLSet,
		"linsert":    cmdLInsert,
		"lrem":       cmdLRem,
		"ltrim":      cmdLTrim,
		"lpos":       cmdLPos,
		"lmove":      cmdLMove,
		"rpoplpush":  cmdRPopLPush,
		"lmpop":      cmdLMPop,
		"blpop":      cmdBLPop,
		"brpop":      cmdBRPop,
		"blmove":     cmdBLMove,
		"brpoplpush": cmdBRPopLPush,
		"blmpop":     cmdBLMPop,
	})
}

// Where a list operation happens.
const (
	listHead = 0
	listTail = 1
)

// ---- layout ----

// listSeqKey is the store key of the list element at sequence number seq:
// seq is stored as (seq XOR 1<<63) big-endian, so that negative sequence
// numbers (from pushes at the head) sort before positive ones.
func listSeqKey(buf []byte, id uint64, seq int64) []byte {
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], uint64(seq)^(1<<63))
	return elemKey(buf, id, s[:])
}

// listSeqOf decodes the sequence number of an element's store key.
func listSeqOf(k []byte) int64 {
	return int64(binary.BigEndian.Uint64(k[len(k)-8:]) ^ (1 << 63))
}

// listGet returns a copy of element i (0-based from the head) of list r.
func (c *Ctx) listGet(r *Record, i int64) ([]byte, error) {
	tx, err := c.Tx()
	if err != nil {
		return nil, err
	}
	c.ekey = listSeqKey(c.ekey, r.ID, r.Head+i)
	v, ok, err := tx.Get(c.ekey)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, corruptError{[]byte("list element")}
	}
	return append([]byte(nil), v...), nil
}

func (c *Ctx) listPutSeq(id uint64, seq int64, v []byte) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	c.ekey = listSeqKey(c.ekey, id, seq)
	return tx.Put(c.ekey, v)
}

func (c *Ctx) listDeleteSeq(id uint64, seq int64) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	c.ekey = listSeqKey(c.ekey, id, seq)
	return tx.Delete(c.ekey)
}

// listPush adds v at one end of list r.
func (c *Ctx) listPush(r *Record, v []byte, where int) error {
	var seq int64
	if where == listHead {
		r.Head--
		seq = r.Head
	} else {
		seq = r.Tail
		r.Tail++
	}
	r.Count++
	return c.listPutSeq(r.ID, seq, v)
}

// listPop removes and returns the element at one end of the non-empty
// list r.
func (c *Ctx) listPop(r *Record, where int) ([]byte, error) {
	i := int64(0)
	if where == listTail {
		i = r.Count - 1
	}
	v, err := c.listGet(r, i)
	if err != nil {
		return nil, err
	}
	if where == listHead {
		err = c.listDeleteSeq(r.ID, r.Head)
		r.Head++
	} else {
		r.Tail--
		err = c.listDeleteSeq(r.ID, r.Tail)
	}
	r.Count--
	return v, err
}

// listPopBulk removes the element at one end of the non-empty list r and
// replies it as a bulk string (listPop without a copy).
func (c *Ctx) listPopBulk(r *Record, where int) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	seq := r.Head
	if where == listTail {
		seq = r.Tail - 1
	}
	c.ekey = listSeqKey(c.ekey, r.ID, seq)
	v, ok, err := tx.Get(c.ekey)
	if err != nil {
		return err
	}
	if !ok {
		return corruptError{[]byte("list element")}
	}
	c.W.Bulk(v) // before the delete, which may end v's validity
	if where == listHead {
		r.Head++
	} else {
		r.Tail--
	}
	r.Count--
	return tx.Delete(c.ekey)
}

// listScan calls fn with the elements of list r whose indexes are in
// [from, to] (0 <= from, to < Count), from the head or, reversed, from the
// tail, until fn returns false. fn's slice is valid during the call only
// and fn must not write.
func (c *Ctx) listScan(r *Record, from, to int64, reverse bool, fn func(i int64, v []byte) bool) error {
	if from > to {
		return nil
	}
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	const n = 1 + 8 + 8 // listSeqKey's length
	buf := c.scanBuf(2 * n)
	start := listSeqKey(buf[:0:n], r.ID, r.Head+from)
	end := listSeqKey(buf[n:n], r.ID, r.Head+to+1)
	head := r.Head
	c.scanning++
	err = tx.Scan(start, end, reverse, func(k, v []byte) bool {
		return fn(listSeqOf(k)-head, v)
	})
	c.scanning--
	return err
}

// listScanRaw calls fn with the store key and page of the elements of
// list r whose indexes are in [from, to], as listScan does.
func (c *Ctx) listScanRaw(r *Record, from, to int64, reverse bool, fn func(k, v []byte) bool) error {
	if from > to {
		return nil
	}
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	const n = 1 + 8 + 8 // listSeqKey's length
	buf := c.scanBuf(2 * n)
	start := listSeqKey(buf[:0:n], r.ID, r.Head+from)
	end := listSeqKey(buf[n:n], r.ID, r.Head+to+1)
	c.scanning++
	err = tx.Scan(start, end, reverse, fn)
	c.scanning--
	return err
}

// listValues returns copies of the elements of r with indexes in [from, to].
func (c *Ctx) listValues(r *Record, from, to int64) ([][]byte, error) {
	var out [][]byte
	if from <= to {
		out = make([][]byte, 0, to-from+1)
	}
	err := c.listScan(r, from, to, false, func(_ int64, v []byte) bool {
		out = append(out, append([]byte(nil), v...))
		return true
	})
	return out, err
}

// listSave writes back list key after its elements changed; an emptied
// list is deleted, firing "del" as Redis does. prev is the record as read,
// nil for a new key.
func (c *Ctx) listSave(key []byte, r *Record, prev *Record) error {
	if r.Count == 0 {
		if prev == nil {
			return nil
		}
		if err := c.deleteKey(key, *prev); err != nil {
			return err
		}
		c.notify(notifyGeneric, "del", key)
		return nil
	}
	return c.put(key, r, prev)
}

// newList returns the record of a new, empty list.
func (c *Ctx) newList() (Record, error) {
	id, err := c.newID()
	return Record{Type: TypeList, ID: id}, err
}

// lookupList returns key's list record; for another type it replies
// WRONGTYPE and reports handled.
func (c *Ctx) lookupList(key []byte) (r Record, ok bool, handled bool, err error) {
	r, ok, err = c.lookupType(key, TypeList)
	if err == errWrongType {
		c.W.Error(msgWrongType)
		return r, false, true, nil
	}
	return r, ok, err != nil, err
}

// ---- argument parsing ----

// listWhere parses LEFT or RIGHT.
func listWhere(b []byte) (int, bool) {
	switch {
	case strings.EqualFold(string(b), "left"):
		return listHead, true
	case strings.EqualFold(string(b), "right"):
		return listTail, true
	}
	return 0, false
}

// blockTimeout parses a blocking command's timeout in seconds exactly as
// Redis 7.0's getTimeoutFromObjectOrReply does (strtold, then a cast of
// the milliseconds to long long); it returns milliseconds (0: forever) or
// Redis's error text.
func blockTimeout(b []byte) (int64, string) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, msgTimeout
	}
	f, ok, _ := sortStrtod(string(b))
	if !ok || math.IsNaN(f) {
		return 0, msgTimeout
	}
	// Redis computes in long double, where what overflows or underflows a
	// float64 is still a number; 64 bits of mantissa, as on x86, give the
	// same truncation (-0.001 s is 0 ms there, not -1).
	var ms int64
	x, st := parseLD(strings.TrimLeft(string(b), "+"))
	switch {
	case st == ldSyntax || st == ldOverflow || x.inf:
		ms = math.MinInt64 // what C's conversion of an infinity yields
	case st == ldUnderflow:
		ms = 0
	default:
		n, exact := ldInt64(ldMul1000(x))
		if !exact && (n == math.MaxInt64 || n == math.MinInt64) {
			n = math.MinInt64 // C's conversion overflows the same way
		}
		ms = n
	}
	if ms < 0 {
		return 0, msgTimeoutNegative
	}
	return ms, ""
}

// sortStrtod parses s as C's strtod does when it must consume all of s:
// leading white space, an optional sign, a decimal or hexadecimal number,
// inf, infinity or nan. erange reports overflow or underflow (C's ERANGE),
// including results too small to be normal numbers.
func sortStrtod(s string) (f float64, ok bool, erange bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	if t == "" {
		// strtod converts nothing and its end pointer is at the end.
		return 0, s == "", false
	}
	body := strings.TrimLeft(t, "+-")
	if len(t)-len(body) > 1 {
		return 0, false, false
	}
	lb := strings.ToLower(body)
	switch {
	case lb == "inf" || lb == "infinity":
		f = math.Inf(1)
		if t[0] == '-' {
			f = math.Inf(-1)
		}
		return f, true, false
	case lb == "nan" || strings.HasPrefix(lb, "nan(") && strings.HasSuffix(lb, ")"):
		return math.NaN(), true, false
	case strings.HasPrefix(lb, "0x"):
		if len(lb) == 2 || strings.Contains(lb, "_") {
			return 0, false, false
		}
		if !strings.Contains(lb, "p") {
			t += "p0"
		}
	default:
		for i := 0; i < len(lb); i++ {
			ch := lb[i]
			if !(ch >= '0' && ch <= '9' || ch == '.' || ch == 'e' || ch == '+' || ch == '-') {
				return 0, false, false
			}
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange {
			return f, true, true
		}
		return 0, false, false
	}
	if f != 0 && math.Abs(f) < 0x1p-1022 {
		return f, true, true
	}
	if f == 0 {
		// A zero that was not written as zero underflowed.
		mant := lb
		if strings.HasPrefix(mant, "0x") {
			mant = mant[2:]
			if i := strings.IndexByte(mant, 'p'); i >= 0 {
				mant = mant[:i]
			}
		} else if i := strings.IndexByte(mant, 'e'); i >= 0 {
			mant = mant[:i]
		}
		if strings.Trim(mant, "0.") != "" {
			return f, true, true
		}
	}
	return f, true, false
}

// ---- push ----

// cmdLPush prepends elements to a list, creating it.
// LPUSH key element [element ...]
// https://redis.io/commands/lpush
func cmdLPush(c *Ctx) error { return pushGeneric(c, listHead, false) }

// cmdRPush appends elements to a list, creating it.
// RPUSH key element [element ...]
// https://redis.io/commands/rpush
func cmdRPush(c *Ctx) error { return pushGeneric(c, listTail, false) }

// cmdLPushX prepends elements to a list only when it exists.
// LPUSHX key element [element ...]
// https://redis.io/commands/lpushx
func cmdLPushX(c *Ctx) error { return pushGeneric(c, listHead, true) }

// cmdRPushX appends elements to a list only when it exists.
// RPUSHX key element [element ...]
// https://redis.io/commands/rpushx
func cmdRPushX(c *Ctx) error { return pushGeneric(c, listTail, true) }

func pushGeneric(c *Ctx, where int, xx bool) error {
	key := c.Args[1]
	r, ok, handled, err := c.lookupList(key)
	if handled {
		return err
	}
	var prev *Record
	if ok {
		p := r
		prev = &p
	} else {
		if xx {
			c.W.Int(0)
			return nil
		}
		if r, err = c.newList(); err != nil {
			return err
		}
	}
	for _, v := range c.Args[2:] {
		if err := c.listPush(&r, v, where); err != nil {
			return err
		}
	}
	if err := c.put(key, &r, prev); err != nil {
		return err
	}
	c.W.Int(r.Count)
	c.notify(notifyList, pushEvent(where), key)
	return nil
}

func pushEvent(where int) string {
	if where == listHead {
		return "lpush"
	}
	return "rpush"
}

func popEvent(where int) string {
	if where == listHead {
		return "lpop"
	}
	return "rpop"
}

// ---- pop ----

// cmdLPop removes and returns the first elements of a list.
// LPOP key [count]
// https://redis.io/commands/lpop
func cmdLPop(c *Ctx) error { return popGeneric(c, listHead) }

// cmdRPop removes and returns the last elements of a list.
// RPOP key [count]
// https://redis.io/commands/rpop
func cmdRPop(c *Ctx) error { return popGeneric(c, listTail) }

func popGeneric(c *Ctx, where int) error {
	if len(c.Args) > 3 {
		c.W.Error(format(msgWrongArity, c.Cmd.Name))
		return nil
	}
	hasCount := len(c.Args) == 3
	var count int64
	if hasCount {
		n, ok := parseLongLong(c.Args[2])
		if !ok || n < 0 {
			c.W.Error(msgValueOutOfRange)
			return nil
		}
		count = n
	}
	key := c.Args[1]
	r, ok, handled, err := c.lookupList(key)
	if handled {
		return err
	}
	if !ok {
		if hasCount {
			c.W.NullArray()
		} else {
			c.W.Null()
		}
		return nil
	}
	if hasCount && count == 0 {
		c.W.Array(0)
		return nil
	}
	prev := r
	if !hasCount {
		if err := c.listPopBulk(&r, where); err != nil {
			return err
		}
	} else {
		if err := c.listPopReply(&r, where, count); err != nil {
			return err
		}
	}
	return c.listRemoved(key, &r, &prev, where)
}

// listPopReply pops up to count elements from one end of r and replies
// them as an array, in pop order.
func (c *Ctx) listPopReply(r *Record, where int, count int64) error {
	n := min(count, r.Count)
	c.W.Array(int(n))
	var from, to int64 = 0, n - 1
	if where == listTail {
		from, to = r.Count-n, r.Count-1
	}
	var seqs []int64
	head := r.Head
	err := c.listScan(r, from, to, where == listTail, func(i int64, v []byte) bool {
		c.W.Bulk(v)
		seqs = append(seqs, head+i)
		return true
	})
	if err != nil {
		return err
	}
	if n == r.Count {
		// The key goes; its elements are left to the garbage collector.
		r.Count = 0
		return nil
	}
	for _, s := range seqs {
		if err := c.listDeleteSeq(r.ID, s); err != nil {
			return err
		}
	}
	if where == listHead {
		r.Head += n
	} else {
		r.Tail -= n
	}
	r.Count -= n
	return nil
}

// listRemoved finishes a pop: it fires the pop event, then writes back or
// deletes the list, as Redis's listElementsRemoved does.
func (c *Ctx) listRemoved(key []byte, r, prev *Record, where int) error {
	c.notify(notifyList, popEvent(where), key)
	return c.listSave(key, r, prev)
}

// ---- reads ----

// cmdLLen returns the length of a list.
// LLEN key
// https://redis.io/commands/llen
func cmdLLen(c *Ctx) error {
	r, ok, handled, err := c.lookupList(c.Args[1])
	if handled {
		return err
	}
	if !ok {
		c.W.Int(0)
		return nil
	}
	c.W.Int(r.Count)
	return nil
}

// listRangeIndexes converts LRANGE-style start and stop (negative from
// the end) into [from, to] within a list of n elements; ok false when the
// range is empty.
func listRangeIndexes(start, stop, n int64) (from, to int64, ok bool) {
	if start < 0 {
		start += n
	}
	if stop < 0 {
		stop += n
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= n {
		return 0, 0, false
	}
	if stop >= n {
		stop = n - 1
	}
	return start, stop, true
}

// cmdLRange returns a range of elements of a list.
// LRANGE key start stop
// https://redis.io/commands/lrange
func cmdLRange(c *Ctx) error {
	start, ok1 := parseLongLong(c.Args[2])
	stop, ok2 := parseLongLong(c.Args[3])
	if !ok1 || !ok2 {
		c.W.Error(msgNotInt)
		return nil
	}
	r, ok, handled, err := c.lookupList(c.Args[1])
	if handled {
		return err
	}
	if !ok {
		c.W.Array(0)
		return nil
	}
	from, to, ok := listRangeIndexes(start, stop, r.Count)
	if !ok {
		c.W.Array(0)
		return nil
	}
	c.W.Array(int(to - from + 1))
	return c.listScanRaw(&r, from, to, false, c.bulkWriter())
}

// cmdLIndex returns an element of a list by its index.
// LINDEX key index
// https://redis.io/commands/lindex
func cmdLIndex(c *Ctx) error {
	r, ok, handled, err := c.lookupList(c.Args[1])
	if handled {
		return err
	}
	if !ok {
		c.W.Null()
		return nil
	}
	idx, ok := parseLongLong(c.Args[2])
	if !ok {
		c.W.Error(msgNotInt)
		return nil
	}
	if idx < 0 {
		idx += r.Count
	}
	if idx < 0 || idx >= r.Count {
		c.W.Null()
		return nil
	}
	v, err := c.listGet(&r, idx)
	if err != nil {
		return err
	}
	c.W.Bulk(v)
	return nil
}

// cmdLPos returns the indexes of matching elements of a list.
// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
// https://redis.io/commands/lpos
func cmdLPos(c *Ctx) error {
	ele := c.Args[2]
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	args := c.Args
	for j := 3; j < len(args); j++ {
		more := len(args) - 1 - j
		switch opt := string(args[j]); {
		case strings.EqualFold(opt, "rank") && more > 0:
			j++
			n, ok := parseLongLong(args[j])
			if !ok {
				c.W.Error(msgNotInt)
				return nil
			}
			if n == 0 {
				c.W.Error(msgRankZero)
				return nil
			}
			rank = n
		case strings.EqualFold(opt, "count") && more > 0:
			j++
			n, ok := parseLongLong(args[j])
			if !ok || n < 0 {
				c.W.Error(msgCountNegative)
				return nil
			}
			count = n
		case strings.EqualFold(opt, "maxlen") && more > 0:
			j++
			n, ok := parseLongLong(args[j])
			if !ok || n < 0 {
				c.W.Error(msgMaxlenNegative)
				return nil
			}
			maxlen = n
		default:
			c.W.Error(msgSyntax)
			return nil
		}
	}
	reverse := false
	if rank < 0 {
		rank = -rank // stays negative for the smallest int64, as in Redis
		reverse = true
	}
	r, ok, handled, err := c.lookupList(c.Args[1])
	if handled {
		return err
	}
	if !ok {
		if count != -1 {
			c.W.Array(0)
		} else {
			c.W.Null()
		}
		return nil
	}
	var found []int64
	var seen, matches int64
	err = c.listScan(&r, 0, r.Count-1, reverse, func(i int64, v []byte) bool {
		if maxlen != 0 && seen >= maxlen {
			return false
		}
		seen++
		if !bytes.Equal(v, ele) {
			return true
		}
		matches++
		if matches < rank {
			return true
		}
		found = append(found, i)
		if count == -1 {
			return false
		}
		return count == 0 || matches-rank+1 < count
	})
	if err != nil {
		return err
	}
	if count != -1 {
		c.W.Array(len(found))
		for _, i := range found {
			c.W.Int(i)
		}
		return nil
	}
	if len(found) == 0 {
		c.W.Null()
		return nil
	}
	c.W.Int(found[0])
	return nil
}

// ---- in-place edits ----

// cmdLSet sets the value of an element of a list by its index.
// LSET key index element
// https://redis.io/commands/lset
func cmdLSet(c *Ctx) error {
	key := c.Args[1]
	r, ok, handled, err := c.lookupList(key)
	if handled {
		return err
	}
	if !ok {
		c.W.Error(msgNoSuchKey)
		return nil
	}
	idx, ok := parseLongLong(c.Args[2])
	if !ok {
		c.W.Error(msgNotInt)
		return nil
	}
	if idx < 0 {
		idx += r.Count
	}
	if idx < 0 || idx >= r.Count {
		c.W.Error(msgIndexOutOfRange)
		return nil
	}
	if err := c.listPutSeq(r.ID, r.Head+idx, c.Args[3]); err != nil {
		return err
	}
	prev := r
	if err := c.put(key, &r, &prev); err != nil {
		return err
	}
	c.W.OK()
	c.notify(notifyList, "lset", key)
	return nil
}

// cmdLInsert inserts an element before or after another element of a list.
// LINSERT key BEFORE | AFTER pivot element
// https://redis.io/commands/linsert
func cmdLInsert(c *Ctx) error {
	var after bool
	switch {
	case strings.EqualFold(string(c.Args[2]), "after"):
		after = true
	case strings.EqualFold(string(c.Args[2]), "before"):
	default:
		c.W.Error(msgSyntax)
		return nil
	}
	key, pivot := c.Args[1], c.Args[3]
	r, ok, handled, err := c.lookupList(key)
	if handled {
		return err
	}
	if !ok {
		c.W.Int(0)
		return nil
	}
	at := int64(-1)
	err = c.listScan(&r, 0, r.Count-1, false, func(i int64, v []byte) bool {
		if bytes.Equal(v, pivot) {
			at = i
			return false
		}
		return true
	})
	if err != nil {
		return err
	}
	if at < 0 {
		c.W.Int(-1)
		return nil
	}
	if after {
		at++
	}
	prev := r
	if err := c.listInsertAt(&r, at, c.Args[4]); err != nil {
		return err
	}
	if err := c.put(key, &r, &prev); err != nil {
		return err
	}
	c.notify(notifyList, "linsert", key)
	c.W.Int(r.Count)
	return nil
}

// listInsertAt inserts v so that it becomes element at, shifting the
// shorter side of the list by one position.
func (c *Ctx) listInsertAt(r *Record, at int64, v []byte) error {
	if at <= r.Count-at {
		vals, err := c.listValues(r, 0, at-1)
		if err != nil {
			return err
		}
		r.Head--
		for i, val := range vals {
			if err := c.listPutSeq(r.ID, r.Head+int64(i), val); err != nil {
				return err
			}
		}
	} else {
		vals, err := c.listValues(r, at, r.Count-1)
		if err != nil {
			return err
		}
		for i := len(vals) - 1; i >= 0; i-- {
			if err := c.listPutSeq(r.ID, r.Head+at+int64(i)+1, vals[i]); err != nil {
				return err
			}
		}
		r.Tail++
	}
	r.Count++
	return c.listPutSeq(r.ID, r.Head+at, v)
}

// cmdLRem removes elements equal to element from a list.
// LREM key count element
// https://redis.io/commands/lrem
func cmdLRem(c *Ctx) error {
	count, ok := parseLongLong(c.Args[2])
	if !ok {
		c.W.Error(msgNotInt)
		return nil
	}
	key, ele := c.Args[1], c.Args[3]
	r, ok, handled, err := c.lookupList(key)
	if handled {
		return err
	}
	if !ok {
		c.W.Int(0)
		return nil
	}
	limit := count
	if limit < 0 {
		limit = -limit // the smallest int64 stays negative: no limit
	}
	var removed []int64 // in scan order
	err = c.listScan(&r, 0, r.Count-1, count < 0, func(i int64, v []byte) bool {
		if bytes.Equal(v, ele) {
			removed = append(removed, i)
			if limit > 0 && int64(len(removed)) >= limit {
				return false
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	if len(removed) == 0 {
		c.W.Int(0)
		return nil
	}
	if count < 0 {
		for i, j := 0, len(removed)-1; i < j; i, j = i+1, j-1 {
			removed[i], removed[j] = removed[j], removed[i]
		}
	}
	prev := r
	if int64(len(removed)) == r.Count {
		r.Count = 0
	} else if err := c.listRemoveIndexes(&r, removed); err != nil {
		return err
	}
	c.notify(notifyList, "lrem", key)
	if err := c.listSave(key, &r, &prev); err != nil {
		return err
	}
	c.W.Int(int64(len(removed)))
	return nil
}

// listRemoveIndexes removes the elements at the given ascending indexes,
// closing the gaps by moving the cheaper side: the elements after the
// first removed one toward the head, or those before the last removed one
// toward the tail.
func (c *Ctx) listRemoveIndexes(r *Record, idx []int64) error {
	first, last := idx[0], idx[len(idx)-1]
	k := int64(len(idx))
	gone := make(map[int64]bool, len(idx))
	for _, i := range idx {
		gone[i] = true
	}
	if r.Count-first <= last+1 {
		vals, err := c.listValues(r, first, r.Count-1)
		if err != nil {
			return err
		}
		pos := r.Head + first
		for j, v := range vals {
			if gone[first+int64(j)] {
				continue
			}
			if err := c.listPutSeq(r.ID, pos, v); err != nil {
				return err
			}
			pos++
		}
		for s := pos; s < r.Tail; s++ {
			if err := c.listDeleteSeq(r.ID, s); err != nil {
				return err
			}
		}
		r.Tail -= k
	} else {
		vals, err := c.listValues(r, 0, last)
		if err != nil {
			return err
		}
		pos := r.Head + last
		for j := len(vals) - 1; j >= 0; j-- {
			if gone[int64(j)] {
				continue
			}
			if err := c.listPutSeq(r.ID, pos, vals[j]); err != nil {
				return err
			}
			pos--
		}
		for s := r.Head; s <= pos; s++ {
			if err := c.listDeleteSeq(r.ID, s); err != nil {
				return err
			}
		}
		r.Head += k
	}
	r.Count -= k
	return nil
}

// cmdLTrim trims a list to the given range.
// LTRIM key start stop
// https://redis.io/commands/ltrim
func cmdLTrim(c *Ctx) error {
	start, ok1 := parseLongLong(c.Args[2])
	stop, ok2 := parseLongLong(c.Args[3])
	if !ok1 || !ok2 {
		c.W.Error(msgNotInt)
		return nil
	}
	key := c.Args[1]
	r, ok, handled, err := c.lookupList(key)
	if handled {
		return err
	}
	if !ok {
		c.W.OK()
		return nil
	}
	prev := r
	from, to, keep := listRangeIndexes(start, stop, r.Count)
	if !keep {
		r.Count = 0
	} else {
		for s := r.Head; s < r.Head+from; s++ {
			if err := c.listDeleteSeq(r.ID, s); err != nil {
				return err
			}
		}
		for s := r.Head + to + 1; s < r.Tail; s++ {
			if err := c.listDeleteSeq(r.ID, s); err != nil {
				return err
			}
		}
		r.Tail = r.Head + to + 1
		r.Head += from
		r.Count = to - from + 1
	}
	c.notify(notifyList, "ltrim", key)
	if err := c.listSave(key, &r, &prev); err != nil {
		return err
	}
	c.W.OK()
	return nil
}

// ---- moves ----

// cmdLMove pops an element from one list and pushes it onto another.
// LMOVE source destination LEFT | RIGHT LEFT | RIGHT
// https://redis.io/commands/lmove
func cmdLMove(c *Ctx) error {
	from, ok1 := listWhere(c.Args[3])
	if !ok1 {
		c.W.Error(msgSyntax)
		return nil
	}
	to, ok2 := listWhere(c.Args[4])
	if !ok2 {
		c.W.Error(msgSyntax)
		return nil
	}
	served, err := lmoveGeneric(c, from, to)
	if err == nil && !served {
		c.W.Null()
	}
	return err
}

// cmdRPopLPush pops the last element of a list and pushes it onto another.
// RPOPLPUSH source destination
// https://redis.io/commands/rpoplpush
func cmdRPopLPush(c *Ctx) error {
	served, err := lmoveGeneric(c, listTail, listHead)
	if err == nil && !served {
		c.W.Null()
	}
	return err
}

// lmoveGeneric moves one element from list Args[1] to list Args[2] and
// replies it; served is false, with nothing replied, when the source is
// missing.
func lmoveGeneric(c *Ctx, from, to int) (served bool, err error) {
	src, dst := c.Args[1], c.Args[2]
	sr, ok, handled, err := c.lookupList(src)
	if handled {
		return true, err
	}
	if !ok {
		return false, nil
	}
	dr, dok, handled, err := c.lookupList(dst)
	if handled {
		return true, err
	}
	sprev := sr
	v, err := c.listPop(&sr, from)
	if err != nil {
		return true, err
	}
	same := bytes.Equal(src, dst)
	if same {
		dr, dok = sr, true
	}
	var dprev *Record
	if dok {
		p := dr
		if same {
			p = sprev
		}
		dprev = &p
	} else if dr, err = c.newList(); err != nil {
		return true, err
	}
	if err := c.listPush(&dr, v, to); err != nil {
		return true, err
	}
	if err := c.put(dst, &dr, dprev); err != nil {
		return true, err
	}
	c.notify(notifyList, pushEvent(to), dst)
	c.W.Bulk(v)
	c.notify(notifyList, popEvent(from), src)
	if !same {
		if err := c.listSave(src, &sr, &sprev); err != nil {
			return true, err
		}
	}
	return true, nil
}

// cmdLMPop pops elements from the first non-empty list of several.
// LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count]
// https://redis.io/commands/lmpop
func cmdLMPop(c *Ctx) error {
	keys, where, count, ok := parseMPop(c, 1)
	if !ok {
		return nil
	}
	served, err := mpopGeneric(c, keys, where, count)
	if err == nil && !served {
		c.W.NullArray()
	}
	return err
}

// parseMPop parses [B]LMPOP's numkeys key [key ...] LEFT|RIGHT [COUNT n]
// starting at Args[at]; on failure it has replied the error.
func parseMPop(c *Ctx, at int) (keys [][]byte, where int, count int64, ok bool) {
	args := c.Args
	numkeys, isInt := parseLongLong(args[at])
	if !isInt || numkeys < 1 {
		c.W.Error(msgNumKeys)
		return
	}
	if numkeys >= int64(len(args)) {
		c.W.Error(msgSyntax)
		return
	}
	wi := at + int(numkeys) + 1
	if wi >= len(args) {
		c.W.Error(msgSyntax)
		return
	}
	where, isWhere := listWhere(args[wi])
	if !isWhere {
		c.W.Error(msgSyntax)
		return
	}
	count = -1
	for j := wi + 1; j < len(args); j++ {
		more := len(args) - 1 - j
		if count == -1 && strings.EqualFold(string(args[j]), "count") && more > 0 {
			j++
			n, isInt := parseLongLong(args[j])
			if !isInt || n < 1 {
				c.W.Error(msgCountPositive)
				return
			}
			count = n
			continue
		}
		c.W.Error(msgSyntax)
		return
	}
	if count == -1 {
		count = 1
	}
	return args[at+1 : wi], where, count, true
}

// mpopGeneric pops up to count elements from the first non-empty list of
// keys and replies [key, [elements]]; served is false when every list was
// empty (nothing replied).
func mpopGeneric(c *Ctx, keys [][]byte, where int, count int64) (served bool, err error) {
	for _, key := range keys {
		r, ok, handled, err := c.lookupList(key)
		if handled {
			return true, err
		}
		if !ok {
			continue
		}
		prev := r
		c.W.Array(2)
		c.W.Bulk(key)
		if err := c.listPopReply(&r, where, count); err != nil {
			return true, err
		}
		return true, c.listRemoved(key, &r, &prev, where)
	}
	return false, nil
}

// ---- blocking variants ----
//
// A blocking command first tries to be served like its non-blocking form.
// When every list is empty it would block: wouldBlock is the single place
// that decides what happens then.

// wouldBlock is where a blocking list command finds no data in keys: the
// session is parked on keys until one is written or timeoutMs (0: forever)
// passes. Where it may not block (inside MULTI/EXEC or a script, or once
// the deadline passed) it gets the timeout reply: a null array; inside
// EXEC, BLMOVE and BRPOPLPUSH (move) reply a null bulk as Redis does.
func (c *Ctx) wouldBlock(keys [][]byte, timeoutMs int64, move bool) {
	if timeoutMs > 0 && timeoutMs > math.MaxInt64-c.Now {
		timeoutMs = math.MaxInt64 - c.Now
	}
	if c.block(keys, timeoutMs) {
		return
	}
	if move && c.inExec {
		c.W.Null()
		return
	}
	c.W.NullArray()
}

// cmdBLPop pops the first element of the first non-empty list, blocking
// while all are empty.
// BLPOP key [key ...] timeout
// https://redis.io/commands/blpop
func cmdBLPop(c *Ctx) error { return blockingPop(c, listHead) }

// cmdBRPop pops the last element of the first non-empty list, blocking
// while all are empty.
// BRPOP key [key ...] timeout
// https://redis.io/commands/brpop
func cmdBRPop(c *Ctx) error { return blockingPop(c, listTail) }

func blockingPop(c *Ctx, where int) error {
	timeout, msg := blockTimeout(c.Args[len(c.Args)-1])
	if msg != "" {
		c.W.Error(msg)
		return nil
	}
	keys := c.Args[1 : len(c.Args)-1]
	for _, key := range keys {
		r, ok, handled, err := c.lookupList(key)
		if handled {
			return err
		}
		if !ok {
			continue
		}
		prev := r
		v, err := c.listPop(&r, where)
		if err != nil {
			return err
		}
		c.W.Array(2)
		c.W.Bulk(key)
		c.W.Bulk(v)
		return c.listRemoved(key, &r, &prev, where)
	}
	c.wouldBlock(keys, timeout, false)
	return nil
}

// cmdBLMove pops an element from one list and pushes it onto another,
// blocking while the source is empty.
// BLMOVE source destination LEFT | RIGHT LEFT | RIGHT timeout
// https://redis.io/commands/blmove
func cmdBLMove(c *Ctx) error {
	from, ok1 := listWhere(c.Args[3])
	if !ok1 {
		c.W.Error(msgSyntax)
		return nil
	}
	to, ok2 := listWhere(c.Args[4])
	if !ok2 {
		c.W.Error(msgSyntax)
		return nil
	}
	return blmoveGeneric(c, from, to, c.Args[5])
}

// cmdBRPopLPush pops the last element of a list and pushes it onto
// another, blocking while the source is empty.
// BRPOPLPUSH source destination timeout
// https://redis.io/commands/brpoplpush
func cmdBRPopLPush(c *Ctx) error { return blmoveGeneric(c, listTail, listHead, c.Args[3]) }

func blmoveGeneric(c *Ctx, from, to int, timeout []byte) error {
	ms, msg := blockTimeout(timeout)
	if msg != "" {
		c.W.Error(msg)
		return nil
	}
	served, err := lmoveGeneric(c, from, to)
	if err != nil || served {
		return err
	}
	c.wouldBlock(c.Args[1:2], ms, true)
	return nil
}

// cmdBLMPop pops elements from the first non-empty list of several,
// blocking while all are empty.
// BLMPOP timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]
// https://redis.io/commands/blmpop
func cmdBLMPop(c *Ctx) error {
	keys, where, count, ok := parseMPop(c, 2)
	if !ok {
		return nil
	}
	timeout, msg := blockTimeout(c.Args[1])
	if msg != "" {
		c.W.Error(msg)
		return nil
	}
	served, err := mpopGeneric(c, keys, where, count)
	if err != nil || served {
		return err
	}
	c.wouldBlock(keys, timeout, false)
	return nil
}
