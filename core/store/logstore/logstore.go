// Package logstore puts a write log in front of a page store, so that a
// durable commit writes one record however many pages it changed.
//
// A page store over a B-tree file (SQLite) rewrites every file page a
// commit touches: a group of a thousand SETs on random keys dirties
// hundreds of 4 KB pages, and each is written to the WAL and later
// checkpointed. logstore instead appends the commit's changes, in key order,
// as one record under a reserved key, and keeps them in memory (the
// overlay) in front of the pages. When the overlay holds MergeEntries
// entries, a commit also merges it into the pages, in key order, and drops
// the records it merged, all inside the same base transaction. The layout
// is an ordinary set of pages, so any host that opens the file through
// logstore sees the same data.
//
// # Processes sharing the base
//
// Several processes may each wrap the same base (a SQLite file). Every
// transaction first catches up: it reads the records that other processes
// appended since its last look (only when the base's store.Changes counter
// moved) and the merge watermark, so its overlay matches the base's
// snapshot. Writers are serialized by the base (a write transaction takes
// its write lock before catching up), so record numbers are unique.
//
// # Groups
//
// logstore implements store.Grouper on its own: BeginGroup opens one base
// write transaction that every transaction of the group shares; their
// writes are folded into the group, and EndGroup appends them as one
// record and commits the base once.
//
// Reserved keys: every key starting with 0xff 0xfe belongs to logstore;
// Put and Delete of such a key fail.
package logstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"unsafe"

	"github.com/tidwall/btree"

	"github.com/foliodb/folio/core/store"
)

var (
	// records: prefix + seq (8 bytes, big endian) -> the commit's changes
	recPrefix = []byte{0xff, 0xfe, 'r'}
	recEnd    = []byte{0xff, 0xfe, 's'}
	// markKey holds the merge watermark: every record with seq <= it has
	// been merged into the pages (and deleted).
	markKey = []byte{0xff, 0xfe, 'm'}
	// reserved is the prefix of every key logstore owns.
	reserved    = []byte{0xff, 0xfe}
	reservedEnd = []byte{0xff, 0xff}
)

// ErrReserved is returned by Put and Delete of a key logstore owns.
var ErrReserved = errors.New("logstore: key in the reserved range 0xff 0xfe")

// errCorrupt reports a record that does not decode.
var errCorrupt = errors.New("logstore: corrupt log record")

// Options tune a Store.
type Options struct {
	// MergeEntries is the overlay size (distinct keys) at which a commit
	// merges the overlay into the pages. Default 1<<17: a merge writes
	// its entries in key order, so the more it holds the fewer writes each
	// rewritten B-tree page carries (MergeBytes still bounds the memory).
	MergeEntries int
	// MergeBytes is the overlay size in bytes (keys and pages) at which a
	// commit merges it, so that a merge, one base transaction, stays
	// small (a WAL grows by what one transaction writes). Default 8 MiB.
	MergeBytes int
	// MergeDeletes is the number of deletions in the overlay at which a
	// commit merges it: a range scan steps over every deletion in its
	// range (a small sorted set whose scores keep changing leaves one per
	// update), so they must not pile up; MergeSkips bounds what scans pay
	// for them. Default 65,536.
	MergeDeletes int
	// MergeSkips is the number of deletions range scans may step over
	// before the next commit merges the overlay (or the end of the read
	// transaction, when it wrote nothing): deletions cost only the
	// scans that meet them, and merging early for them makes a merge
	// write few pages per B-tree page it rewrites (a large sorted set
	// whose scores change leaves a deletion per update, spread over the
	// whole set). Default 4,096.
	MergeSkips int
}

// entry is one key's latest unmerged write, kept by value in the trees so
// a comparison reads the key without a hop through a pointer. kv is the
// key, and the page follows it up to cap(kv) (one allocation).
type entry struct {
	kv  []byte
	seq uint64 // record that wrote it (0 while pending), delFlag when a deletion
}

const delFlag = 1 << 63

func makeEntry(key, page []byte, del bool) entry {
	kv := make([]byte, len(key)+len(page))
	copy(kv, key)
	copy(kv[len(key):], page)
	e := entry{kv: kv[:len(key):len(kv)]}
	if del {
		e.seq = delFlag
	}
	return e
}

func (e entry) key() []byte  { return e.kv }
func (e entry) page() []byte { return e.kv[len(e.kv):cap(e.kv)] }
func (e entry) del() bool    { return e.seq&delFlag != 0 }
func (e entry) num() uint64  { return e.seq &^ delFlag }

// withSeq returns e as written by record seq.
func (e entry) withSeq(seq uint64) entry {
	e.seq = e.seq&delFlag | seq
	return e
}

func lessEntry(a, b entry) bool { return bytes.Compare(a.kv, b.kv) < 0 }

func newTree() *btree.BTreeG[entry] {
	return btree.NewBTreeGOptions(lessEntry, btree.Options{NoLocks: true, Degree: 32})
}

// Store is a store.Store and a store.Grouper over a base store.
type Store struct {
	base store.Store
	ext  store.Changes // base's, or nil
	opts Options

	// The overlay: committed, unmerged writes. ovIdx holds them all, for
	// point lookups (a hash probe is a cache miss or two, a B-tree descent
	// a dozen); ov holds them in key order for scans and merges, except
	// the keys in stale, written since ov was last brought up to date
	// (ordered), which a commit only appends to: a workload without range
	// scans never pays for the order until a merge. They are kept apart
	// by first byte, so a scan of one kind of key (the engine's
	// housekeeping scans its small ranges ten times a second) never sorts
	// the others: nStale counts them all.
	ov     *btree.BTreeG[entry]
	ovIdx  map[string]entry
	stale  [256]staleKeys
	nStale int
	ovSize int    // bytes of keys and pages in the overlay
	ovDels int    // deletions in the overlay
	last   uint64 // highest record applied to ov
	merged uint64 // merge watermark seen
	extVer uint64
	seen   bool // extVer is valid
	skips  int  // deletions range scans stepped over since the last merge

	// group
	gtx   store.Tx             // the base transaction of the open group
	gpend *btree.BTreeG[entry] // writes committed in the group, not yet logged

	tx tx
}

// New wraps base. The base's pages must have been written through
// logstore only (or be empty).
func New(base store.Store, opts Options) *Store {
	if opts.MergeEntries <= 0 {
		opts.MergeEntries = 1 << 17
	}
	if opts.MergeBytes <= 0 {
		opts.MergeBytes = 8 << 20
	}
	if opts.MergeDeletes <= 0 {
		opts.MergeDeletes = 1 << 16
	}
	if opts.MergeSkips <= 0 {
		opts.MergeSkips = 1 << 12
	}
	s := &Store{base: base, opts: opts, ov: newTree(), ovIdx: map[string]entry{}, gpend: newTree()}
	s.ext, _ = base.(store.Changes)
	s.tx.s = s
	s.tx.w = newTree()
	return s
}

// Base returns the wrapped store.
func (s *Store) Base() store.Store { return s.base }

// Overlay reports the number of unmerged entries held in memory.
func (s *Store) Overlay() int { return len(s.ovIdx) }

func (s *Store) ovSet(e entry) {
	k := keyString(e.kv)
	if old, ok := s.ovIdx[k]; ok {
		s.ovSize -= cap(old.kv)
		if old.del() {
			s.ovDels--
		}
	}
	if e.del() {
		s.ovDels++
	}
	s.ovSize += cap(e.kv)
	s.ovIdx[k] = e
	s.addStale(e.kv)
	if s.nStale >= 1<<12 && s.nStale > 2*len(s.ovIdx) {
		// The same keys written over and over: order them now rather
		// than keep every version alive until a scan or a merge.
		s.ordered(nil, nil)
	}
}

// keyString is an entry's key as a map key without a copy: an entry's
// bytes are never written after makeEntry.
func keyString(k []byte) string {
	if len(k) == 0 {
		return ""
	}
	return unsafe.String(&k[0], len(k))
}

func (s *Store) ovDelete(e entry) {
	if old, ok := s.ovIdx[string(e.kv)]; ok {
		s.ovSize -= cap(old.kv)
		if old.del() {
			s.ovDels--
		}
		delete(s.ovIdx, string(e.kv))
		s.addStale(old.kv)
	}
}

func (s *Store) ovClear() {
	s.ov.Clear()
	clear(s.ovIdx)
	if s.nStale > 0 {
		for b := range s.stale {
			if sk := &s.stale[b]; len(sk.keys) > 0 {
				clear(sk.keys)
				sk.keys, sk.sorted = sk.keys[:0], 0
			}
		}
		s.nStale = 0
	}
	s.ovSize, s.ovDels, s.skips = 0, 0, 0
}

// staleKeys are the stale keys of one first byte: sorted is the length
// of keys's sorted front.
type staleKeys struct {
	keys   [][]byte
	sorted int
}

func (s *Store) addStale(k []byte) {
	b := 0
	if len(k) > 0 {
		b = int(k[0])
	}
	s.stale[b].keys = append(s.stale[b].keys, k)
	s.nStale++
}

// ordered brings ov up to date with ovIdx over [start, end) (nil: no
// bound) and returns it. The stale keys are kept sorted, so a scan applies
// only those in its range, and only those of the first bytes its range
// spans are sorted: the engine's housekeeping scans its small ranges ten
// times a second, and must not pay for every write since.
func (s *Store) ordered(start, end []byte) *btree.BTreeG[entry] {
	if s.nStale == 0 {
		return s.ov
	}
	b0, b1 := 0, len(s.stale)-1
	if len(start) > 0 {
		b0 = int(start[0])
	}
	if end != nil {
		if len(end) == 0 {
			return s.ov
		}
		b1 = int(end[0])
	}
	for b := b0; b <= b1; b++ {
		if sk := &s.stale[b]; len(sk.keys) > 0 {
			s.nStale -= s.applyStale(sk, start, end)
		}
	}
	return s.ov
}

// applyStale sorts sk and brings ov up to date for its keys in [start,
// end), dropping them from sk; it returns how many it dropped.
func (s *Store) applyStale(sk *staleKeys, start, end []byte) int {
	st := sk.keys
	if sk.sorted < len(st) {
		// Sort what was appended since, and merge it with the sorted
		// run in front.
		tail := st[sk.sorted:]
		slices.SortFunc(tail, bytes.Compare)
		if sk.sorted > 0 {
			merged := make([][]byte, 0, cap(st))
			a, b := st[:sk.sorted], tail
			for len(a) > 0 && len(b) > 0 {
				if bytes.Compare(a[0], b[0]) <= 0 {
					merged, a = append(merged, a[0]), a[1:]
				} else {
					merged, b = append(merged, b[0]), b[1:]
				}
			}
			merged = append(append(merged, a...), b...)
			clear(st)
			st = merged
		}
		sk.keys, sk.sorted = st, len(st)
	}
	lo, hi := 0, len(st)
	if start != nil {
		lo, _ = slices.BinarySearchFunc(st, start, bytes.Compare)
	}
	if end != nil {
		hi, _ = slices.BinarySearchFunc(st, end, bytes.Compare)
	}
	if lo >= hi {
		return 0
	}
	var hint btree.PathHint
	for i, k := range st[lo:hi] {
		if i > 0 && bytes.Equal(k, st[lo+i-1]) {
			continue
		}
		if e, ok := s.ovIdx[keyString(k)]; ok {
			s.ov.SetHint(e, &hint)
		} else {
			s.ov.DeleteHint(entry{kv: k}, &hint)
		}
	}
	n := copy(st[lo:], st[hi:])
	clear(st[lo+n:]) // drop the references
	sk.keys = st[:lo+n]
	sk.sorted = len(sk.keys)
	return hi - lo
}

func recKey(seq uint64) []byte {
	k := make([]byte, len(recPrefix)+8, len(recPrefix)+12)
	copy(k, recPrefix)
	binary.BigEndian.PutUint64(k[len(recPrefix):], seq)
	return k
}

// chunkSize bounds the bytes of a record stored under one key. A B-tree
// file keeps a large row on overflow pages, and SQLite compares a key
// against such a row by reading all of it: small rows keep every
// comparison cheap.
const chunkSize = 900

// putRecord stores a record as chunks: key recKey(seq) + chunk number.
func putRecord(bt store.Tx, seq uint64, rec []byte) error {
	k := recKey(seq)
	for n := uint32(0); ; n++ {
		c := rec[:min(len(rec), chunkSize)]
		rec = rec[len(c):]
		if err := bt.Put(binary.BigEndian.AppendUint32(k, n), c); err != nil {
			return err
		}
		if len(rec) == 0 {
			return nil
		}
	}
}

// scanRecords calls fn with each whole record from seq from on.
func scanRecords(bt store.Tx, from uint64, fn func(seq uint64, rec []byte) error) error {
	var cur uint64
	var buf []byte
	var ferr error
	err := bt.Scan(recKey(from), recEnd, false, func(k, c []byte) bool {
		seq := binary.BigEndian.Uint64(k[len(recPrefix):])
		if buf != nil && seq != cur {
			// The overlay keeps slices of the record: a fresh buffer each.
			if ferr = fn(cur, buf); ferr != nil {
				return false
			}
			buf = nil
		}
		cur = seq
		if buf == nil {
			buf = make([]byte, 0, len(c))
		}
		buf = append(buf, c...)
		return true
	})
	if err == nil && ferr == nil && buf != nil {
		ferr = fn(cur, buf)
	}
	if err == nil {
		err = ferr
	}
	return err
}

// deleteRecords drops every record with seq in [from, to].
func deleteRecords(bt store.Tx, from, to uint64) error {
	var keys [][]byte
	err := bt.Scan(recKey(from), recKey(to+1), false, func(k, _ []byte) bool {
		keys = append(keys, append([]byte(nil), k...))
		return true
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := bt.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// catchUp brings the overlay to the base transaction's view.
func (s *Store) catchUp(bt store.Tx) error {
	if s.ext != nil {
		v, err := s.ext.ExternalVersion(bt)
		if err != nil {
			return err
		}
		if s.seen && v == s.extVer {
			return nil
		}
		s.extVer, s.seen = v, true
	}
	var w uint64
	page, ok, err := bt.Get(markKey)
	if err != nil {
		return err
	}
	if ok {
		if len(page) != 8 {
			return errCorrupt
		}
		w = binary.BigEndian.Uint64(page)
	}
	switch {
	case w > s.last:
		// Records this process never saw were merged: the pages have
		// them, and everything in the overlay is older.
		s.ovClear()
		s.last = w
	case w > s.merged:
		// Another process merged records this process had applied: drop
		// them from the overlay, the pages have them now.
		var drop []entry
		for _, e := range s.ovIdx {
			if e.num() <= w {
				drop = append(drop, e)
			}
		}
		for _, e := range drop {
			s.ovDelete(e)
		}
	}
	s.merged = w
	return scanRecords(bt, s.last+1, func(seq uint64, rec []byte) error {
		if err := s.apply(seq, rec); err != nil {
			return err
		}
		s.last = seq
		return nil
	})
}

// apply adds a record's changes to the overlay.
func (s *Store) apply(seq uint64, rec []byte) error {
	for len(rec) > 0 {
		del := rec[0] == 1
		rec = rec[1:]
		key, rest, ok := readBytes(rec)
		if !ok {
			return errCorrupt
		}
		rec = rest
		var page []byte
		if !del {
			if page, rec, ok = readBytes(rec); !ok {
				return errCorrupt
			}
		}
		s.ovSet(makeEntry(key, page, del).withSeq(seq))
	}
	return nil
}

func readBytes(b []byte) (v, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return nil, nil, false
	}
	return b[k : k+int(n) : k+int(n)], b[k+int(n):], true
}

// encode appends the changes in t, in key order, as one record.
func encode(t *btree.BTreeG[entry]) []byte {
	var rec []byte
	t.Scan(func(e entry) bool {
		if e.del() {
			rec = append(rec, 1)
		} else {
			rec = append(rec, 0)
		}
		rec = binary.AppendUvarint(rec, uint64(len(e.key())))
		rec = append(rec, e.key()...)
		if !e.del() {
			rec = binary.AppendUvarint(rec, uint64(len(e.page())))
			rec = append(rec, e.page()...)
		}
		return true
	})
	return rec
}

// logCommit appends the changes in pend as record last+1 inside the base
// write transaction bt, merging the overlay into the pages when it is
// large. It returns what to do once bt committed.
func (s *Store) logCommit(bt store.Tx, pend *btree.BTreeG[entry]) (done func(), err error) {
	seq := s.last + 1
	if err := putRecord(bt, seq, encode(pend)); err != nil {
		return nil, err
	}
	dels := s.ovDels
	pend.Scan(func(e entry) bool {
		if e.del() {
			dels++
		}
		return true
	})
	if len(s.ovIdx)+pend.Len() < s.opts.MergeEntries && s.ovSize < s.opts.MergeBytes && dels < s.opts.MergeDeletes && s.skips < s.opts.MergeSkips {
		return func() {
			pend.Scan(func(e entry) bool {
				s.ovSet(e.withSeq(seq))
				return true
			})
			s.last = seq
		}, nil
	}
	return s.merge(bt, pend, seq)
}

// merge writes the overlay and pend to the pages in key order, drops
// every record up to seq and moves the watermark there, inside the base
// write transaction bt. It returns what to do once bt committed.
func (s *Store) merge(bt store.Tx, pend *btree.BTreeG[entry], seq uint64) (done func(), err error) {
	// pend's entries join the overlay (a failed commit drops it all: the
	// engine reloads after a lost commit, and the records replay).
	pend.Scan(func(e entry) bool { s.ovSet(e.withSeq(seq)); return true })
	// The overlay in key order, once: sorting ovIdx's entries costs less
	// than bringing ov up to date (a B-tree insert per stale key) and
	// scanning it, and ov is dropped after the merge anyway.
	es := make([]entry, 0, len(s.ovIdx))
	for _, e := range s.ovIdx {
		es = append(es, e)
	}
	slices.SortFunc(es, func(a, b entry) int { return bytes.Compare(a.kv, b.kv) })
	wt, _ := bt.(WriteThrougher)
	for _, e := range es {
		var err error
		if wt != nil {
			// The entries stay as they are until done or forget runs,
			// after bt ended.
			err = wt.WriteThrough(e.key(), e.page(), e.del())
		} else if e.del() {
			err = bt.Delete(e.key())
		} else {
			err = bt.Put(e.key(), e.page())
		}
		if err != nil {
			return nil, err
		}
	}
	if err := deleteRecords(bt, s.merged+1, seq); err != nil {
		return nil, err
	}
	var mark [8]byte
	binary.BigEndian.PutUint64(mark[:], seq)
	if err := bt.Put(markKey, mark[:]); err != nil {
		return nil, err
	}
	return func() {
		s.ovClear()
		s.last, s.merged = seq, seq
	}, nil
}

// Merge writes every unmerged change into the pages now, so that the base
// alone holds the data (Close does it).
func (s *Store) Merge() error {
	return s.mergeWith(func() (store.Tx, error) { return s.base.Begin(true) })
}

// WriteThrougher is a base transaction that can take a write past its
// own bookkeeping (sqlitestore's: see its WriteThrough), which a merge,
// writing each key once, does not need. key and page stay unchanged until
// the transaction ends.
type WriteThrougher interface {
	WriteThrough(key, page []byte, del bool) error
}

// Idle implements store.Idler: it merges the overlay once it holds a
// sixteenth of what forces a merge (entries or bytes), so that a burst of
// writes followed by a pause leaves little for a command to merge later,
// and merges take no command's time. It does not wait for another
// process's write lock (it is tried again at the next pause).
func (s *Store) Idle() error {
	if s.gtx != nil || s.tx.active {
		return nil
	}
	if len(s.ovIdx) < s.opts.MergeEntries/16 && s.ovSize < s.opts.MergeBytes/16 {
		return nil
	}
	return s.mergeNoWait()
}

// mergeNoWait merges unless another process holds the base's write lock
// (a base without BeginNoWait is waited for): the merges after a read and
// at a pause can as well be done later. A refused lock is not an error.
func (s *Store) mergeNoWait() error {
	begin := func() (store.Tx, error) { return s.base.Begin(true) }
	if nw, ok := s.base.(NoWaitBeginner); ok {
		begin = nw.BeginNoWait
	}
	refused := false
	err := s.mergeWith(func() (store.Tx, error) {
		tx, err := begin()
		refused = err != nil
		return tx, err
	})
	if refused {
		return nil
	}
	return err
}

// NoWaitBeginner is a store whose write transaction can fail at once,
// instead of waiting, when another process holds the write lock.
// logstore uses it for merges that can as well be done later.
type NoWaitBeginner interface {
	BeginNoWait() (store.Tx, error)
}

func (s *Store) mergeWith(begin func() (store.Tx, error)) error {
	if s.gtx != nil || s.tx.active {
		return errors.New("logstore: Merge inside a transaction")
	}
	bt, err := begin()
	if err != nil {
		return err
	}
	if err := s.catchUp(bt); err != nil {
		bt.Rollback()
		s.seen = false
		return err
	}
	if s.last == s.merged {
		return bt.Rollback()
	}
	done, err := s.merge(bt, newTree(), s.last)
	if err == nil {
		err = bt.Commit()
	} else {
		bt.Rollback()
	}
	if err != nil {
		s.forget()
		return err
	}
	done()
	return nil
}

// commitBase logs pend and commits the base transaction bt.
func (s *Store) commitBase(bt store.Tx, pend *btree.BTreeG[entry]) error {
	done, err := s.logCommit(bt, pend)
	if err == nil {
		err = bt.Commit()
	} else {
		bt.Rollback()
	}
	if err != nil {
		pend.Clear()
		s.forget()
		return err
	}
	done()
	pend.Clear()
	return nil
}

// forget drops the overlay after a failed commit (a merge may have
// changed it): the next transaction replays the log from the watermark.
func (s *Store) forget() {
	s.ovClear()
	s.last, s.merged, s.seen = 0, 0, false
}

// Begin starts a transaction. Inside a group it shares the group's base
// transaction.
func (s *Store) Begin(writable bool) (store.Tx, error) {
	t := &s.tx
	if t.active {
		return nil, errors.New("logstore: Begin while a transaction is open")
	}
	if s.gtx != nil {
		t.bt, t.grouped = s.gtx, true
	} else {
		bt, err := s.base.Begin(writable)
		if err != nil {
			return nil, err
		}
		if err := s.catchUp(bt); err != nil {
			bt.Rollback()
			s.seen = false
			return nil, err
		}
		t.bt, t.grouped = bt, false
	}
	t.active, t.writable = true, writable
	t.w.Clear()
	return t, nil
}

// Close merges the log into the pages, so the base alone holds the data
// and tools that read the file directly see it, and closes the base. A
// merge that cannot run (another process holds the write lock too long)
// loses nothing: the log replays on the next open.
func (s *Store) Close() error {
	if s.gtx != nil {
		s.gtx.Rollback()
		s.gtx = nil
	}
	if s.tx.active {
		s.tx.Rollback()
	}
	s.Merge()
	return s.base.Close()
}

// ExternalVersion implements store.Changes with the base's counter (0 when
// the base has none: no other process writes it).
func (s *Store) ExternalVersion(t store.Tx) (uint64, error) {
	if s.ext == nil {
		return 0, nil
	}
	lt, ok := t.(*tx)
	if !ok {
		return 0, errors.New("logstore: ExternalVersion of a foreign transaction")
	}
	return s.ext.ExternalVersion(lt.bt)
}

// BeginGroup implements store.Grouper.
func (s *Store) BeginGroup() error {
	if s.gtx != nil {
		return errors.New("logstore: BeginGroup: a group is already open")
	}
	if s.tx.active {
		return errors.New("logstore: BeginGroup inside a transaction")
	}
	bt, err := s.base.Begin(true)
	if err != nil {
		return err
	}
	if err := s.catchUp(bt); err != nil {
		bt.Rollback()
		s.seen = false
		return err
	}
	s.gtx = bt
	s.gpend.Clear()
	return nil
}

// EndGroup implements store.Grouper: the group's writes become one record,
// committed with one base commit.
func (s *Store) EndGroup() error {
	bt := s.gtx
	if bt == nil {
		return errors.New("logstore: EndGroup without BeginGroup")
	}
	s.gtx = nil
	if s.gpend.Len() == 0 {
		return s.endRead(bt.Commit())
	}
	return s.commitBase(bt, s.gpend)
}

// AbortGroup drops the open group and its writes.
func (s *Store) AbortGroup() error {
	bt := s.gtx
	if bt == nil {
		return errors.New("logstore: AbortGroup without BeginGroup")
	}
	s.gtx = nil
	s.gpend.Clear()
	return bt.Rollback()
}

// tx is the Store's one transaction.
type tx struct {
	s        *Store
	bt       store.Tx
	w        *btree.BTreeG[entry] // this transaction's writes
	active   bool
	writable bool
	grouped  bool
}

var errEnded = errors.New("logstore: transaction has ended")

// find returns the newest unmerged write of key, or nil.
func (t *tx) find(key []byte) (entry, bool) {
	s := t.s
	probe := entry{kv: key}
	if t.w.Len() > 0 {
		if e, ok := t.w.Get(probe); ok {
			return e, true
		}
	}
	if t.grouped && s.gpend.Len() > 0 {
		if e, ok := s.gpend.Get(probe); ok {
			return e, true
		}
	}
	if len(s.ovIdx) > 0 {
		if e, ok := s.ovIdx[string(key)]; ok {
			return e, true
		}
	}
	return entry{}, false
}

func (t *tx) Get(key []byte) ([]byte, bool, error) {
	if !t.active {
		return nil, false, errEnded
	}
	if e, ok := t.find(key); ok {
		if e.del() {
			return nil, false, nil
		}
		return e.page(), true, nil
	}
	return t.bt.Get(key)
}

func (t *tx) write(key, page []byte, del bool) error {
	if !t.active {
		return errEnded
	}
	if !t.writable {
		return errors.New("logstore: write in a read-only transaction")
	}
	if bytes.HasPrefix(key, reserved) {
		return ErrReserved
	}
	t.w.Set(makeEntry(key, page, del))
	return nil
}

func (t *tx) Put(key, page []byte) error { return t.write(key, page, false) }
func (t *tx) Delete(key []byte) error    { return t.write(key, nil, true) }

func (t *tx) Commit() error {
	if !t.active {
		return errEnded
	}
	t.active = false
	s := t.s
	if t.grouped {
		t.w.Scan(func(e entry) bool { s.gpend.Set(e); return true })
		t.w.Clear()
		return nil
	}
	bt := t.bt
	t.bt = nil
	if t.w.Len() == 0 {
		return s.endRead(bt.Commit())
	}
	return s.commitBase(bt, t.w)
}

func (t *tx) Rollback() error {
	if !t.active {
		return errEnded
	}
	t.active = false
	t.w.Clear()
	if t.grouped {
		return nil
	}
	bt := t.bt
	t.bt = nil
	return t.s.endRead(bt.Rollback())
}

// endRead follows a transaction that wrote nothing: when range scans have
// stepped over MergeSkips deletions, it merges now, since a read-mostly
// workload may not commit a write for a long time, and every scan until
// then would step over them again. A merge that cannot run now (another
// process holds the write lock: it does not wait) is tried again after as
// many more.
func (s *Store) endRead(err error) error {
	if err != nil || s.skips < s.opts.MergeSkips || s.gtx != nil {
		return err
	}
	s.skips = 0
	s.mergeNoWait() // a read reports its own outcome, not the merge's
	return nil
}

// Scan merges the transaction's writes, the group's, the overlay and the
// base's pages; the newest write of a key wins and deletions hide it.
func (t *tx) Scan(start, end []byte, reverse bool, fn func(key, page []byte) bool) error {
	if !t.active {
		return errEnded
	}
	// logstore's own keys are not pages: scan around them.
	lo, hi := start, end
	if hi == nil || bytes.Compare(hi, reserved) > 0 {
		hi = reserved
	}
	var ranges [2][2][]byte
	n := 0
	if bytes.Compare(lo, hi) < 0 {
		ranges[n] = [2][]byte{lo, hi}
		n++
	}
	if end == nil || bytes.Compare(end, reservedEnd) > 0 {
		lo = start
		if bytes.Compare(lo, reservedEnd) < 0 {
			lo = reservedEnd
		}
		if end == nil || bytes.Compare(lo, end) < 0 {
			ranges[n] = [2][]byte{lo, end}
			n++
		}
	}
	if reverse && n == 2 {
		ranges[0], ranges[1] = ranges[1], ranges[0]
	}
	for _, r := range ranges[:n] {
		if stop, err := t.scan(r[0], r[1], reverse, fn); stop || err != nil {
			return err
		}
	}
	return nil
}

// scan is Scan over a range without reserved keys; stop reports that fn
// returned false.
func (t *tx) scan(start, end []byte, reverse bool, fn func(key, page []byte) bool) (stop bool, err error) {
	s := t.s
	var m merger
	m.reverse = reverse
	for _, l := range []*btree.BTreeG[entry]{t.w, s.gpend, s.ordered(start, end)} {
		if l.Len() == 0 || (l == s.gpend && !t.grouped) {
			continue
		}
		m.add(l, start, end)
	}
	defer m.release()
	if len(m.its) == 0 {
		err := t.bt.Scan(start, end, reverse, func(k, p []byte) bool {
			if !fn(k, p) {
				stop = true
				return false
			}
			return true
		})
		return stop, err
	}
	before := func(a, b []byte) bool {
		if reverse {
			return bytes.Compare(a, b) > 0
		}
		return bytes.Compare(a, b) < 0
	}
	emit := func(e entry) bool {
		if e.del() {
			s.skips++
			return true
		}
		if !fn(e.key(), e.page()) {
			stop = true
			return false
		}
		return true
	}
	err = t.bt.Scan(start, end, reverse, func(k, p []byte) bool {
		for {
			e, ok := m.cur()
			if !ok || !before(e.key(), k) {
				break
			}
			m.next()
			if !emit(e) {
				return false
			}
		}
		if e, ok := m.cur(); ok && bytes.Equal(e.key(), k) {
			m.next()
			return emit(e)
		}
		if !fn(k, p) {
			stop = true
			return false
		}
		return true
	})
	if err != nil || stop {
		return stop, err
	}
	for e, ok := m.cur(); ok; e, ok = m.cur() {
		m.next()
		if !emit(e) {
			break
		}
	}
	return stop, nil
}

// merger walks several entry trees over [start, end) as one sequence in
// key order (descending when reverse); the first tree added wins a tie.
type merger struct {
	reverse    bool
	start, end []byte
	its        []*btree.IterG[entry]
	ok         []bool
	top        int // index of the current entry's iterator, -1 at the end
}

func (m *merger) add(tr *btree.BTreeG[entry], start, end []byte) {
	m.start, m.end = start, end
	it := tr.Iter()
	var ok bool
	if m.reverse {
		if end != nil && it.Seek(entry{kv: end}) {
			ok = it.Prev()
		} else {
			ok = it.Last()
		}
	} else {
		ok = it.Seek(entry{kv: start})
	}
	m.its = append(m.its, &it)
	m.ok = append(m.ok, ok && m.in(it.Item().kv))
	m.pick()
}

func (m *merger) in(k []byte) bool {
	return bytes.Compare(k, m.start) >= 0 && (m.end == nil || bytes.Compare(k, m.end) < 0)
}

// pick finds the iterator holding the next entry.
func (m *merger) pick() {
	m.top = -1
	for i, it := range m.its {
		if !m.ok[i] {
			continue
		}
		if m.top < 0 {
			m.top = i
			continue
		}
		c := bytes.Compare(it.Item().kv, m.its[m.top].Item().kv)
		if (c < 0 && !m.reverse) || (c > 0 && m.reverse) {
			m.top = i
		}
	}
}

func (m *merger) cur() (entry, bool) {
	if m.top < 0 {
		return entry{}, false
	}
	return m.its[m.top].Item(), true
}

// next moves past the current key in every iterator.
func (m *merger) next() {
	k := m.its[m.top].Item().kv
	for i, it := range m.its {
		if m.ok[i] && bytes.Equal(it.Item().kv, k) {
			var ok bool
			if m.reverse {
				ok = it.Prev()
			} else {
				ok = it.Next()
			}
			m.ok[i] = ok && m.in(it.Item().kv)
		}
	}
	m.pick()
}

func (m *merger) release() {
	for _, it := range m.its {
		it.Release()
	}
}
