package wasm

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/memstore"
	"github.com/foliodb/folio/hosts/native"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Option configures Open.
type Option func(*config)

type config struct {
	now        func() time.Time
	seed       uint64
	durability string
	cacheDir   string
	binary     []byte
}

// WithClock replaces the system clock.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithSeed fixes the engine's random seed.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithDurability sets the file store's synchronous mode ("normal" or
// "full"), as native.WithDurability.
func WithDurability(mode string) Option { return func(c *config) { c.durability = mode } }

// WithCompilationCache keeps compiled code in dir across processes (cold
// compile about a second, cached tens of milliseconds). Within a process
// the module is compiled once per directory.
func WithCompilationCache(dir string) Option { return func(c *config) { c.cacheDir = dir } }

// WithModule runs another build of folio.wasm instead of the embedded one.
// It must speak ABIVersion.
func WithModule(bin []byte) Option { return func(c *config) { c.binary = bin } }

// ErrClosed is returned by calls on a closed DB.
var ErrClosed = errors.New("wasm: database is closed")

// DB is one instance of folio.wasm over one store. Its methods are safe for
// concurrent use; calls into the module are serialized.
type DB struct {
	mu     sync.Mutex
	h      *instance
	def    *Session
	closed bool
	done   chan struct{} // closed by Close: wakes blocked callers
}

// instance is the module instance and the host side of its imports.
type instance struct {
	ctx  context.Context // carries the instance to the host functions
	mod  api.Module
	mem  api.Memory
	st   store.Store
	now  func() time.Time
	seed uint64

	tx      store.Tx
	txID    int32
	lastErr string

	clockCalls int // clock_now_ms imports served (tests)

	exec, reserve, sessOpen, sessClose api.Function
	deliveries, expire, cancel         api.Function
	housekeep                          api.Function
	execs, idleMark                    int64 // exec calls, and their count at the last housekeeping tick
	sinks                              map[int64]*sink
	stack                              []uint64
	ctl                                uint32
	inPtr, inCap                       uint32
	req                                []byte
}

// Open opens path (":memory:" for a memory store) and starts an instance
// of folio.wasm over it. File paths use native.OpenStore, which the SQLite
// store sets when it is linked (import hosts/native/sqlitestore).
func Open(path string, opts ...Option) (*DB, error) {
	cfg := config{now: time.Now, durability: "normal", binary: Binary}
	var b [8]byte
	rand.Read(b[:])
	cfg.seed = binary.LittleEndian.Uint64(b[:])
	for _, o := range opts {
		o(&cfg)
	}
	var st store.Store
	if path == ":memory:" || path == "" {
		st = memstore.New()
	} else {
		if native.OpenStore == nil {
			return nil, fmt.Errorf("wasm: cannot open %q: no file store linked (import github.com/foliodb/folio/hosts/native/sqlitestore)", path)
		}
		var err error
		if st, err = native.OpenStore(path, cfg.durability); err != nil {
			return nil, err
		}
	}
	h, err := start(cfg, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	db := &DB{h: h, done: make(chan struct{})}
	id, err := h.sessionOpen()
	if err != nil {
		db.Close()
		return nil, err
	}
	db.def = &Session{db: db, id: id, sink: h.sinks[id]}
	go db.cron()
	return db, nil
}

func start(cfg config, st store.Store) (*instance, error) {
	h := &instance{st: st, now: cfg.now, seed: cfg.seed, stack: make([]uint64, 2), sinks: map[int64]*sink{}}
	h.ctx = context.WithValue(context.Background(), ctxKey{}, h)
	r, cm, err := compile(h.ctx, cfg.binary, cfg.cacheDir)
	if err != nil {
		return nil, err
	}
	mc := wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize").
		WithSysWalltime().WithSysNanotime().WithRandSource(rand.Reader)
	mod, err := r.InstantiateModule(withMemory(h.ctx), cm, mc)
	if err != nil {
		return nil, fmt.Errorf("wasm: instantiate: %w", err)
	}
	h.mod, h.mem = mod, mod.Memory()
	if v, err := h.call1(mod.ExportedFunction("abi_version")); err != nil || int32(v) != ABIVersion {
		mod.Close(h.ctx)
		if err != nil {
			return nil, fmt.Errorf("%w: abi_version: %v", ErrABI, err)
		}
		return nil, fmt.Errorf("%w: the module speaks version %d", ErrABI, int32(v))
	}
	h.exec = mod.ExportedFunction("exec")
	h.reserve = mod.ExportedFunction("reserve")
	h.sessOpen = mod.ExportedFunction("session_open")
	h.sessClose = mod.ExportedFunction("session_close")
	h.deliveries = mod.ExportedFunction("deliveries")
	h.expire = mod.ExportedFunction("expire_blocked")
	h.cancel = mod.ExportedFunction("cancel_blocked")
	h.housekeep = mod.ExportedFunction("housekeep")
	ctl, err := h.call1(mod.ExportedFunction("control"))
	if err != nil {
		mod.Close(h.ctx)
		return nil, err
	}
	h.ctl = uint32(ctl)
	h.readControl()
	flags := uint64(0)
	if _, ok := st.(store.Changes); ok {
		flags = 1
	}
	h.stack[0] = flags
	if err := mod.ExportedFunction("open").CallWithStack(h.ctx, h.stack); err != nil {
		mod.Close(h.ctx)
		return nil, err
	}
	if rc := api.DecodeI32(h.stack[0]); rc != 0 {
		msg := ""
		if p, n, ok := h.reply(); ok {
			msg = string(h.viewOf(p, n))
		}
		mod.Close(h.ctx)
		return nil, fmt.Errorf("wasm: open: %s (code %d)", msg, rc)
	}
	return h, nil
}

func (h *instance) call1(f api.Function, params ...uint64) (uint64, error) {
	if f == nil {
		return 0, errors.New("missing export")
	}
	copy(h.stack, params)
	if err := f.CallWithStack(h.ctx, h.stack); err != nil {
		return 0, err
	}
	return h.stack[0], nil
}

// writeNow puts the host's clock into the control block, where the guest
// takes it for the call's first command instead of calling clock_now_ms.
func (h *instance) writeNow() {
	h.mem.WriteUint64Le(h.ctl+ctlNow, uint64(h.now().UnixMilli()))
}

func (h *instance) readControl() {
	h.inPtr, _ = h.mem.ReadUint32Le(h.ctl + 0)
	h.inCap, _ = h.mem.ReadUint32Le(h.ctl + 4)
}

// reply returns the out pointer and length from the control block.
func (h *instance) reply() (uint32, uint32, bool) {
	p, ok1 := h.mem.ReadUint32Le(h.ctl + 8)
	n, ok2 := h.mem.ReadUint32Le(h.ctl + 12)
	return p, n, ok1 && ok2
}

func (h *instance) viewOf(p, n uint32) []byte {
	if n == 0 {
		return nil
	}
	b, _ := h.mem.Read(p, n)
	return b
}

func (h *instance) sessionOpen() (int64, error) {
	v, err := h.call1(h.sessOpen)
	if err != nil {
		return 0, err
	}
	if int64(v) < 0 {
		return 0, fmt.Errorf("wasm: session_open: code %d", int64(v))
	}
	h.sinks[int64(v)] = newSink()
	return int64(v), nil
}

// run sends h.req (one or more commands) for session id and appends the
// replies to dst. It returns the control block's flags and how many bytes
// of the request ran (less than all of it after a blocked command).
func (h *instance) run(dst []byte, id int64) ([]byte, uint32, int, error) {
	n := uint32(len(h.req))
	if n > h.inCap {
		rc, err := h.call1(h.reserve, uint64(n))
		if err != nil {
			return dst, 0, 0, err
		}
		if api.DecodeI32(rc) != 0 {
			return dst, 0, 0, fmt.Errorf("wasm: request of %d bytes refused", n)
		}
		h.readControl()
	}
	if !h.mem.Write(h.inPtr, h.req) {
		return dst, 0, 0, errMemory
	}
	h.writeNow()
	h.execs++
	h.stack[0], h.stack[1] = uint64(id), uint64(n)
	if err := h.exec.CallWithStack(h.ctx, h.stack); err != nil {
		return dst, 0, 0, err
	}
	rl := api.DecodeI32(h.stack[0])
	if rl < 0 {
		return dst, 0, 0, fmt.Errorf("wasm: exec: code %d", rl)
	}
	p, _ := h.mem.ReadUint32Le(h.ctl + 8)
	flags, _ := h.mem.ReadUint32Le(h.ctl + 16)
	consumed, _ := h.mem.ReadUint32Le(h.ctl + 20)
	if rl > 0 {
		out, ok := h.mem.Read(p, uint32(rl))
		if !ok {
			return dst, 0, 0, errMemory
		}
		dst = append(dst, out...)
	}
	if flags&flagBlocked != 0 {
		if k := h.sinks[id]; k != nil {
			k.setBlocked()
		}
	}
	if flags&flagDeliveries != 0 {
		if err := h.dispatch(); err != nil {
			return dst, 0, 0, err
		}
	}
	return dst, flags, int(consumed), nil
}

// appendCommand appends args as a RESP array of bulk strings.
func appendCommand(b []byte, args [][]byte) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// Close closes the instance and its store.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	close(db.done)
	h := db.h
	if h.tx != nil {
		h.tx.Rollback()
		h.tx = nil
	}
	err := h.mod.Close(h.ctx)
	if e := h.st.Close(); err == nil {
		err = e
	}
	return err
}

// Session is one logical client of the engine: its own selected database,
// protocol, MULTI state and name.
type Session struct {
	db     *DB
	id     int64
	sink   *sink
	closed bool
}

// NewSession starts a session.
func (db *DB) NewSession() (*Session, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return nil, ErrClosed
	}
	id, err := db.h.sessionOpen()
	if err != nil {
		return nil, err
	}
	return &Session{db: db, id: id, sink: db.h.sinks[id]}, nil
}

// Close ends the session.
func (s *Session) Close() {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if s.closed || s.db.closed {
		return
	}
	s.closed = true
	s.db.h.call1(s.db.h.sessClose, uint64(s.id))
	delete(s.db.h.sinks, s.id)
}

// Do runs a command on the default session and returns its reply as the
// same Go values native.DB.Do gives; error replies are *native.Error and
// match native's sentinels with errors.Is.
func (db *DB) Do(ctx context.Context, args ...any) (any, error) { return db.def.Do(ctx, args...) }

// Raw runs a command on the default session and returns its RESP reply.
func (db *DB) Raw(ctx context.Context, args ...any) ([]byte, error) { return db.def.Raw(ctx, args...) }

// Exec runs one command given as byte slices on the default session and
// returns its RESP reply (the raw call the conformance runner uses).
func (db *DB) Exec(args [][]byte) ([]byte, error) { return db.def.Exec(args) }

// Do runs one command on the session.
func (s *Session) Do(ctx context.Context, args ...any) (any, error) {
	raw, err := s.Raw(ctx, args...)
	if err != nil {
		return nil, err
	}
	return native.DecodeReply(raw)
}

// Raw runs one command and returns its RESP reply bytes.
func (s *Session) Raw(ctx context.Context, args ...any) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = native.ArgBytes(a)
	}
	return s.exec(ctx, bs)
}

// Exec runs one command given as byte slices and returns its RESP reply.
// A blocking command waits for its reply.
func (s *Session) Exec(args [][]byte) ([]byte, error) { return s.exec(context.Background(), args) }

func (s *Session) exec(ctx context.Context, args [][]byte) ([]byte, error) {
	s.db.mu.Lock()
	if s.db.closed {
		s.db.mu.Unlock()
		return nil, ErrClosed
	}
	if s.closed {
		s.db.mu.Unlock()
		return nil, errors.New("wasm: session is closed")
	}
	h := s.db.h
	h.req = appendCommand(h.req[:0], args)
	out, flags, _, err := h.run(nil, s.id)
	if err == nil && flags&flagBlocked != 0 {
		s.db.armDeadline()
	}
	s.db.mu.Unlock()
	if err == nil && flags&flagBlocked != 0 {
		return s.waitBlocked(ctx)
	}
	return out, err
}
