package core

// Generic key commands.
// https://redis.io/commands/?group=generic

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
)

func init() {
	register(map[string]Handler{
		"del":             cmdDel,
		"unlink":          cmdDel,
		"exists":          cmdExists,
		"type":            cmdType,
		"touch":           cmdTouch,
		"rename":          cmdRename,
		"renamenx":        cmdRenameNX,
		"copy":            cmdCopy,
		"move":            cmdMove,
		"randomkey":       cmdRandomKey,
		"keys":            cmdKeys,
		"scan":            cmdScan,
		"object|encoding": cmdObjectEncoding,
		"object|freq":     cmdObjectFreq,
		"object|idletime": cmdObjectIdletime,
		"object|refcount": cmdObjectRefcount,
		"object|help":     cmdObjectHelp,
	})
}

func cloneBytes(b []byte) []byte { return append([]byte(nil), b...) }

// cmdDel deletes keys and returns how many existed; UNLINK is the same
// here, since deleting a collection is O(1) in this layout.
// DEL key [key ...]
// https://redis.io/commands/del
func cmdDel(c *Ctx) error {
	var n int64
	for _, key := range c.Args[1:] {
		r, ok, err := c.lookup(key)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := c.deleteKey(key, r); err != nil {
			return err
		}
		c.notify(notifyGeneric, "del", key)
		n++
	}
	c.W.Int(n)
	return nil
}

// cmdExists returns how many of the keys exist (a key named twice counts
// twice).
// EXISTS key [key ...]
// https://redis.io/commands/exists
func cmdExists(c *Ctx) error {
	var n int64
	for _, key := range c.Args[1:] {
		_, ok, err := c.lookup(key)
		if err != nil {
			return err
		}
		if ok {
			n++
		}
	}
	c.W.Int(n)
	return nil
}

// cmdTouch returns how many of the keys exist; access times are not kept.
// TOUCH key [key ...]
// https://redis.io/commands/touch
func cmdTouch(c *Ctx) error { return cmdExists(c) }

// cmdType returns the type of a key's value.
// TYPE key
// https://redis.io/commands/type
func cmdType(c *Ctx) error {
	r, ok, err := c.lookup(c.Args[1])
	if err != nil {
		return err
	}
	if !ok {
		r.Type = TypeNone
	}
	c.W.Status(typeName(r.Type))
	return nil
}

// unlinkRecord removes a key's record and expiry entry but keeps a
// collection's elements, which the record is moving with (RENAME, MOVE).
func (c *Ctx) unlinkRecord(db uint32, key []byte, r Record) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	if r.ExpireAt != 0 {
		if err := tx.Delete(expireKey(db, r.ExpireAt, key)); err != nil {
			return err
		}
	}
	if err := c.countKey(db, &r, nil); err != nil {
		return err
	}
	var kb [64]byte
	return tx.Delete(recordKey(kb[:0], db, key))
}

// cmdRename renames a key, replacing the destination.
// RENAME key newkey
// https://redis.io/commands/rename
func cmdRename(c *Ctx) error { return c.renameGeneric(false) }

// cmdRenameNX renames a key only when the new name is free.
// RENAMENX key newkey
// https://redis.io/commands/renamenx
func cmdRenameNX(c *Ctx) error { return c.renameGeneric(true) }

func (c *Ctx) renameGeneric(nx bool) error {
	src, dst := c.Args[1], c.Args[2]
	r, ok, err := c.lookup(src)
	if err != nil {
		return err
	}
	if !ok {
		c.W.Error(msgNoSuchKey)
		return nil
	}
	if bytes.Equal(src, dst) {
		if nx {
			c.W.Int(0)
		} else {
			c.W.OK()
		}
		return nil
	}
	r.Value = cloneBytes(r.Value)
	d, exists, err := c.lookup(dst)
	if err != nil {
		return err
	}
	if exists {
		if nx {
			c.W.Int(0)
			return nil
		}
		if err := c.deleteKey(dst, d); err != nil {
			return err
		}
	}
	db := c.db()
	if err := c.unlinkRecord(db, src, r); err != nil {
		return err
	}
	if err := c.putDB(db, dst, &r, nil); err != nil {
		return err
	}
	c.notify(notifyGeneric, "rename_from", src)
	c.notify(notifyGeneric, "rename_to", dst)
	if nx {
		c.W.Int(1)
	} else {
		c.W.OK()
	}
	return nil
}

// argDB parses argument i as a logical database number, replying the
// error itself: not an int, or out of range.
func (c *Ctx) argDB(i int) (int, bool) {
	n, ok := parseLongLong(c.Args[i])
	if !ok {
		c.W.Error(msgNotInt)
		return 0, false
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		c.W.Error(msgIntOutOfRange)
		return 0, false
	}
	if n < 0 || n >= int64(c.E.ndb) {
		c.W.Error(msgDBIndexOOR)
		return 0, false
	}
	return int(n), true
}

// cmdMove moves a key to another database; the record moves, a
// collection's elements stay where they are.
// MOVE key db
// https://redis.io/commands/move
func cmdMove(c *Ctx) error {
	key := c.Args[1]
	to, ok := c.argDB(2)
	if !ok {
		return nil
	}
	if to == c.S.DB {
		c.W.Error(msgSameObject)
		return nil
	}
	r, ok, err := c.lookup(key)
	if err != nil {
		return err
	}
	if !ok {
		c.W.Int(0)
		return nil
	}
	r.Value = cloneBytes(r.Value)
	dstDB := c.E.dbmap[to]
	_, exists, err := c.lookupDB(dstDB, key)
	if err != nil {
		return err
	}
	if exists {
		c.W.Int(0)
		return nil
	}
	if err := c.unlinkRecord(c.db(), key, r); err != nil {
		return err
	}
	if err := c.putDB(dstDB, key, &r, nil); err != nil {
		return err
	}
	c.notify(notifyGeneric, "move_from", key)
	c.E.notifyDB(c, dstDB, notifyGeneric, "move_to", key)
	c.W.Int(1)
	return nil
}

// cmdCopy copies a key's value to another key, possibly in another
// database. A collection's elements are copied under a fresh id.
// COPY source destination [DB destination-db] [REPLACE]
// https://redis.io/commands/copy
func cmdCopy(c *Ctx) error {
	src, dst := c.Args[1], c.Args[2]
	to, replace := c.S.DB, false
	for j := 3; j < len(c.Args); j++ {
		opt := strings.ToLower(string(c.Args[j]))
		switch {
		case opt == "replace":
			replace = true
		case opt == "db" && j+1 < len(c.Args):
			n, ok := c.argDB(j + 1)
			if !ok {
				return nil
			}
			to = n
			j++
		default:
			c.W.Error(msgSyntax)
			return nil
		}
	}
	if to == c.S.DB && bytes.Equal(src, dst) {
		c.W.Error(msgSameObject)
		return nil
	}
	r, ok, err := c.lookup(src)
	if err != nil {
		return err
	}
	if !ok {
		c.W.Int(0)
		return nil
	}
	r.Value = cloneBytes(r.Value)
	dstDB := c.E.dbmap[to]
	d, exists, err := c.lookupDB(dstDB, dst)
	if err != nil {
		return err
	}
	if exists {
		if !replace {
			c.W.Int(0)
			return nil
		}
		if err := c.deleteRecord(dstDB, dst, d); err != nil {
			return err
		}
	}
	nr := r
	if r.Type == TypeString {
		nr.Enc |= flagEncCopy
	} else {
		if nr.ID, err = c.newID(); err != nil {
			return err
		}
		if err := c.copyElements(r.ID, nr.ID); err != nil {
			return err
		}
	}
	if err := c.putDB(dstDB, dst, &nr, nil); err != nil {
		return err
	}
	c.E.notifyDB(c, dstDB, notifyGeneric, "copy_to", dst)
	c.W.Int(1)
	return nil
}

// copyElements copies every element of collection src to collection dst,
// whatever the collection's type: each 'e' src sub entry is written again
// as 'e' dst sub. It works in batches so memory stays bounded.
func (c *Ctx) copyElements(src, dst uint64) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	const batchSize = 1024
	p := elemPrefix(src)
	end := prefixEnd(p)
	start := p
	var kb []byte
	type entry struct{ sub, page []byte }
	batch := make([]entry, 0, batchSize)
	for {
		batch = batch[:0]
		err := tx.Scan(start, end, false, func(k, page []byte) bool {
			batch = append(batch, entry{cloneBytes(k[len(p):]), cloneBytes(page)})
			return len(batch) < batchSize
		})
		if err != nil {
			return err
		}
		for _, e := range batch {
			kb = elemKey(kb, dst, e.sub)
			if err := tx.Put(kb, e.page); err != nil {
				return err
			}
		}
		if len(batch) < batchSize {
			return nil
		}
		start = append(elemKey(nil, src, batch[len(batch)-1].sub), 0)
	}
}

// cmdRandomKey returns a random key of the database, or null when it is
// empty.
// RANDOMKEY
// https://redis.io/commands/randomkey
func cmdRandomKey(c *Ctx) error {
	db := c.db()
	key, err := c.randomKey(db)
	if err != nil || key == nil {
		if err == nil {
			c.W.Null()
		}
		return err
	}
	// An expired pick gives way to the next live key, wrapping around.
	var found []byte
	take := func(k []byte, _ Record) bool {
		found = cloneBytes(k)
		return false
	}
	if err := c.scanKeys(db, key, take); err != nil {
		return err
	}
	if found == nil {
		if err := c.scanKeys(db, nil, take); err != nil {
			return err
		}
	}
	if found == nil {
		c.W.Null()
		return nil
	}
	c.W.Bulk(found)
	return nil
}

// randomKeyExact is the size of a key range RANDOMKEY samples exactly.
const randomKeyExact = 128

// randomKey picks a key of physical database db (expired or not) by a
// random descent of the key trie: at each branching point it chooses one
// of the next bytes between the lowest and the highest present, until the
// range left holds at most randomKeyExact keys, which are sampled
// uniformly. A pick costs a few seeks per branching level rather than a
// count of the keys: exact for small databases, close to uniform for keys
// of one shape (user:1234), biased toward sparse branches otherwise.
func (c *Ctx) randomKey(db uint32) ([]byte, error) {
	tx, err := c.Tx()
	if err != nil {
		return nil, err
	}
	p := appendDB([]byte{prefixKey}, db)
	dbEnd := prefixEnd(p)
	seek := func(from []byte, reverse bool, end []byte) ([]byte, error) {
		var out []byte
		start := append(cloneBytes(p), from...)
		if reverse {
			start = p
		}
		err := tx.Scan(start, end, reverse, func(k, _ []byte) bool {
			out = cloneBytes(k[len(p):])
			return false
		})
		return out, err
	}
	var prefix []byte
	for depth := 0; depth < 256; depth++ {
		end := dbEnd
		if len(prefix) > 0 {
			end = prefixEnd(append(cloneBytes(p), prefix...))
		}
		// A small range is sampled exactly.
		from := append(cloneBytes(p), prefix...)
		var first []byte
		n := 0
		if err := tx.Scan(from, end, false, func(k, _ []byte) bool {
			if n == 0 {
				first = cloneBytes(k[len(p):])
			}
			n++
			return n <= randomKeyExact
		}); err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, nil
		}
		if n <= randomKeyExact {
			var out []byte
			i := c.E.rng.IntN(n)
			err := tx.Scan(from, end, false, func(k, _ []byte) bool {
				if i == 0 {
					out = cloneBytes(k[len(p):])
					return false
				}
				i--
				return true
			})
			return out, err
		}
		last, err := seek(nil, true, end)
		if err != nil {
			return nil, err
		}
		n = len(prefix)
		for n < len(first) && n < len(last) && first[n] == last[n] {
			n++
		}
		prefix = first[:n]
		self := len(first) == n // the prefix is itself a key
		lo, hi := 0, int(last[n])
		if !self {
			lo = int(first[n])
		}
		options := hi - lo + 1
		if self {
			options++
		}
		pick := c.E.rng.IntN(options)
		if self {
			if pick == 0 {
				return first, nil
			}
			pick--
		}
		next, err := seek(append(cloneBytes(prefix), byte(lo+pick)), false, end)
		if err != nil || next == nil {
			return next, err
		}
		prefix = next[:n+1]
	}
	return seek(prefix, false, dbEnd)
}

// globLiteralPrefix returns the bytes every match of glob pattern p starts
// with, so a scan can skip to them.
func globLiteralPrefix(p []byte) []byte {
	for i, ch := range p {
		switch ch {
		case '*', '?', '[', '\\':
			return p[:i]
		}
	}
	return p
}

// cmdKeys returns the keys matching a glob pattern. Keys sharing the
// pattern's literal prefix are the only ones visited.
// KEYS pattern
// https://redis.io/commands/keys
func cmdKeys(c *Ctx) error {
	pat := c.Args[1]
	all := len(pat) == 1 && pat[0] == '*'
	prefix := globLiteralPrefix(pat)
	var keys [][]byte
	err := c.scanKeys(c.db(), prefix, func(key []byte, _ Record) bool {
		if !bytes.HasPrefix(key, prefix) {
			return false
		}
		if all || globMatch(pat, key, false) {
			keys = append(keys, cloneBytes(key))
		}
		return true
	})
	if err != nil {
		return err
	}
	c.W.Array(len(keys))
	for _, k := range keys {
		c.W.Bulk(k)
	}
	return nil
}

// ---- SCAN cursors ----
//
// A cursor names the position where the next call resumes. The store is
// ordered by key, so a position is a byte string; the engine remembers the
// latest positions it handed out (scanCursorCache of them), and a cursor
// also carries the first scanCursorPrefix bytes of its position. A cursor
// the engine no longer remembers (evicted, another process, a restart)
// resumes at those bytes: at or before the true position, so a key present
// for the whole scan is still returned, perhaps twice.

const (
	scanCursorCache  = 4096
	scanCursorPrefix = 5 // bytes; with the 16-bit tag, cursors stay below 2^56
)

// scanCursors is the engine's memory of recent cursors.
type scanCursors struct {
	pos  map[uint64][]byte
	ring []uint64
	next int
	tag  uint16
}

func (e *Engine) cursors() *scanCursors {
	if e.scan == nil {
		e.scan = &scanCursors{pos: map[uint64][]byte{}, ring: make([]uint64, 0, scanCursorCache)}
	}
	return e.scan
}

// encodeCursor returns a cursor (never 0) for resuming at position pos.
func (e *Engine) encodeCursor(pos []byte) uint64 {
	sc := e.cursors()
	sc.tag++
	if sc.tag == 0 {
		sc.tag = 1
	}
	var w [8]byte
	copy(w[8-scanCursorPrefix-2:], pos[:min(len(pos), scanCursorPrefix)])
	cur := binary.BigEndian.Uint64(w[:]) | uint64(sc.tag)
	if len(sc.ring) < scanCursorCache {
		sc.ring = append(sc.ring, cur)
	} else {
		delete(sc.pos, sc.ring[sc.next])
		sc.ring[sc.next] = cur
		sc.next = (sc.next + 1) % scanCursorCache
	}
	sc.pos[cur] = cloneBytes(pos)
	return cur
}

// decodeCursor returns the position cursor cur resumes at (nil for 0).
func (e *Engine) decodeCursor(cur uint64) []byte {
	if cur == 0 {
		return nil
	}
	if pos, ok := e.cursors().pos[cur]; ok {
		return pos
	}
	var w [8]byte
	binary.BigEndian.PutUint64(w[:], cur)
	return bytes.TrimRight(w[8-scanCursorPrefix-2:6], "\x00")
}

// parseCursor parses a cursor as Redis's strtoul does, replying the error.
func (c *Ctx) parseCursor(b []byte) (uint64, bool) {
	s := string(b)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || s == "" || s[0] < '0' || s[0] > '9' {
		c.W.Error(msgInvalidCursor)
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// scanOptions are SCAN's (and HSCAN's...) MATCH, COUNT and TYPE.
type scanOptions struct {
	match    []byte // nil: every key
	count    int64
	typeName string // "" for any
}

// parseScanOptions parses options from argument i; allowType is false for
// the collection scans. It replies the error itself.
func (c *Ctx) parseScanOptions(i int, allowType bool) (scanOptions, bool) {
	o := scanOptions{count: 10}
	for i < len(c.Args) {
		more := len(c.Args) - i
		opt := strings.ToLower(string(c.Args[i]))
		switch {
		case opt == "count" && more >= 2:
			n, ok := c.argInt(i + 1)
			if !ok {
				return o, false
			}
			if n < 1 {
				c.W.Error(msgSyntax)
				return o, false
			}
			o.count = n
		case opt == "match" && more >= 2:
			o.match = c.Args[i+1]
			if len(o.match) == 1 && o.match[0] == '*' {
				o.match = nil
			}
		case opt == "type" && allowType && more >= 2:
			o.typeName = string(c.Args[i+1])
		default:
			c.W.Error(msgSyntax)
			return o, false
		}
		i += 2
	}
	return o, true
}

// cmdScan iterates over the keys of the database.
// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
// https://redis.io/commands/scan
func cmdScan(c *Ctx) error {
	cur, ok := c.parseCursor(c.Args[1])
	if !ok {
		return nil
	}
	o, ok := c.parseScanOptions(2, true)
	if !ok {
		return nil
	}
	from := c.E.decodeCursor(cur)
	// Only keys sharing the pattern's literal prefix can match: the scan
	// starts there and ends past them.
	prefix := globLiteralPrefix(o.match)
	if bytes.Compare(from, prefix) < 0 {
		from = prefix
	}
	var keys [][]byte
	var next []byte
	visited := int64(0)
	err := c.scanKeys(c.db(), from, func(key []byte, r Record) bool {
		if !bytes.HasPrefix(key, prefix) {
			return false
		}
		if visited == o.count {
			next = cloneBytes(key)
			return false
		}
		visited++
		if o.typeName != "" && !strings.EqualFold(o.typeName, typeName(r.Type)) {
			return true
		}
		if o.match != nil && !globMatch(o.match, key, false) {
			return true
		}
		keys = append(keys, cloneBytes(key))
		return true
	})
	if err != nil {
		return err
	}
	var nextCur uint64
	if next != nil {
		nextCur = c.E.encodeCursor(next)
	}
	c.W.Array(2)
	c.W.BulkString(strconv.FormatUint(nextCur, 10))
	c.W.Array(len(keys))
	for _, k := range keys {
		c.W.Bulk(k)
	}
	return nil
}

// ---- OBJECT ----

// Redis 7.0's default encoding thresholds.
const (
	hashMaxListpackEntries = 128
	hashMaxListpackValue   = 64
	setMaxIntsetEntries    = 512
	zsetMaxListpackEntries = 128
	zsetMaxListpackValue   = 64
	embstrMaxLen           = 44
)

// EncodingFunc reports the encoding Redis 7.0 would give collection r.
type EncodingFunc func(c *Ctx, r Record) (string, error)

// collectionEncodings answers OBJECT ENCODING for collection types. The
// defaults assume an element's sub key is the member (or field) and its
// page the value; a type whose layout differs replaces its entry with
// registerEncoding.
var collectionEncodings = map[byte]EncodingFunc{
	TypeList: func(*Ctx, Record) (string, error) { return "quicklist", nil },
	TypeSet:  setEncoding,
	TypeHash: hashEncoding,
	TypeZSet: zsetEncoding,
}

// registerEncoding sets how OBJECT ENCODING answers for type typ.
func registerEncoding(typ byte, f EncodingFunc) { collectionEncodings[typ] = f }

// eachElement calls fn for collection id's elements until it returns false.
func (c *Ctx) eachElement(id uint64, fn func(sub, page []byte) bool) error {
	tx, err := c.Tx()
	if err != nil {
		return err
	}
	p := elemPrefix(id)
	return tx.Scan(p, prefixEnd(p), false, func(k, page []byte) bool { return fn(k[len(p):], page) })
}

func setEncoding(c *Ctx, r Record) (string, error) {
	if r.Count > setMaxIntsetEntries {
		return "hashtable", nil
	}
	enc := "intset"
	err := c.eachElement(r.ID, func(sub, _ []byte) bool {
		if _, ok := parseLongLong(sub); !ok {
			enc = "hashtable"
			return false
		}
		return true
	})
	return enc, err
}

func hashEncoding(c *Ctx, r Record) (string, error) {
	if r.Count > hashMaxListpackEntries {
		return "hashtable", nil
	}
	enc := "listpack"
	err := c.eachElement(r.ID, func(sub, page []byte) bool {
		if len(sub) > hashMaxListpackValue || len(page) > hashMaxListpackValue {
			enc = "hashtable"
			return false
		}
		return true
	})
	return enc, err
}

func zsetEncoding(c *Ctx, r Record) (string, error) {
	if r.Count > zsetMaxListpackEntries {
		return "skiplist", nil
	}
	enc := "listpack"
	err := c.eachElement(r.ID, func(sub, _ []byte) bool {
		if len(sub) > zsetMaxListpackValue {
			enc = "skiplist"
			return false
		}
		return true
	})
	return enc, err
}

// stringEncoding is the encoding Redis 7.0 gives a string value: int,
// embstr or raw, following what last wrote it (Record.Enc).
func stringEncoding(r Record) string {
	if r.Enc&flagEncRaw != 0 {
		return "raw"
	}
	if r.Enc&flagEncNotInt == 0 && len(r.Value) <= 20 {
		if _, ok := parseLongLong(r.Value); ok {
			return "int"
		}
	}
	if len(r.Value) <= embstrMaxLen {
		return "embstr"
	}
	return "raw"
}

// objectLookup finds OBJECT's key, replying null when it is missing.
func (c *Ctx) objectLookup() (Record, bool, error) {
	r, ok, err := c.lookup(c.Args[2])
	if err == nil && !ok {
		c.W.Null()
	}
	return r, ok, err
}

// cmdObjectEncoding returns the internal encoding Redis would use for a
// key's value.
// OBJECT ENCODING key
// https://redis.io/commands/object-encoding
func cmdObjectEncoding(c *Ctx) error {
	r, ok, err := c.objectLookup()
	if err != nil || !ok {
		return err
	}
	if r.Type == TypeString {
		c.W.BulkString(stringEncoding(r))
		return nil
	}
	f := collectionEncodings[r.Type]
	if f == nil {
		c.W.BulkString("unknown")
		return nil
	}
	enc, err := f(c, r)
	if err != nil {
		return err
	}
	c.W.BulkString(enc)
	return nil
}

func (c *Ctx) lfuPolicy() bool {
	return strings.Contains(c.E.config["maxmemory-policy"], "lfu")
}

// cmdObjectFreq returns a key's logarithmic access frequency; access is
// not tracked, so it is 0 under an LFU policy.
// OBJECT FREQ key
// https://redis.io/commands/object-freq
func cmdObjectFreq(c *Ctx) error {
	_, ok, err := c.objectLookup()
	if err != nil || !ok {
		return err
	}
	if !c.lfuPolicy() {
		c.W.Error(msgNoLFU)
		return nil
	}
	c.W.Int(0)
	return nil
}

// cmdObjectIdletime returns the seconds since a key was last accessed;
// access is not tracked, so it is 0.
// OBJECT IDLETIME key
// https://redis.io/commands/object-idletime
func cmdObjectIdletime(c *Ctx) error {
	_, ok, err := c.objectLookup()
	if err != nil || !ok {
		return err
	}
	if c.lfuPolicy() {
		c.W.Error(msgNoLRU)
		return nil
	}
	c.W.Int(0)
	return nil
}

// sharedRefcount is what Redis reports for its shared integer objects.
const sharedRefcount = math.MaxInt32

// cmdObjectRefcount returns the reference count of a key's value: Redis
// shares the integers 0-9999 stored by SET and INCR.
// OBJECT REFCOUNT key
// https://redis.io/commands/object-refcount
func cmdObjectRefcount(c *Ctx) error {
	r, ok, err := c.objectLookup()
	if err != nil || !ok {
		return err
	}
	if r.Type == TypeString && r.Enc == 0 {
		if v, ok := parseLongLong(r.Value); ok && v >= 0 && v < 10000 {
			c.W.Int(sharedRefcount)
			return nil
		}
	}
	c.W.Int(1)
	return nil
}

var objectHelp = []string{
	"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
	"HELP",
	"    Prints this help.",
}

// cmdObjectHelp lists OBJECT's subcommands.
// OBJECT HELP
// https://redis.io/commands/object-help
func cmdObjectHelp(c *Ctx) error {
	c.W.Array(len(objectHelp))
	for _, l := range objectHelp {
		c.W.Status(l)
	}
	return nil
}
