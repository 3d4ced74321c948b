// Package sqlitestore is Folio's durable page store: one SQLite file (via
// github.com/ncruces/go-sqlite3, pure Go, no cgo) holding one WITHOUT ROWID
// table of pages.
//
// # Basics
//
// The file is in WAL mode, so readers never block the writer and a crashed
// process loses nothing it committed. With synchronous=NORMAL (the default)
// a commit survives a process crash; a power loss may undo the last commits
// but never corrupts the file. FULL makes each commit survive a power loss
// too (an fsync per commit). Write
// transactions start with BEGIN IMMEDIATE and wait (a busy handler) for
// other processes instead of failing with "database is locked"; read
// transactions are deferred. Statements are prepared once per store.
//
// Several processes may open one file: each sees the others' commits at its
// next transaction (ExternalVersion reports them to the engine).
//
// # Speed
//
// Every call into SQLite costs microseconds and every file lock a system
// call, so the store does as much as it can in Go:
//
//   - A page cache (Options.CacheSize) in front of SQLite keeps pages, and
//     absent keys, across transactions. It is valid while PRAGMA
//     data_version does not move, which each SQLite transaction checks
//     first; another connection's commit drops it.
//   - Writes are buffered: Put and Delete only update the cache and a
//     sorted set of pending writes, with an undo log for Rollback; Commit
//     (or EndGroup) writes them to SQLite in key order, 32 rows per INSERT,
//     then commits. Get reads the pending writes first, Scan merges them
//     with SQLite's rows.
//   - A read transaction keeps its SQLite snapshot when it ends; the next
//     one reuses it, without any lock or system call, while the WAL-index
//     header (the "-shm" file, mapped read-only) shows that nobody
//     committed since. An idle timer lets go of it after 2 ms.
//   - Checkpoints run in a second connection in the background (PASSIVE),
//     not inside the commit that crosses 1000 WAL pages.
//   - The WAL's writes of one commit reach the OS as one write (walvfs.go)
//     instead of two per page.
//
// # Group commit
//
// Store implements store.Grouper: BeginGroup opens one SQLite write
// transaction (BEGIN IMMEDIATE); until EndGroup every transaction runs in
// it, as a level of the undo log (no SQLite savepoint), and EndGroup writes
// the group's pending writes and makes them all durable with one commit. A
// server runs the commands of many connections in a group and replies once
// EndGroup returned nil. See store.Grouper for the contract.
//
// # Caveats
//
// A reader that never ends its transaction pins the WAL: SQLite cannot
// restart the log under it. The store checkpoints as it goes and, when the
// WAL passes Options.WALLimit, asks SQLite to wait for the current readers
// and truncate it (holding back writers meanwhile, up to 5 s), so the WAL
// stays bounded with readers that come and go, even when some reader is
// open at every moment. A single read transaction held longer than that
// lets the WAL grow until it ends.
package sqlitestore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/foliodb/folio/core/store"
	"github.com/ncruces/go-sqlite3"
	"github.com/tidwall/btree"
)

// SchemaVersion is this store's own format (PRAGMA user_version). The
// engine's layout version is a page of its own, checked by the engine.
const SchemaVersion = 1

// ApplicationID marks a Folio file (PRAGMA application_id, "Foli").
const ApplicationID = 0x466f6c69

// ErrSchema is returned by Open for a file this build does not know how to
// read. The file is left untouched.
var ErrSchema = errors.New("sqlitestore: unknown file format")

// Options configure Open. The zero value is the default.
type Options struct {
	// Durability is "normal" (the default: synchronous=NORMAL, durable
	// across a process crash) or "full" (synchronous=FULL, durable across a
	// power loss).
	Durability string
	// BusyTimeout is how long a transaction waits for another process's
	// lock before failing (default 60 s).
	BusyTimeout time.Duration
	// WALLimit is the WAL size past which the store forces a truncating
	// checkpoint (default 32 MiB).
	WALLimit int64
	// CheckpointPages is the WAL size in pages (frames) past which a
	// background connection checkpoints it (default 1000, as SQLite's
	// wal_autocheckpoint).
	CheckpointPages int
	// CacheSize is the budget in bytes of the page cache in front of
	// SQLite (default 32 MiB); past it the cache is dropped and refills.
	CacheSize int
}

// Pages over maxCachedPage bytes read from SQLite are not cached;
// pageOverhead is a cache entry's cost besides its key and page.
const (
	maxCachedPage = 64 << 10
	pageOverhead  = 64
)

// page is a cached page: its bytes, or ok false for a key known absent.
type page struct {
	val []byte
	ok  bool
}

// undo is how to restore one key of the cache and the pending writes when
// a transaction rolls back.
type undo struct {
	key    string
	prev   page
	cached bool // key was in the cache (prev is that entry)
	dirty  bool // key was a pending write (with value prev)
}

// Store is a store.Store over one SQLite connection. Its transactions are
// serialized.
type Store struct {
	mu      sync.Mutex
	conn    *sqlite3.Conn
	path    string
	opt     Options
	closed  bool
	group   bool // a group (BeginGroup) is open
	commits int  // write commits since the last WAL size check
	// epoch counts this connection's own undone writes (rollbacks, failed
	// commits, lost groups). ExternalVersion adds it in so the engine also
	// drops caches it may have changed inside a transaction that did not
	// stick.
	epoch uint64
	tx    tx
	arena []byte

	// The page cache: the pages of keys as this connection last saw them,
	// including the pending writes. It is valid while ver is SQLite's
	// data_version (no other connection committed since); each SQLite
	// transaction checks that first.
	cache      map[string]page
	cacheBytes int
	ver        uint64
	// dirty are the pending writes of the open SQLite transaction (a group
	// or a write transaction), written to SQLite in key order at commit.
	dirty btree.Map[string, page]
	// undo restores the cache and dirty when the current transaction rolls
	// back.
	undo []undo

	// A read transaction keeps its SQLite snapshot open after it ends
	// (held), and the next one reuses it while the WAL-index header (shm,
	// mapped) is still hdr, the header read before the snapshot was taken:
	// then nobody committed since and the snapshot is the latest. An idle
	// timer releases it so that it does not hold back checkpoints.
	shm       []byte
	shmTries  int
	held      bool
	hdr       walHeader
	idle      *time.Timer
	idleArmed bool
	idleHold  time.Duration

	// The background checkpointer: kick asks it for a checkpoint; ckptDone
	// is closed when it has stopped.
	kick      chan struct{}
	ckptDone  chan struct{}
	walFrames int // frames in the WAL after the last commit
	kickedAt  int // walFrames when the checkpointer was last asked
	// ckptMu is held by whichever of this store's connections checkpoints:
	// SQLite lets one checkpoint run at a time and refuses the others at
	// once (SQLITE_BUSY, no busy handler).
	ckptMu sync.Mutex

	// through are the writes of WriteThrough not sent yet (they go a
	// batch at a time).
	through []row

	get, put, putMany, del                   *sqlite3.Stmt
	rows                                     []row
	scanAsc, scanAscTo, scanDesc, scanDescTo *sqlite3.Stmt
	begin, beginImm, commit, rollback        *sqlite3.Stmt
	dataVersion                              *sqlite3.Stmt
}

// Open opens (creating if needed) the Folio file at path.
func Open(path string, opt Options) (*Store, error) {
	if opt.Durability == "" {
		opt.Durability = "normal"
	}
	mode := map[string]string{"normal": "NORMAL", "full": "FULL"}[strings.ToLower(opt.Durability)]
	if mode == "" {
		return nil, fmt.Errorf("sqlitestore: unknown durability %q (want normal or full)", opt.Durability)
	}
	if opt.BusyTimeout <= 0 {
		opt.BusyTimeout = 60 * time.Second
	}
	if opt.WALLimit <= 0 {
		opt.WALLimit = 32 << 20
	}
	if opt.CacheSize <= 0 {
		opt.CacheSize = 32 << 20
	}
	if opt.CheckpointPages <= 0 {
		opt.CheckpointPages = 1000
	}
	conn, err := sqlite3.Open(fileURI(path))
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	s := &Store{conn: conn, path: path, opt: opt, cache: map[string]page{}}
	s.tx.s = s
	s.idleHold = idleHold
	s.idle = time.AfterFunc(time.Hour, s.idleRelease)
	s.idle.Stop()
	if err := s.init(mode); err != nil {
		s.closeStmts()
		conn.Close()
		return nil, err
	}
	return s, nil
}

// init checks the file's format before changing anything, then sets the
// connection up.
func (s *Store) init(mode string) error {
	c := s.conn
	if err := c.BusyTimeout(s.opt.BusyTimeout); err != nil {
		return err
	}
	// Read the format under one read transaction (and a shared lock) so a
	// concurrent creator is seen either before or after.
	var appID, userVer, tables int64
	if err := c.Exec("BEGIN"); err != nil {
		return err
	}
	err := s.queryInt("PRAGMA application_id", &appID)
	if err == nil {
		err = s.queryInt("PRAGMA user_version", &userVer)
	}
	if err == nil {
		err = s.queryInt("SELECT count(*) FROM sqlite_schema", &tables)
	}
	c.Exec("ROLLBACK")
	if errors.Is(err, sqlite3.NOTADB) {
		return fmt.Errorf("%w: %s is not a SQLite file", ErrSchema, s.path)
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: %s: %w", s.path, err)
	}
	fresh := appID == 0 && userVer == 0 && tables == 0
	if err := s.checkFormat(fresh, appID, userVer); err != nil {
		return err
	}
	for _, p := range []string{
		"PRAGMA journal_mode=WAL",
		"PRAGMA synchronous=" + mode,
		"PRAGMA wal_autocheckpoint=1000",
		"PRAGMA journal_size_limit=" + fmt.Sprint(s.opt.WALLimit/2),
		"PRAGMA cache_size=-8192",
		"PRAGMA temp_store=MEMORY",
	} {
		if err := s.execRetry(p); err != nil {
			return fmt.Errorf("sqlitestore: %s: %s: %w", s.path, p, err)
		}
	}
	if fresh {
		if err := s.create(); err != nil {
			c.Exec("ROLLBACK")
			return err
		}
	}
	for _, p := range []struct {
		st  **sqlite3.Stmt
		sql string
	}{
		{&s.get, "SELECT page FROM pages WHERE key = ?"},
		{&s.put, "INSERT OR REPLACE INTO pages (key, page) VALUES (?, ?)"},
		{&s.putMany, "INSERT OR REPLACE INTO pages (key, page) VALUES (?, ?)" + strings.Repeat(", (?, ?)", putBatch-1)},
		{&s.del, "DELETE FROM pages WHERE key = ?"},
		{&s.scanAsc, "SELECT key, page FROM pages WHERE key >= ? ORDER BY key"},
		{&s.scanAscTo, "SELECT key, page FROM pages WHERE key >= ? AND key < ? ORDER BY key"},
		{&s.scanDesc, "SELECT key, page FROM pages WHERE key >= ? ORDER BY key DESC"},
		{&s.scanDescTo, "SELECT key, page FROM pages WHERE key >= ? AND key < ? ORDER BY key DESC"},
		{&s.begin, "BEGIN"},
		{&s.beginImm, "BEGIN IMMEDIATE"},
		{&s.commit, "COMMIT"},
		{&s.rollback, "ROLLBACK"},
		{&s.dataVersion, "PRAGMA data_version"},
	} {
		st, _, err := c.Prepare(p.sql)
		if err != nil {
			return fmt.Errorf("sqlitestore: prepare %q: %w", p.sql, err)
		}
		*p.st = st
	}
	s.startCheckpointer(mode)
	return nil
}

// startCheckpointer moves WAL checkpoints off the commit path: a second
// connection, in its own goroutine, runs a PASSIVE checkpoint each time
// commits added Options.CheckpointPages frames to the WAL
// (instead of SQLite's automatic checkpoint, which runs inside the commit
// that crosses the line, copying pages and syncing files while the writer
// waits). Passive checkpoints never block readers or writers. Without a
// second connection SQLite's automatic checkpoint stays on.
func (s *Store) startCheckpointer(mode string) {
	c2, err := sqlite3.Open(fileURI(s.path))
	if err == nil {
		err = c2.BusyTimeout(100 * time.Millisecond)
		if err == nil {
			// Its checkpoints sync the files as the store's own would.
			err = c2.Exec("PRAGMA synchronous=" + mode)
		}
		if err == nil {
			err = s.conn.WALAutoCheckpoint(0)
		}
		if err != nil {
			c2.Close()
		}
	}
	if err != nil {
		return // the automatic checkpoint (wal_autocheckpoint=1000) stays on
	}
	s.kick = make(chan struct{}, 1)
	s.ckptDone = make(chan struct{})
	limit := s.opt.CheckpointPages
	s.conn.WALHook(func(_ *sqlite3.Conn, _ string, pages int) error {
		s.walFrames = pages
		if pages < s.kickedAt {
			s.kickedAt = 0 // the log started over
		}
		// Once per limit new frames: a checkpoint per commit would sync
		// the files at every commit.
		if pages-s.kickedAt >= limit {
			s.kickedAt = pages
			select {
			case s.kick <- struct{}{}:
			default:
			}
		}
		return nil
	})
	go func() {
		defer close(s.ckptDone)
		defer c2.Close()
		for range s.kick {
			s.ckptMu.Lock()
			c2.WALCheckpoint("main", sqlite3.CHECKPOINT_PASSIVE)
			s.ckptMu.Unlock()
			// At most one checkpoint per few ms: while a reader pins the
			// WAL every commit asks again.
			time.Sleep(2 * time.Millisecond)
		}
	}()
}

func (s *Store) checkFormat(fresh bool, appID, userVer int64) error {
	switch {
	case fresh:
	case appID != ApplicationID:
		return fmt.Errorf("%w: %s is not a Folio file (application_id %#x)", ErrSchema, s.path, appID)
	case userVer != SchemaVersion:
		return fmt.Errorf("%w: %s has store format %d, this build reads %d", ErrSchema, s.path, userVer, SchemaVersion)
	}
	return nil
}

// create makes the schema of a new file. It looks again under the write
// lock: another process may have created the file since init looked.
// execRetry runs a statement that SQLite may refuse with SQLITE_BUSY
// without calling the busy handler (switching to WAL while another process
// creates the file): it retries until the busy timeout.
func (s *Store) execRetry(sql string) error {
	deadline := time.Now().Add(s.opt.BusyTimeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		err := s.conn.Exec(sql)
		if err == nil || !errors.Is(err, sqlite3.BUSY) && !errors.Is(err, sqlite3.LOCKED) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
	}
}

func (s *Store) create() error {
	c := s.conn
	if err := c.Exec("BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("sqlitestore: create %s: %w", s.path, err)
	}
	var appID, userVer, tables int64
	err := s.queryInt("PRAGMA application_id", &appID)
	if err == nil {
		err = s.queryInt("PRAGMA user_version", &userVer)
	}
	if err == nil {
		err = s.queryInt("SELECT count(*) FROM sqlite_schema", &tables)
	}
	if err != nil {
		return fmt.Errorf("sqlitestore: create %s: %w", s.path, err)
	}
	if appID != 0 || userVer != 0 || tables != 0 {
		if err := s.checkFormat(false, appID, userVer); err != nil {
			return err
		}
		return c.Exec("COMMIT") // created by someone else meanwhile
	}
	err = c.Exec(`CREATE TABLE pages (key BLOB PRIMARY KEY, page BLOB NOT NULL) WITHOUT ROWID;
		PRAGMA application_id=` + fmt.Sprint(ApplicationID) + `;
		PRAGMA user_version=` + fmt.Sprint(SchemaVersion) + `;
		COMMIT`)
	if err != nil {
		return fmt.Errorf("sqlitestore: create %s: %w", s.path, err)
	}
	return nil
}

func (s *Store) queryInt(sql string, out *int64) error {
	st, _, err := s.conn.Prepare(sql)
	if err != nil {
		return err
	}
	defer st.Close()
	if st.Step() {
		*out = st.ColumnInt64(0)
	}
	return st.Err()
}

func (s *Store) closeStmts() {
	for _, st := range []*sqlite3.Stmt{s.get, s.put, s.putMany, s.del, s.scanAsc, s.scanAscTo, s.scanDesc, s.scanDescTo,
		s.begin, s.beginImm, s.commit, s.rollback, s.dataVersion} {
		st.Close()
	}
}

// exec runs a prepared statement that returns no rows.
func exec(st *sqlite3.Stmt) error {
	for st.Step() {
	}
	return st.Reset()
}

// Path returns the file's path.
func (s *Store) Path() string { return s.path }

// Begin starts a transaction; it holds the store until Commit or Rollback.
// A writable transaction takes SQLite's write lock at once (BEGIN
// IMMEDIATE), waiting for other processes up to Options.BusyTimeout.
func (s *Store) Begin(writable bool) (store.Tx, error) {
	s.mu.Lock()
	t, err := s.beginLocked(writable)
	if err != nil {
		s.mu.Unlock()
	}
	return t, err
}

// BeginNoWait is Begin(true) failing at once, rather than waiting up to
// Options.BusyTimeout, when another process holds the write lock: for
// work that can as well be done later (logstore's merges after a read or
// at a pause).
func (s *Store) BeginNoWait() (store.Tx, error) {
	s.mu.Lock()
	noWait := !s.closed && !s.group // else Begin does not wait anyway
	if noWait {
		s.conn.BusyTimeout(0)
	}
	t, err := s.beginLocked(true)
	if noWait {
		s.conn.BusyTimeout(s.opt.BusyTimeout)
	}
	if err != nil {
		s.mu.Unlock()
	}
	return t, err
}

// beginLocked is Begin with s.mu held; the transaction keeps it.
func (s *Store) beginLocked(writable bool) (store.Tx, error) {
	if s.closed {
		return nil, store.ErrClosed
	}
	switch {
	case s.group && s.conn.GetAutocommit():
		// SQLite rolled the whole group back (an I/O error, a full disk):
		// going on would quietly start a new transaction, and the group's
		// earlier commits would be reported as done.
		return nil, errGroupLost
	case s.group:
		// Inside the group's SQLite transaction: the transaction is the
		// undo log of the cache and the pending writes.
	case !writable:
		if err := s.beginRead(); err != nil {
			return nil, fmt.Errorf("sqlitestore: begin: %w", err)
		}
	default:
		s.release()
		if err := s.start(s.beginImm); err != nil {
			return nil, fmt.Errorf("sqlitestore: begin: %w", err)
		}
	}
	t := &s.tx
	t.writable = writable
	t.done = false
	t.wrote = false
	return t, nil
}

// Close closes the file. SQLite checkpoints and removes the WAL when the
// last connection to the file closes.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.idle.Stop()
	s.held = false
	if !s.conn.GetAutocommit() {
		s.conn.Exec("ROLLBACK")
	}
	s.closeStmts()
	if s.kick != nil {
		// Stop the checkpointer first, so that this connection is the
		// last and its close checkpoints and removes the WAL.
		s.conn.WALHook(nil)
		close(s.kick)
		<-s.ckptDone
	}
	err := s.conn.Close()
	unmapShm(s.shm)
	s.shm = nil
	return err
}

// beginRead starts a read transaction: on the held snapshot when nobody
// committed since it was taken, else on a new one (held in turn when the
// WAL-index is mapped).
func (s *Store) beginRead() error {
	if s.held {
		if h, ok := readHeader(s.shm); ok && h == s.hdr && !s.conn.GetAutocommit() {
			return nil
		}
		s.release()
	}
	if s.shm == nil && s.shmTries < 3 {
		s.shmTries++
		s.shm = mapShm(s.path)
	}
	var h walHeader
	hok := false
	if s.shm != nil {
		h, hok = readHeader(s.shm)
	}
	if err := s.start(s.begin); err != nil {
		return err
	}
	s.hdr, s.held = h, hok
	return nil
}

// release ends the held read snapshot, if any.
func (s *Store) release() {
	if !s.held {
		return
	}
	s.held = false
	if !s.conn.GetAutocommit() {
		exec(s.commit)
	}
}

// endRead ends a read transaction outside a group: its snapshot stays
// held, or is closed.
func (s *Store) endRead() error {
	if s.held {
		if !s.idleArmed {
			s.idleArmed = true
			s.idle.Reset(s.idleHold)
		}
		return nil
	}
	if s.conn.GetAutocommit() {
		return nil
	}
	return exec(s.commit)
}

// idleHold is how long a held snapshot may stay unused before the idle
// timer releases it.
const idleHold = 2 * time.Millisecond

func (s *Store) idleRelease() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idleArmed = false
	if !s.closed {
		s.release()
	}
}

// start opens a SQLite transaction with st (BEGIN or BEGIN IMMEDIATE) and
// reads PRAGMA data_version in it (which also takes the snapshot): when
// another connection committed since the last look, the cache is dropped.
func (s *Store) start(st *sqlite3.Stmt) error {
	if err := exec(st); err != nil {
		return err
	}
	dv := s.dataVersion
	var v uint64
	if dv.Step() {
		v = uint64(dv.ColumnInt64(0))
	}
	if err := dv.Reset(); err != nil {
		if !s.conn.GetAutocommit() {
			exec(s.rollback)
		}
		return err
	}
	if v != s.ver {
		s.ver = v
		s.dropCache()
	}
	return nil
}

// ExternalVersion implements store.Changes with PRAGMA data_version, which
// moves when another connection committed (read when the transaction, or
// its group, began). It also moves after this store's own rollbacks and
// failed commits.
func (s *Store) ExternalVersion(store.Tx) (uint64, error) {
	return s.ver + s.epoch<<32, nil
}

// BeginGroup implements store.Grouper: it opens one SQLite write
// transaction (BEGIN IMMEDIATE); until EndGroup, transactions are
// savepoints inside it.
func (s *Store) BeginGroup() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	if s.group {
		return errors.New("sqlitestore: BeginGroup: a group is already open")
	}
	s.release()
	if err := s.start(s.beginImm); err != nil {
		return fmt.Errorf("sqlitestore: begin group: %w", err)
	}
	s.group = true
	return nil
}

// EndGroup implements store.Grouper: it commits the group (durably, per
// Options.Durability). On error the whole group is rolled back.
func (s *Store) EndGroup() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.group {
		return errors.New("sqlitestore: EndGroup without BeginGroup")
	}
	s.group = false
	if s.conn.GetAutocommit() {
		s.lose()
		return errGroupLost
	}
	wrote := s.dirty.Len() > 0
	if err := s.flush(); err != nil {
		return fmt.Errorf("sqlitestore: commit group: %w", err)
	}
	if err := exec(s.commit); err != nil {
		s.lose()
		return fmt.Errorf("sqlitestore: commit group: %w", err)
	}
	s.trim()
	if wrote {
		s.commits++
		s.maybeCheckpoint()
	}
	return nil
}

// AbortGroup rolls back the open group: every transaction committed in it
// is dropped, as when its durable commit fails.
func (s *Store) AbortGroup() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.group {
		return errors.New("sqlitestore: AbortGroup without BeginGroup")
	}
	s.group = false
	s.epoch++
	s.dirty.Clear()
	s.undo = s.undo[:0]
	s.dropCache()
	if s.conn.GetAutocommit() {
		return nil
	}
	return exec(s.rollback)
}

// maybeCheckpoint keeps the WAL bounded. The background checkpoints are
// passive: they cannot go past the oldest reader's
// snapshot nor restart the log while any reader uses it, so with readers
// that overlap the WAL would grow forever. Every 16 write commits the store
// looks at the WAL's size and, past half the limit, runs a TRUNCATE
// checkpoint: SQLite holds back writers, waits for the current readers (new
// ones read the database file), copies everything back and empties the log.
// Below the limit it waits 10 ms for readers (enough for the engine's own
// short reads); past it, up to 5 s, so writers stall rather than the log
// growing.
func (s *Store) maybeCheckpoint() {
	if s.commits < 16 {
		return
	}
	s.commits = 0
	if s.kick != nil && s.walFrames >= 2*s.opt.CheckpointPages && s.ckptMu.TryLock() {
		// Under a steady write load the background checkpoints never
		// catch up with the end of the log, and SQLite restarts the log
		// only once it is all copied back: finish the copy here, between
		// transactions, so that the next write starts the log over.
		s.conn.WALCheckpoint("main", sqlite3.CHECKPOINT_PASSIVE)
		s.ckptMu.Unlock()
	}
	fi, err := os.Stat(s.path + "-wal")
	if err != nil || fi.Size() < s.opt.WALLimit/2 {
		return
	}
	wait := 10 * time.Millisecond
	if fi.Size() >= s.opt.WALLimit {
		wait = 5 * time.Second
	}
	s.ckptMu.Lock()
	s.conn.BusyTimeout(wait)
	s.conn.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	s.conn.BusyTimeout(s.opt.BusyTimeout)
	s.ckptMu.Unlock()
}

// Checkpoint runs a TRUNCATE checkpoint now, waiting for readers up to the
// busy timeout.
func (s *Store) Checkpoint() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	s.release()
	s.ckptMu.Lock()
	defer s.ckptMu.Unlock()
	return s.conn.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
}

// Conn runs fn with the store's connection while no transaction is open
// (for tests and tools: PRAGMA integrity_check, statistics).
func (s *Store) Conn(fn func(*sqlite3.Conn) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	s.release()
	s.dropCache() // fn may write behind the cache's back
	return fn(s.conn)
}

// copyOut copies b into the store's arena. Bytes handed out are never
// overwritten (a full arena is replaced, not reused), so callers may keep
// them as long as they like; the arena only saves allocations.
func (s *Store) copyOut(b []byte) []byte {
	n := len(b)
	if n > 1024 {
		return append(make([]byte, 0, n), b...)
	}
	if cap(s.arena)-len(s.arena) < n {
		s.arena = make([]byte, 0, 16<<10)
	}
	start := len(s.arena)
	s.arena = append(s.arena, b...)
	return s.arena[start : start+n : start+n]
}

type tx struct {
	s        *Store
	writable bool
	wrote    bool
	done     bool
}

var (
	errGroupLost = errors.New("sqlitestore: the group was rolled back by SQLite after an error; its transactions are lost")
	errReadOnly  = errors.New("sqlitestore: write in a read-only transaction")
	errDone      = errors.New("sqlitestore: transaction has ended")
)

// Get reads the pending writes and the page cache first, SQLite on a miss
// (and caches what it read, absent keys too).
func (t *tx) Get(key []byte) ([]byte, bool, error) {
	if t.done {
		return nil, false, errDone
	}
	s := t.s
	if p, hit := s.cache[string(key)]; hit {
		return p.val, p.ok, nil
	}
	if err := s.readThrough(); err != nil {
		return nil, false, err
	}
	st := s.get
	if err := st.BindBlob(1, key); err != nil {
		st.Reset()
		return nil, false, err
	}
	var p page
	if st.Step() {
		p = page{val: bytes.Clone(st.ColumnRawBlob(0)), ok: true}
		if p.val == nil {
			p.val = []byte{}
		}
	}
	if err := st.Reset(); err != nil {
		return nil, false, fmt.Errorf("sqlitestore: get: %w", err)
	}
	s.remember(string(key), p)
	return p.val, p.ok, nil
}

// remember caches a page read from SQLite, unless it is too big to be
// worth it.
func (s *Store) remember(key string, p page) {
	if len(p.val) > maxCachedPage {
		return
	}
	s.cache[key] = p
	s.cacheBytes += len(key) + len(p.val) + pageOverhead
}

// write records a pending write of the transaction: in the cache and the
// dirty set, with what they held before in the undo log.
func (t *tx) write(key []byte, p page) error {
	if t.done {
		return errDone
	}
	if !t.writable {
		return errReadOnly
	}
	s := t.s
	k := string(key)
	u := undo{key: k}
	u.prev, u.cached = s.cache[k]
	_, u.dirty = s.dirty.Get(k)
	s.undo = append(s.undo, u)
	if u.cached {
		s.cacheBytes -= len(k) + len(u.prev.val) + pageOverhead
	}
	s.cache[k] = p
	s.dirty.Set(k, p)
	s.cacheBytes += len(k) + len(p.val) + pageOverhead
	t.wrote = true
	return nil
}

func (t *tx) Put(key, page_ []byte) error {
	v := make([]byte, len(page_))
	copy(v, page_)
	return t.write(key, page{val: v, ok: true})
}

func (t *tx) Delete(key []byte) error {
	return t.write(key, page{})
}

func (t *tx) Scan(start, end []byte, reverse bool, fn func(key, page []byte) bool) error {
	if t.done {
		return errDone
	}
	s := t.s
	if err := s.readThrough(); err != nil {
		return err
	}
	var st *sqlite3.Stmt
	switch {
	case !reverse && end == nil:
		st = s.scanAsc
	case !reverse:
		st = s.scanAscTo
	case end == nil:
		st = s.scanDesc
	default:
		st = s.scanDescTo
	}
	if st.Busy() {
		// A scan inside a scan's callback: give the inner one its own
		// statement.
		fresh, _, err := s.conn.Prepare(st.SQL())
		if err != nil {
			return fmt.Errorf("sqlitestore: scan: %w", err)
		}
		defer fresh.Close()
		st = fresh
	}
	if start == nil {
		start = []byte{}
	}
	err := st.BindBlob(1, start)
	if err == nil && end != nil {
		err = st.BindBlob(2, end)
	}
	if err != nil {
		st.Reset()
		return err
	}
	// Merge the pending writes in [start, end) with SQLite's rows: a
	// pending write replaces the row of its key, a pending delete hides it.
	var it btree.MapIter[string, page]
	pending := false
	if s.dirty.Len() > 0 {
		it = s.dirty.Iter()
		if !reverse {
			pending = it.Seek(string(start))
		} else if end == nil {
			pending = it.Last()
		} else if it.Seek(string(end)) {
			pending = it.Prev()
		} else {
			pending = it.Last()
		}
	}
	inRange := func(k string) bool {
		if reverse {
			return k >= string(start)
		}
		return end == nil || k < string(end)
	}
	pending = pending && inRange(it.Key())
	advance := func() {
		if reverse {
			pending = it.Prev()
		} else {
			pending = it.Next()
		}
		pending = pending && inRange(it.Key())
	}
	// emitPending sends the pending writes that come before k (all of them
	// when k is nil) and reports false when fn stopped.
	before := func(a string, b []byte) bool {
		if reverse {
			return a > string(b)
		}
		return a < string(b)
	}
	emitPending := func(k []byte, all bool) (goOn bool) {
		for pending && (all || before(it.Key(), k)) {
			p := it.Value()
			if p.ok && !fn([]byte(it.Key()), p.val) {
				return false
			}
			advance()
		}
		return true
	}
	stopped := false
	for st.Step() {
		raw := st.ColumnRawBlob(0)
		if !emitPending(raw, false) {
			stopped = true
			break
		}
		if pending && it.Key() == string(raw) {
			continue // replaced or deleted by a pending write; emitted below
		}
		k := s.copyOut(raw)
		p := s.copyOut(st.ColumnRawBlob(1))
		if !fn(k, p) {
			stopped = true
			break
		}
	}
	if err := st.Reset(); err != nil {
		return fmt.Errorf("sqlitestore: scan: %w", err)
	}
	if !stopped {
		emitPending(nil, true)
	}
	return nil
}

func (t *tx) Commit() error {
	if t.done {
		return errDone
	}
	t.done = true
	s := t.s
	defer s.mu.Unlock()
	s.undo = s.undo[:0]
	if s.group {
		return nil
	}
	if !t.writable {
		return s.endRead()
	}
	if err := s.flush(); err != nil {
		return fmt.Errorf("sqlitestore: commit: %w", err)
	}
	if err := exec(s.commit); err != nil {
		s.lose()
		return fmt.Errorf("sqlitestore: commit: %w", err)
	}
	s.trim()
	if t.wrote {
		s.commits++
		s.maybeCheckpoint()
	}
	return nil
}

func (t *tx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	s := t.s
	defer s.mu.Unlock()
	if t.wrote {
		s.epoch++
	}
	if s.group {
		s.undoTx()
		return nil
	}
	if !t.writable {
		return s.endRead()
	}
	s.undoTx()
	s.dropThrough()
	if s.conn.GetAutocommit() {
		return nil // SQLite already rolled back (e.g. after an I/O error)
	}
	return exec(s.rollback)
}

// undoTx restores the cache and the pending writes as they were when the
// transaction began.
func (s *Store) undoTx() {
	for i := len(s.undo) - 1; i >= 0; i-- {
		u := &s.undo[i]
		if u.cached {
			s.cache[u.key] = u.prev
		} else {
			delete(s.cache, u.key)
		}
		if u.dirty {
			s.dirty.Set(u.key, u.prev)
		} else {
			s.dirty.Delete(u.key)
		}
		*u = undo{}
	}
	s.undo = s.undo[:0]
}

// flush writes the pending writes into the open SQLite transaction in key
// order: deletes one by one, puts putBatch rows per statement. On error the
// SQLite transaction is rolled back and the cache dropped.
func (s *Store) flush() error {
	err := s.sendThrough()
	rows := s.rows[:0]
	s.dirty.Scan(func(k string, p page) bool {
		if p.ok {
			rows = append(rows, row{key: k, val: p.val})
			return true
		}
		err = s.delete(bytesOf(k))
		return err == nil
	})
	s.rows = rows
	if err == nil {
		err = s.putRows(rows)
	}
	clear(s.rows)
	s.rows = s.rows[:0]
	s.dirty.Clear()
	if err != nil {
		s.lose()
	}
	return err
}

// putRows inserts rows, putBatch per statement.
func (s *Store) putRows(rows []row) error {
	var err error
	for len(rows) > 0 && err == nil {
		st, n := s.putMany, putBatch
		if len(rows) < putBatch {
			st, n = s.put, 1
		}
		for i, r := range rows[:n] {
			if err = st.BindBlob(2*i+1, bytesOf(r.key)); err == nil {
				err = st.BindBlob(2*i+2, r.val)
			}
			if err != nil {
				break
			}
		}
		if err == nil {
			err = exec(st)
		} else {
			st.Reset()
		}
		rows = rows[n:]
	}
	return err
}

func (s *Store) delete(key []byte) error {
	if err := s.del.BindBlob(1, key); err != nil {
		s.del.Reset()
		return err
	}
	return exec(s.del)
}

// WriteThrough puts page at key (deletes key, with del) straight into the
// open SQLite transaction, bypassing the pending writes, their undo log
// and the cache (which forgets key): for a caller that writes many keys
// once each, as logstore's merge does, at a fraction of Put's cost. A
// rollback undoes it as it undoes Put (SQLite's own). The writes go out
// putBatch at a time, or before the transaction next reads SQLite: key
// and page must stay unchanged until the transaction ends. In a group,
// whose transactions roll back without SQLite, or for a key with a
// pending write, it is Put or Delete.
func (t *tx) WriteThrough(key, page []byte, del bool) error {
	if t.done {
		return errDone
	}
	if !t.writable {
		return errReadOnly
	}
	s := t.s
	if s.group || s.dirty.Len() > 0 && s.pending(key) {
		if del {
			return t.Delete(key)
		}
		return t.Put(key, page)
	}
	if p, ok := s.cache[string(key)]; ok {
		s.cacheBytes -= len(key) + len(p.val) + pageOverhead
		delete(s.cache, string(key))
	}
	t.wrote = true
	s.through = append(s.through, row{unsafe.String(unsafe.SliceData(key), len(key)), page, del})
	if len(s.through) < putBatch {
		return nil
	}
	err := s.sendThrough()
	if err != nil {
		s.lose()
	}
	return err
}

// pending reports whether key has a pending write.
func (s *Store) pending(key []byte) bool {
	_, ok := s.dirty.Get(string(key))
	return ok
}

// readThrough sends WriteThrough's writes before a read of SQLite, which
// must see them.
func (s *Store) readThrough() error {
	if len(s.through) == 0 {
		return nil
	}
	if err := s.sendThrough(); err != nil {
		s.lose()
		return fmt.Errorf("sqlitestore: %w", err)
	}
	return nil
}

// sendThrough sends the writes WriteThrough holds, in their order: each
// run of puts putBatch rows per statement.
func (s *Store) sendThrough() error {
	var err error
	for rows := s.through; len(rows) > 0 && err == nil; {
		n := 0
		for n < len(rows) && !rows[n].del {
			n++
		}
		if n > 0 {
			err = s.putRows(rows[:n])
			rows = rows[n:]
			continue
		}
		err = s.delete(bytesOf(rows[0].key))
		rows = rows[1:]
	}
	s.dropThrough()
	return err
}

// dropThrough forgets WriteThrough's unsent writes.
func (s *Store) dropThrough() {
	clear(s.through)
	s.through = s.through[:0]
}

// row is a put for flush, or a write for sendThrough.
type row struct {
	key string
	val []byte
	del bool
}

// putBatch is how many rows one flush statement inserts.
const putBatch = 32

func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// lose handles a failed SQLite transaction: roll it back if SQLite did not,
// forget the cache (it held the lost writes), and move the epoch so the
// engine drops its own caches.
func (s *Store) lose() {
	s.epoch++
	s.dirty.Clear()
	s.dropThrough()
	s.undo = s.undo[:0]
	s.dropCache()
	if !s.conn.GetAutocommit() {
		exec(s.rollback)
	}
}

func (s *Store) dropCache() {
	clear(s.cache)
	s.cacheBytes = 0
}

// trim drops the cache once it outgrows its budget (between transactions,
// when nothing is pending).
func (s *Store) trim() {
	if s.cacheBytes > s.opt.CacheSize {
		s.dropCache()
	}
}
