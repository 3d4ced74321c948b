package core

// String commands.
// https://redis.io/commands/?group=string

import (
	"math"
	"strconv"
	"strings"
)

func init() {
	register(map[string]Handler{
		"get":         cmdGet,
		"set":         cmdSet,
		"setnx":       cmdSetNX,
		"setex":       cmdSetEX,
		"psetex":      cmdPSetEX,
		"getset":      cmdGetSet,
		"getdel":      cmdGetDel,
		"getex":       cmdGetEX,
		"mget":        cmdMGet,
		"mset":        cmdMSet,
		"msetnx":      cmdMSetNX,
		"append":      cmdAppend,
		"strlen":      cmdStrlen,
		"getrange":    cmdGetRange,
		"substr":      cmdGetRange,
		"setrange":    cmdSetRange,
		"incr":        cmdIncr,
		"decr":        cmdDecr,
		"incrby":      cmdIncrBy,
		"decrby":      cmdDecrBy,
		"incrbyfloat": cmdIncrByFloat,
		"lcs":         cmdLCS,
	})
}

// maxStringLen is proto-max-bulk-len's default: the longest string APPEND
// and SETRANGE may build.
const maxStringLen = 512 << 20

// parseLongLong parses b as Redis's string2ll does: an optional '-', no
// '+', no spaces, no leading zeros, within int64.
func parseLongLong(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(ch-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// argInt parses argument i as an integer, replying msgNotInt when it is not.
func (c *Ctx) argInt(i int) (int64, bool) {
	v, ok := parseLongLong(c.Args[i])
	if !ok {
		c.W.Error(msgNotInt)
	}
	return v, ok
}

// lookupString is lookupType for strings that replies WRONGTYPE itself: ok
// false with a nil error means the key is missing or the reply is written
// (wrong is true then).
func (c *Ctx) lookupString(key []byte) (r Record, ok, wrong bool, err error) {
	r, ok, err = c.lookupType(key, TypeString)
	if err == errWrongType {
		c.W.Error(msgWrongType)
		return r, false, true, nil
	}
	return r, ok, false, err
}

// overwriteDB writes r as key's record in db, replacing prev when existed;
// a replaced collection's elements go to the garbage collector.
func (c *Ctx) overwriteDB(db uint32, key []byte, r *Record, prev Record, existed bool) error {
	if !existed {
		return c.putDB(db, key, r, nil)
	}
	if prev.Type != TypeString {
		if err := c.deleteRecord(db, key, prev); err != nil {
			return err
		}
		return c.putDB(db, key, r, nil)
	}
	return c.putDB(db, key, r, &prev)
}

// cmdGet returns the string value of a key.
// GET key
// https://redis.io/commands/get
func cmdGet(c *Ctx) error {
	r, ok, wrong, err := c.lookupString(c.Args[1])
	if err != nil || wrong {
		return err
	}
	if !ok {
		c.W.Null()
		return nil
	}
	c.W.Bulk(r.Value)
	return nil
}

// Options of SET and GETEX, as Redis's parseExtendedStringArgumentsOrReply
// names them.
const (
	setNX = 1 << iota
	setXX
	setGet
	setKeepTTL
	setPersist
	setEX
	setPX
	setEXAT
	setPXAT
	setExpireAny = setEX | setPX | setEXAT | setPXAT
)

// parseSetOptions parses SET's options (getex false, from argument 3) or
// GETEX's (getex true, from argument 2), replying a syntax error itself.
func (c *Ctx) parseSetOptions(getex bool) (flags int, expire []byte, ok bool) {
	j := 3
	if getex {
		j = 2
	}
	for ; j < len(c.Args); j++ {
		opt := strings.ToLower(string(c.Args[j]))
		next := j+1 < len(c.Args)
		switch {
		case opt == "nx" && !getex && flags&setXX == 0:
			flags |= setNX
		case opt == "xx" && !getex && flags&setNX == 0:
			flags |= setXX
		case opt == "get" && !getex:
			flags |= setGet
		case opt == "keepttl" && !getex && flags&(setPersist|setExpireAny) == 0:
			flags |= setKeepTTL
		case opt == "persist" && getex && flags&(setKeepTTL|setExpireAny) == 0:
			flags |= setPersist
		case opt == "ex" && next && flags&(setKeepTTL|setPersist|setExpireAny&^setEX) == 0:
			flags |= setEX
			expire = c.Args[j+1]
			j++
		case opt == "px" && next && flags&(setKeepTTL|setPersist|setExpireAny&^setPX) == 0:
			flags |= setPX
			expire = c.Args[j+1]
			j++
		case opt == "exat" && next && flags&(setKeepTTL|setPersist|setExpireAny&^setEXAT) == 0:
			flags |= setEXAT
			expire = c.Args[j+1]
			j++
		case opt == "pxat" && next && flags&(setKeepTTL|setPersist|setExpireAny&^setPXAT) == 0:
			flags |= setPXAT
			expire = c.Args[j+1]
			j++
		default:
			c.W.Error(msgSyntax)
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// expireMillis turns an EX/PX/EXAT/PXAT argument into an absolute time in
// ms, replying the error itself, as getExpireMillisecondsOrReply does.
func (c *Ctx) expireMillis(arg []byte, flags int) (int64, bool) {
	ms, ok := parseLongLong(arg)
	if !ok {
		c.W.Error(msgNotInt)
		return 0, false
	}
	seconds := flags&(setEX|setEXAT) != 0
	if ms <= 0 || seconds && ms > math.MaxInt64/1000 {
		c.W.Error(format(msgInvalidExpire, c.Cmd.Name))
		return 0, false
	}
	if seconds {
		ms *= 1000
	}
	if flags&(setEX|setPX) != 0 {
		ms += c.Now // wraps on overflow, as in Redis
	}
	if ms <= 0 {
		c.W.Error(format(msgInvalidExpire, c.Cmd.Name))
		return 0, false
	}
	return ms, true
}

// cmdSet sets the string value of a key.
// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
// https://redis.io/commands/set
func cmdSet(c *Ctx) error {
	flags, expire, ok := c.parseSetOptions(false)
	if !ok {
		return nil
	}
	return c.setGeneric(flags, c.Args[1], c.Args[2], expire, false)
}

// cmdSetNX sets a key's value only when the key does not exist.
// SETNX key value
// https://redis.io/commands/setnx
func cmdSetNX(c *Ctx) error { return c.setGeneric(setNX, c.Args[1], c.Args[2], nil, true) }

// cmdSetEX sets a key's value and its time to live in seconds.
// SETEX key seconds value
// https://redis.io/commands/setex
func cmdSetEX(c *Ctx) error { return c.setGeneric(setEX, c.Args[1], c.Args[3], c.Args[2], false) }

// cmdPSetEX sets a key's value and its time to live in milliseconds.
// PSETEX key milliseconds value
// https://redis.io/commands/psetex
func cmdPSetEX(c *Ctx) error { return c.setGeneric(setPX, c.Args[1], c.Args[3], c.Args[2], false) }

// setGeneric is Redis's setGenericCommand: SET and its variants. intReply
// answers 1/0 instead of OK/null (SETNX).
func (c *Ctx) setGeneric(flags int, key, val, expire []byte, intReply bool) error {
	var when int64
	if expire != nil {
		var ok bool
		if when, ok = c.expireMillis(expire, flags); !ok {
			return nil
		}
	}
	prev, existed, err := c.lookup(key)
	if err != nil {
		return err
	}
	if flags&setGet != 0 {
		switch {
		case existed && prev.Type != TypeString:
			c.W.Error(msgWrongType)
			return nil
		case existed:
			c.W.Bulk(prev.Value)
		default:
			c.W.Null()
		}
	}
	if flags&setNX != 0 && existed || flags&setXX != 0 && !existed {
		switch {
		case flags&setGet != 0:
		case intReply:
			c.W.Int(0)
		default:
			c.W.Null()
		}
		return nil
	}
	r := Record{Type: TypeString, Value: val}
	if flags&setKeepTTL != 0 && existed {
		r.ExpireAt = prev.ExpireAt
	}
	if expire != nil {
		r.ExpireAt = when
	}
	if r.ExpireAt != 0 && r.ExpireAt <= c.Now {
		// EXAT/PXAT in the past: the key is gone at once.
		if existed {
			if err := c.deleteKey(key, prev); err != nil {
				return err
			}
		}
	} else if err := c.overwriteDB(c.db(), key, &r, prev, existed); err != nil {
		return err
	}
	c.notify(notifyString, "set", key)
	if expire != nil {
		c.notify(notifyGeneric, "expire", key)
	}
	switch {
	case flags&setGet != 0:
	case intReply:
		c.W.Int(1)
	default:
		c.W.OK()
	}
	return nil
}

// cmdGetSet sets a key's value and returns the old one.
// GETSET key value
// https://redis.io/commands/getset
func cmdGetSet(c *Ctx) error { return c.setGeneric(setGet, c.Args[1], c.Args[2], nil, false) }

// cmdGetDel returns a key's value and deletes the key.
// GETDEL key
// https://redis.io/commands/getdel
func cmdGetDel(c *Ctx) error {
	key := c.Args[1]
	r, ok, wrong, err := c.lookupString(key)
	if err != nil || wrong {
		return err
	}
	if !ok {
		c.W.Null()
		return nil
	}
	c.W.Bulk(r.Value)
	if err := c.deleteKey(key, r); err != nil {
		return err
	}
	c.notify(notifyGeneric, "del", key)
	return nil
}

// cmdGetEX returns a key's value and sets or removes its expiry.
// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]
// https://redis.io/commands/getex
func cmdGetEX(c *Ctx) error {
	flags, expire, ok := c.parseSetOptions(true)
	if !ok {
		return nil
	}
	key := c.Args[1]
	r, ok, wrong, err := c.lookupString(key)
	if err != nil || wrong {
		return err
	}
	if !ok {
		c.W.Null()
		return nil
	}
	var when int64
	if expire != nil {
		if when, ok = c.expireMillis(expire, flags); !ok {
			return nil
		}
	}
	c.W.Bulk(r.Value)
	switch {
	case expire != nil && flags&(setEXAT|setPXAT) != 0 && when <= c.Now:
		if err := c.deleteKey(key, r); err != nil {
			return err
		}
		c.notify(notifyGeneric, "del", key)
	case expire != nil:
		nr := r
		nr.Value = append([]byte(nil), r.Value...)
		nr.ExpireAt = when
		if err := c.put(key, &nr, &r); err != nil {
			return err
		}
		c.notify(notifyGeneric, "expire", key)
	case flags&setPersist != 0 && r.ExpireAt != 0:
		nr := r
		nr.Value = append([]byte(nil), r.Value...)
		nr.ExpireAt = 0
		if err := c.put(key, &nr, &r); err != nil {
			return err
		}
		c.notify(notifyGeneric, "persist", key)
	}
	return nil
}

// cmdMGet returns the values of several keys; null for a missing key or
// one of another type.
// MGET key [key ...]
// https://redis.io/commands/mget
func cmdMGet(c *Ctx) error {
	c.W.Array(len(c.Args) - 1)
	for _, key := range c.Args[1:] {
		r, ok, err := c.lookup(key)
		if err != nil {
			return err
		}
		if !ok || r.Type != TypeString {
			c.W.Null()
			continue
		}
		c.W.Bulk(r.Value)
	}
	return nil
}

// cmdMSet sets several keys.
// MSET key value [key value ...]
// https://redis.io/commands/mset
func cmdMSet(c *Ctx) error { return c.msetGeneric(false) }

// cmdMSetNX sets several keys only when none of them exists.
// MSETNX key value [key value ...]
// https://redis.io/commands/msetnx
func cmdMSetNX(c *Ctx) error { return c.msetGeneric(true) }

func (c *Ctx) msetGeneric(nx bool) error {
	if len(c.Args)%2 == 0 {
		c.W.Error(format(msgWrongArity, c.Cmd.Name))
		return nil
	}
	if nx {
		for j := 1; j < len(c.Args); j += 2 {
			_, ok, err := c.lookup(c.Args[j])
			if err != nil {
				return err
			}
			if ok {
				c.W.Int(0)
				return nil
			}
		}
	}
	for j := 1; j < len(c.Args); j += 2 {
		prev, existed, err := c.lookup(c.Args[j])
		if err != nil {
			return err
		}
		r := Record{Type: TypeString, Value: c.Args[j+1]}
		if err := c.overwriteDB(c.db(), c.Args[j], &r, prev, existed); err != nil {
			return err
		}
		c.notify(notifyString, "set", c.Args[j])
	}
	if nx {
		c.W.Int(1)
	} else {
		c.W.OK()
	}
	return nil
}

// cmdAppend appends to a key's value and returns the new length.
// APPEND key value
// https://redis.io/commands/append
func cmdAppend(c *Ctx) error {
	key, val := c.Args[1], c.Args[2]
	r, ok, wrong, err := c.lookupString(key)
	if err != nil || wrong {
		return err
	}
	if !ok {
		nr := Record{Type: TypeString, Value: val}
		if err := c.put(key, &nr, nil); err != nil {
			return err
		}
		c.notify(notifyString, "append", key)
		c.W.Int(int64(len(val)))
		return nil
	}
	if int64(len(r.Value))+int64(len(val)) > maxStringLen {
		c.W.Error(msgStringTooLong)
		return nil
	}
	nr := r
	nr.Value = append(append(make([]byte, 0, len(r.Value)+len(val)), r.Value...), val...)
	nr.Enc = flagEncRaw
	if err := c.put(key, &nr, &r); err != nil {
		return err
	}
	c.notify(notifyString, "append", key)
	c.W.Int(int64(len(nr.Value)))
	return nil
}

// cmdStrlen returns the length of a key's value.
// STRLEN key
// https://redis.io/commands/strlen
func cmdStrlen(c *Ctx) error {
	r, ok, wrong, err := c.lookupString(c.Args[1])
	if err != nil || wrong {
		return err
	}
	if !ok {
		c.W.Int(0)
		return nil
	}
	c.W.Int(int64(len(r.Value)))
	return nil
}

// cmdGetRange returns a substring of a key's value; SUBSTR is its old name.
// GETRANGE key start end
// https://redis.io/commands/getrange
func cmdGetRange(c *Ctx) error {
	start, ok := c.argInt(2)
	if !ok {
		return nil
	}
	end, ok := c.argInt(3)
	if !ok {
		return nil
	}
	r, ok, wrong, err := c.lookupString(c.Args[1])
	if err != nil || wrong {
		return err
	}
	if !ok {
		c.W.BulkString("")
		return nil
	}
	n := int64(len(r.Value))
	if start < 0 && end < 0 && start > end {
		c.W.BulkString("")
		return nil
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.W.BulkString("")
		return nil
	}
	c.W.Bulk(r.Value[start : end+1])
	return nil
}

// cmdSetRange overwrites part of a key's value at an offset, padding with
// zero bytes, and returns the new length.
// SETRANGE key offset value
// https://redis.io/commands/setrange
func cmdSetRange(c *Ctx) error {
	key, val := c.Args[1], c.Args[3]
	off, ok := c.argInt(2)
	if !ok {
		return nil
	}
	if off < 0 {
		c.W.Error(msgOffsetOutOfRange)
		return nil
	}
	r, ok, wrong, err := c.lookupString(key)
	if err != nil || wrong {
		return err
	}
	if !ok && len(val) == 0 {
		c.W.Int(0)
		return nil
	}
	if ok && len(val) == 0 {
		c.W.Int(int64(len(r.Value)))
		return nil
	}
	if off > maxStringLen-int64(len(val)) {
		c.W.Error(msgStringTooLong)
		return nil
	}
	n := max(int64(len(r.Value)), off+int64(len(val)))
	buf := make([]byte, n)
	copy(buf, r.Value)
	copy(buf[off:], val)
	nr := r
	nr.Type = TypeString
	nr.Value = buf
	nr.Enc = flagEncRaw
	var prev *Record
	if ok {
		prev = &r
	}
	if err := c.put(key, &nr, prev); err != nil {
		return err
	}
	c.notify(notifyString, "setrange", key)
	c.W.Int(n)
	return nil
}

// cmdIncr increments a key's integer value by one.
// INCR key
// https://redis.io/commands/incr
func cmdIncr(c *Ctx) error { return c.incrDecr(1) }

// cmdDecr decrements a key's integer value by one.
// DECR key
// https://redis.io/commands/decr
func cmdDecr(c *Ctx) error { return c.incrDecr(-1) }

// cmdIncrBy increments a key's integer value.
// INCRBY key increment
// https://redis.io/commands/incrby
func cmdIncrBy(c *Ctx) error {
	n, ok := c.argInt(2)
	if !ok {
		return nil
	}
	return c.incrDecr(n)
}

// cmdDecrBy decrements a key's integer value.
// DECRBY key decrement
// https://redis.io/commands/decrby
func cmdDecrBy(c *Ctx) error {
	n, ok := c.argInt(2)
	if !ok {
		return nil
	}
	if n == math.MinInt64 {
		c.W.Error(msgDecrOverflow)
		return nil
	}
	return c.incrDecr(-n)
}

// incrDecr is Redis's incrDecrCommand: INCR, DECR, INCRBY, DECRBY.
func (c *Ctx) incrDecr(incr int64) error {
	key := c.Args[1]
	r, ok, wrong, err := c.lookupString(key)
	if err != nil || wrong {
		return err
	}
	var v int64
	if ok {
		if v, ok = parseLongLong(r.Value); !ok {
			c.W.Error(msgNotInt)
			return nil
		}
	}
	if incr < 0 && v < 0 && incr < math.MinInt64-v || incr > 0 && v > 0 && incr > math.MaxInt64-v {
		c.W.Error(msgOverflow)
		return nil
	}
	v += incr
	nr := r
	nr.Type = TypeString
	var nb [20]byte
	nr.Value = appendInt(nb[:0], v)
	nr.Enc = 0
	var prev *Record
	if r.Type != TypeNone {
		prev = &r
	}
	if err := c.put(key, &nr, prev); err != nil {
		return err
	}
	c.notify(notifyString, "incrby", key)
	c.W.Int(v)
	return nil
}

func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// The x87 long double Redis computes INCRBYFLOAT in: a 64-bit mantissa and
// a 15-bit exponent, emulated by ldouble (longdouble.go).
const (
	longDoublePrec   = 64
	longDoubleMaxExp = 16384  // binary exponents (ldouble.binExp) above overflow to inf
	longDoubleMinExp = -16445 // and below (denormals included) to zero
)

// parseLongDouble parses b as Redis's string2ld does (strtold, refusing a
// leading space, trailing bytes, overflow, underflow to zero and NaN).
func parseLongDouble(b []byte) (ldouble, bool) {
	if len(b) == 0 || len(b) >= 5*1024 || isCSpace(b[0]) {
		return ldouble{}, false
	}
	f, st := parseLD(string(b))
	if st != ldOK {
		return ldouble{}, false
	}
	if !f.inf && f.mant != 0 {
		if exp := f.binExp(); exp > longDoubleMaxExp || exp < longDoubleMinExp {
			return ldouble{}, false
		}
	}
	return f, true
}

func isCSpace(ch byte) bool {
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r'
}

// validDecFloat accepts digits [. digits] [e [sign] digits] with at least
// one mantissa digit, as strtold does.
func validDecFloat(s string) bool {
	i, digits := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && s[i] == 'e' {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		if n == 0 {
			return false
		}
	}
	return i == len(s)
}

func validHexFloat(s string) bool {
	isHex := func(ch byte) bool { return ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' }
	i, digits := 0, 0
	for i < len(s) && isHex(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isHex(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && s[i] == 'p' {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		if n == 0 {
			return false
		}
	}
	return i == len(s)
}

// formatLongDouble formats f as Redis's ld2string in LD_STR_HUMAN mode:
// %.17Lf with trailing zeros (and a trailing dot) removed.
func formatLongDouble(f ldouble) string {
	s := ldFormatF(f)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// cmdIncrByFloat increments a key's value by a floating point number.
// INCRBYFLOAT key increment
// https://redis.io/commands/incrbyfloat
func cmdIncrByFloat(c *Ctx) error {
	key := c.Args[1]
	r, ok, wrong, err := c.lookupString(key)
	if err != nil || wrong {
		return err
	}
	var v ldouble
	if ok {
		if v, ok = parseLongDouble(r.Value); !ok {
			c.W.Error(msgNotFloat)
			return nil
		}
	}
	incr, ok := parseLongDouble(c.Args[2])
	if !ok {
		c.W.Error(msgNotFloat)
		return nil
	}
	if v.IsInf() || incr.IsInf() {
		c.W.Error(msgIncrFloatNaN)
		return nil
	}
	sum := ldAdd(v, incr)
	if sum.overflows() {
		c.W.Error(msgIncrFloatNaN)
		return nil
	}
	nr := r
	nr.Type = TypeString
	nr.Value = []byte(formatLongDouble(sum))
	nr.Enc = flagEncNotInt
	var prev *Record
	if r.Type != TypeNone {
		prev = &r
	}
	if err := c.put(key, &nr, prev); err != nil {
		return err
	}
	c.notify(notifyString, "incrbyfloat", key)
	c.W.Bulk(nr.Value)
	return nil
}

// cmdLCS finds the longest common subsequence of two keys' values.
// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
// https://redis.io/commands/lcs
func cmdLCS(c *Ctx) error {
	ra, oka, err := c.lookup(c.Args[1])
	if err != nil {
		return err
	}
	rb, okb, err := c.lookup(c.Args[2])
	if err != nil {
		return err
	}
	if oka && ra.Type != TypeString || okb && rb.Type != TypeString {
		c.W.Error(msgNotLCSStrings)
		return nil
	}
	a, b := ra.Value, rb.Value
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		switch opt := strings.ToLower(string(c.Args[j])); {
		case opt == "idx":
			getIdx = true
		case opt == "len":
			getLen = true
		case opt == "withmatchlen":
			withMatchLen = true
		case opt == "minmatchlen" && more > 0:
			n, ok := c.argInt(j + 1)
			if !ok {
				return nil
			}
			minMatchLen = max(n, 0)
			j++
		default:
			c.W.Error(msgSyntax)
			return nil
		}
	}
	if getIdx && getLen {
		c.W.Error(msgLCSBothGetLen)
		return nil
	}
	alen, blen := len(a), len(b)
	if int64(alen+1)*int64(blen+1)*4 > maxStringLen {
		c.W.Error(msgLCSTooBig)
		return nil
	}
	w := blen + 1
	lcs := make([]uint32, (alen+1)*w)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			if a[i-1] == b[j-1] {
				lcs[i*w+j] = lcs[(i-1)*w+j-1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i-1)*w+j], lcs[i*w+j-1])
			}
		}
	}
	idx := int(lcs[alen*w+blen])
	computeLCS := getIdx || !getLen
	var result []byte
	if computeLCS {
		result = make([]byte, idx)
	}
	type match struct{ a0, a1, b0, b1 int }
	var matches []match
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0
	i, j := alen, blen
	for computeLCS && i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == alen {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if lcs[(i-1)*w+j] > lcs[i*w+j-1] {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if emit {
			if int64(aEnd-aStart+1) >= minMatchLen {
				matches = append(matches, match{aStart, aEnd, bStart, bEnd})
			}
			aStart = alen
		}
	}
	switch {
	case getIdx:
		c.W.Map(2)
		c.W.BulkString("matches")
		c.W.Array(len(matches))
		for _, m := range matches {
			if withMatchLen {
				c.W.Array(3)
			} else {
				c.W.Array(2)
			}
			c.W.Array(2)
			c.W.Int(int64(m.a0))
			c.W.Int(int64(m.a1))
			c.W.Array(2)
			c.W.Int(int64(m.b0))
			c.W.Int(int64(m.b1))
			if withMatchLen {
				c.W.Int(int64(m.a1 - m.a0 + 1))
			}
		}
		c.W.BulkString("len")
		c.W.Int(int64(lcs[alen*w+blen]))
	case getLen:
		c.W.Int(int64(idx))
	default:
		c.W.Bulk(result)
	}
	return nil
}
