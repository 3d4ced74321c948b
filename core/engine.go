// Package core is Folio's command engine: Redis's commands over an abstract
// page store (package store). It is pure: no files, sockets, goroutines or
// clocks of its own. Hosts pass the clock and a random seed, serialize calls
// into an Engine, and do all waiting and sending.
package core

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store"
)

// LayoutVersion names the layout of keys and pages this engine reads and
// writes. A store holding another layout is refused, never rewritten,
// except the previous one, which New upgrades in place: layout 2 added the
// key counters (keycount.go), which New counts for a layout-1 store.
const LayoutVersion = "folio-layout-2"

const layoutWithoutCounters = "folio-layout-1"

// ErrLayout is returned by New for a store written in an unknown layout.
var ErrLayout = errors.New("core: the store holds an unknown layout version")

// Options configure an Engine.
type Options struct {
	// Now is the clock, in Unix milliseconds. Required: core never reads
	// the system clock.
	Now func() int64
	// Seed seeds the engine's random numbers (RANDOMKEY, SPOP, ...).
	Seed uint64
	// Databases is the number of logical databases (default 16).
	Databases int
	// RequirePass, when set, makes every session authenticate first.
	RequirePass string
}

// Engine runs commands against one store. It is not safe for concurrent
// use: hosts serialize calls, as Redis serializes commands.
type Engine struct {
	st      store.Store
	now     func() int64
	rng     *rand.Rand
	ndb     int
	dbmap   []uint32
	extVer  uint64
	hasExt  bool
	scan    *scanCursors        // positions of recent SCAN cursors (keys.go)
	zbounds map[uint64]*zBounds // sorted sets' chunk bounds (zsets_rank.go)

	nextClientID int64
	sessions     map[int64]*Session
	config       map[string]string
	requirePass  string

	pubsub      *pubsub
	blocking    *blocking
	watchers    map[blockKey]map[*Session]struct{}
	notifyFlags string // parsed notify-keyspace-events

	tracking *trackState // client tracking (tracking.go)

	ctxFree []*Ctx // command contexts to reuse (getCtx)

	execTx  store.Tx // the one transaction of a running EXEC
	execErr error

	// Figures for INFO.
	Stats Stats
	// idleMark is Stats.Commands at the last Idle call.
	idleMark int64

	// Hooks a host may set.
	InfoHook func(section string) string // extra INFO text (clients, memory...)
	// ConfigHook is called for CONFIG SET of a parameter the engine does not
	// own; it returns false when the host does not know it either.
	ConfigHook func(name, value string) (known bool, err error)
}

// Stats are counters kept by the engine.
type Stats struct {
	Commands     int64
	KeyspaceHits int64
	KeyspaceMiss int64
	ExpiredKeys  int64
	StartedAt    int64 // Unix milliseconds
}

// New opens an engine over st, writing the layout version into an empty
// store and refusing a store with another one.
func New(st store.Store, opt Options) (*Engine, error) {
	if opt.Now == nil {
		return nil, errors.New("core: Options.Now is required")
	}
	if opt.Databases <= 0 {
		opt.Databases = 16
	}
	e := &Engine{
		st:          st,
		now:         opt.Now,
		rng:         rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		ndb:         opt.Databases,
		sessions:    map[int64]*Session{},
		config:      defaultConfig(),
		requirePass: opt.RequirePass,
	}
	e.config["databases"] = strconv.Itoa(opt.Databases)
	e.config["requirepass"] = opt.RequirePass
	e.Stats.StartedAt = opt.Now()
	_, e.hasExt = st.(store.Changes)
	tx, err := st.Begin(true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	v, ok, err := tx.Get(metaKey("layout"))
	if err != nil {
		return nil, err
	}
	if ok && string(v) != LayoutVersion && string(v) != layoutWithoutCounters {
		return nil, wrapErr(ErrLayout, ": "+strconv.Quote(string(v))+" (this build reads "+strconv.Quote(LayoutVersion)+")")
	}
	if ok && string(v) == layoutWithoutCounters {
		if err := countAllKeys(tx); err != nil {
			return nil, err
		}
	}
	if !ok || string(v) != LayoutVersion {
		if err := tx.Put(metaKey("layout"), []byte(LayoutVersion)); err != nil {
			return nil, err
		}
	}
	if err := e.loadDBMap(tx); err != nil {
		return nil, err
	}
	return e, tx.Commit()
}

// Store returns the engine's store.
func (e *Engine) Store() store.Store { return e.st }

// Now returns the engine's clock reading, in Unix milliseconds.
func (e *Engine) Now() int64 { return e.now() }

// Session is one client's state: selected database, protocol, MULTI queue,
// watched keys, subscriptions, name.
type Session struct {
	ID       int64
	DB       int
	Proto    int
	Name     string
	LibName  string
	LibVer   string
	Authed   bool
	Addr     string // set by the host, shown in CLIENT LIST/INFO
	LAddr    string
	Created  int64 // Unix milliseconds
	LastCmd  string
	LastUsed int64 // Unix milliseconds; 0: never
	// Host-owned flags for CLIENT LIST.
	NoEvict bool
	NoTouch bool

	multi      *multiState
	lastLookup *Command // the command last named (resolveCommand)
	subs       *sessionSubs
	waiting    *waiter
	watches    []watch
	// watchDirty is set when a watched key was written in this process.
	watchDirty bool
	track      *sessionTracking // client tracking (tracking.go)
	eng        *Engine
	closed     bool
	killed     bool
	Host       any // anything the host wants to keep with the session
}

// NewSession registers a client session.
func (e *Engine) NewSession() *Session {
	e.nextClientID++
	s := &Session{ID: e.nextClientID, Proto: 2, eng: e, Created: e.now(), Authed: e.requirePass == ""}
	e.sessions[s.ID] = s
	return s
}

// CloseSession forgets a session: its subscriptions, watches and blocked
// state go with it.
func (e *Engine) CloseSession(s *Session) {
	s.closed = true
	e.dropSubscriptions(s)
	e.trackingClose(s)
	if s.waiting != nil {
		e.unblock(s.waiting)
	}
	delete(e.sessions, s.ID)
}

// Sessions returns the live sessions (for CLIENT LIST in hosts).
func (e *Engine) Sessions() map[int64]*Session { return e.sessions }

// Outcome tells the host what to do after a command.
type Outcome struct {
	// Close asks the host to close the connection after sending the reply
	// (QUIT, CLIENT KILL of oneself).
	Close bool
	// Blocked is set when the command parked the session: no reply was
	// written; it comes later as a Delivery.
	Blocked *Blocked
}

// Ctx is what a command handler sees.
type Ctx struct {
	E    *Engine
	S    *Session
	Args [][]byte
	W    *resp.Writer
	Cmd  *Command
	Now  int64 // milliseconds since the epoch, fixed for the command

	tx       store.Tx
	writable bool
	inExec   bool // inside EXEC: blocking commands do not block

	lazyExpired []blockKey // expired keys a read-only command met

	rerun        *waiter // serving a blocked command again
	timedOut     bool    // its deadline passed: answer the timeout reply
	stillBlocked bool
	out          Outcome

	deleted map[string]bool // keys deleted by the command, for the "new" event (notifynew.go)

	// Scratch buffers for the keys and pages the command hands the store,
	// which copies them (store.Tx): rkey for record keys, ekey for element
	// and expiry-index keys, page for encoded records, skey for the bounds of a scan
	// (scanning counts the scans in progress, which must not share it), and
	// ckey for the key counters' key and page (keycount.go).
	// They outlive the command: Ctx values are reused (getCtx).
	rkey, ekey, page, skey, ckey []byte
	zck                          struct {
		id        uint64
		known, on bool
		gen       uint64
	} // whether a sorted set keeps rank chunks, and their generation (zsets_rank.go)
	scanning  int
	writeBulk func(k, v []byte) bool // bulkWriter's callback
}

// getCtx returns a cleared Ctx, reusing one from the engine's free list so
// a command allocates no context. Commands nest (EXEC, a served blocked
// command), hence a list, not one Ctx.
func (e *Engine) getCtx() *Ctx {
	if n := len(e.ctxFree); n > 0 {
		c := e.ctxFree[n-1]
		e.ctxFree = e.ctxFree[:n-1]
		return c
	}
	return &Ctx{}
}

// maxScratch caps the scratch buffers a reused Ctx keeps.
const maxScratch = 4096

// putCtx clears c and returns it to the free list, keeping its scratch
// buffers unless they grew large.
func (e *Engine) putCtx(c *Ctx) {
	keep := func(b []byte) []byte {
		if cap(b) > maxScratch {
			return nil
		}
		return b[:0]
	}
	// Field by field: cheaper than assigning a whole Ctx, which copies
	// it under a bulk write barrier. TestCtxFields keeps this list whole.
	c.E, c.S, c.Args, c.W, c.Cmd, c.Now = nil, nil, nil, nil, nil, 0
	c.tx, c.writable, c.inExec = nil, false, false
	if c.lazyExpired != nil {
		c.lazyExpired = nil
	}
	if c.rerun != nil {
		c.rerun = nil
	}
	c.timedOut, c.stillBlocked = false, false
	if c.out != (Outcome{}) {
		c.out = Outcome{}
	}
	if c.deleted != nil {
		c.deleted = nil
	}
	c.rkey, c.ekey, c.page, c.skey, c.ckey = keep(c.rkey), keep(c.ekey), keep(c.page), keep(c.skey), keep(c.ckey)
	c.scanning = 0
	c.zck.known = false
	e.ctxFree = append(e.ctxFree, c)
}

// tx begins the command's transaction on first use.
func (c *Ctx) Tx() (store.Tx, error) {
	if c.tx != nil {
		return c.tx, nil
	}
	if c.E.execTx != nil {
		c.tx = c.E.execTx
		return c.tx, nil
	}
	tx, err := c.E.st.Begin(c.writable)
	if err != nil {
		return nil, err
	}
	if c.E.hasExt {
		if err := c.E.refresh(tx); err != nil {
			tx.Rollback()
			return nil, err
		}
	}
	c.tx = tx
	return tx, nil
}

// Exec runs one command for s and appends its reply to w (w.Proto is set
// from the session).
func (e *Engine) Exec(s *Session, args [][]byte, w *resp.Writer) Outcome {
	w.Proto = s.Proto
	if len(args) == 0 {
		return Outcome{}
	}
	e.Stats.Commands++
	cmd, msg := s.resolveCommand(args)
	if msg == "" && !s.Authed && !cmd.noAuth {
		msg = msgNoAuth
	}
	if msg == "" && s.multi != nil && cmd.noMulti {
		msg = "ERR Command not allowed inside a transaction"
	}
	if msg == "" && s.Proto == 2 && s.subscribed() && !allowedSubscribed(cmd.Name) {
		msg = format(msgSubscribedCtx, cmd.Name)
	}
	if msg != "" {
		if s.multi != nil {
			s.multi.dirty = true
		}
		w.Error(msg)
		return Outcome{}
	}
	if s.multi != nil && !isMultiControl(cmd.Name) {
		s.multi.queue = append(s.multi.queue, queued{cmd, cloneArgs(args)})
		w.Status("QUEUED")
		return Outcome{}
	}
	return e.run(s, cmd, args, w)
}

func (e *Engine) run(s *Session, cmd *Command, args [][]byte, w *resp.Writer) Outcome {
	s.LastCmd = cmd.Name
	c := e.getCtx()
	defer e.putCtx(c)
	c.E, c.S, c.Args, c.W, c.Cmd = e, s, args, w, cmd
	c.writable = cmd.Write || cmd.mayReplicate
	c.Now = e.now()
	c.inExec = e.execTx != nil
	start := len(w.B)
	err := cmd.Handler(c)
	if c.tx != nil && c.tx == e.execTx {
		// EXEC commits or rolls back its one transaction itself.
		if err != nil {
			e.execErr = err
		}
		c.tx = nil
	} else if c.tx != nil {
		if err == nil {
			err = c.tx.Commit()
		} else {
			c.tx.Rollback()
		}
		c.tx = nil
	}
	if err != nil {
		w.B = w.B[:start]
		w.Error(storeError(err))
		// The rolled-back command may have changed cached state (FLUSHDB,
		// SWAPDB); read it again from the store.
		if e.execTx == nil {
			e.Reload()
		}
	}
	if e.tracking != nil {
		e.trackingAfter(c)
	}
	if err == nil && len(c.lazyExpired) > 0 && e.execTx == nil {
		e.expireLazily(s, c.lazyExpired)
	}
	if e.blocking != nil && len(e.blocking.ready) > 0 && e.execTx == nil {
		e.serveReady()
	}
	return c.out
}

func storeError(err error) string {
	msg := strings.ReplaceAll(err.Error(), "\r", " ")
	msg = strings.ReplaceAll(msg, "\n", " ")
	return format(msgStoreFailed, msg)
}

// resolveCommand finds args' command or subcommand, or the error Redis
// replies when there is none or the arity is wrong. It remembers the
// session's last command: clients mostly repeat one, and comparing its
// name is cheaper than the table's map.
func (s *Session) resolveCommand(args [][]byte) (*Command, string) {
	cmd := s.lastLookup
	if cmd == nil || !equalFoldLower(args[0], cmd.Name) {
		cmd = lookupCommand(args[0])
		if cmd != nil {
			s.lastLookup = cmd
		}
	}
	return resolveFound(cmd, args)
}

// equalFoldLower reports whether b, in any case, is the lower-case ASCII
// name.
func equalFoldLower(b []byte, name string) bool {
	if len(b) != len(name) {
		return false
	}
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != name[i] {
			return false
		}
	}
	return true
}

// resolveFound checks the subcommand and arity of cmd, args[0]'s command
// (nil: unknown).
func resolveFound(cmd *Command, args [][]byte) (*Command, string) {
	if cmd == nil {
		return nil, unknownCommand(args)
	}
	if cmd.hasSubs && len(args) >= 2 {
		sub := cmd.Subs[strings.ToLower(string(args[1]))]
		if sub == nil {
			return nil, format(msgUnknownSub, truncate(string(args[1]), 128), strings.ToUpper(cmd.Name))
		}
		cmd = sub
	}
	if !checkArity(cmd.Arity, len(args)) || cmd.Handler == nil {
		return nil, format(msgWrongArity, cmd.Name)
	}
	return cmd, ""
}

func checkArity(arity, n int) bool {
	if arity >= 0 {
		return n == arity
	}
	return n >= -arity
}

func unknownCommand(args [][]byte) string {
	var b strings.Builder
	for _, a := range args[1:] {
		if b.Len() >= 128 {
			break
		}
		b.WriteString("'" + truncate(string(a), 128-b.Len()) + "' ")
	}
	return format(msgUnknownCommand, truncate(string(args[0]), 128), b.String())
}

func truncate(s string, n int) string {
	if n < 0 {
		n = 0
	}
	if len(s) > n {
		return s[:n]
	}
	return s
}

func cloneArgs(args [][]byte) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		out[i] = append([]byte(nil), a...)
	}
	return out
}

// Do runs one command given as strings and returns its raw RESP reply; a
// convenience for tests and tools.
func (e *Engine) Do(s *Session, args ...string) []byte {
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	var w resp.Writer
	e.Exec(s, bs, &w)
	return w.B
}

// Random returns the engine's random source.
func (e *Engine) Random() *rand.Rand { return e.rng }

// allowedSubscribed reports whether a RESP2 client in subscribed mode may
// run the command.
func allowedSubscribed(name string) bool {
	switch name {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "ping", "quit", "reset":
		return true
	}
	return false
}

// Reload drops what the engine caches from the store (the database map)
// and reads it again. Hosts call it after a store-level rollback the engine
// did not see, such as a failed group commit.
func (e *Engine) Reload() error {
	tx, err := e.st.Begin(false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return e.loadDBMap(tx)
}

// expireLazily deletes keys a read-only command found expired, in a write
// transaction of its own; a key written meanwhile (by another process) is
// left alone, since lookup deletes only what is still expired.
func (e *Engine) expireLazily(s *Session, keys []blockKey) {
	c := Ctx{E: e, S: s, writable: true, Now: e.now()}
	var err error
	for _, k := range keys {
		if _, _, err = c.lookupDB(k.db, []byte(k.key)); err != nil {
			break
		}
	}
	if c.tx == nil {
		return
	}
	if err == nil {
		c.tx.Commit()
	} else {
		c.tx.Rollback()
	}
}
