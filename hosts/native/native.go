package native

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/memstore"
)

// Option configures Open.
type Option func(*config)

type config struct {
	now        func() time.Time
	seed       uint64
	durability string
	databases  int
	virtual    *Clock
}

// WithClock replaces the system clock (see also Clock for a virtual one).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithSeed fixes the engine's random seed.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithDurability sets the SQLite store's synchronous mode: "normal" (the
// default) or "full".
func WithDurability(mode string) Option { return func(c *config) { c.durability = mode } }

// OpenStore is how Open opens a file path. The SQLite store registers
// itself here; it is a variable so the dependency stays optional.
var OpenStore func(path string, durability string) (store.Store, error)

// DB is an open Folio database. Its methods are safe for concurrent use.
type DB struct {
	mu      sync.Mutex
	eng     *core.Engine
	st      store.Store
	def     *Session
	closed  bool
	virtual *Clock
	stop    chan struct{}
}

// Open opens path (":memory:" for the memory store) with opts.
func Open(path string, opts ...Option) (*DB, error) {
	cfg := config{now: time.Now, seed: uint64(time.Now().UnixNano()), durability: "normal"}
	for _, o := range opts {
		o(&cfg)
	}
	var st store.Store
	if path == ":memory:" || path == "" {
		st = memstore.New()
	} else {
		if OpenStore == nil {
			return nil, errors.New("native: no file store linked")
		}
		var err error
		if st, err = OpenStore(path, cfg.durability); err != nil {
			return nil, err
		}
	}
	eng, err := core.New(st, core.Options{Now: func() int64 { return cfg.now().UnixMilli() }, Seed: cfg.seed, Databases: cfg.databases})
	if err != nil {
		st.Close()
		return nil, err
	}
	db := &DB{eng: eng, st: st, virtual: cfg.virtual, stop: make(chan struct{})}
	if cfg.virtual != nil {
		cfg.virtual.mu.Lock()
		cfg.virtual.dbs = append(cfg.virtual.dbs, db)
		cfg.virtual.mu.Unlock()
	}
	db.def = db.newSession()
	if cfg.virtual == nil {
		go db.cron()
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return nil
	}
	db.closed = true
	close(db.stop)
	return db.st.Close()
}

// ErrClosed is returned by calls on a closed DB.
var ErrClosed = errors.New("native: database is closed")

// Session is one logical client: its own selected database, MULTI state and
// name. Sessions are safe for concurrent use, though commands of one
// session are meant to run in order.
type Session struct {
	db   *DB
	s    *core.Session
	w    resp.Writer
	sink *sink
}

func (db *DB) newSession() *Session {
	db.mu.Lock()
	defer db.mu.Unlock()
	s := &Session{db: db, s: db.eng.NewSession(), sink: newSink()}
	s.s.Host = s.sink
	return s
}

// NewSession returns a new session on db.
func (db *DB) NewSession() *Session { return db.newSession() }

// Close ends the session.
func (s *Session) Close() {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	s.db.eng.CloseSession(s.s)
}

// Do runs a command on the default session (database 0 unless a SELECT
// changed it) and returns its reply as plain Go values: string, int64,
// float64, bool, []any, map[string]any, nil for a null reply. An error
// reply comes back as an error that matches the sentinels in errors.go with
// errors.Is.
func (db *DB) Do(ctx context.Context, args ...any) (any, error) { return db.def.Do(ctx, args...) }

// Do runs one command on the session.
func (s *Session) Do(ctx context.Context, args ...any) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cv := getConv()
	defer putConv(cv)
	bs := cv.convert(args)
	s.db.mu.Lock()
	if s.db.closed {
		s.db.mu.Unlock()
		return nil, ErrClosed
	}
	s.w.B = s.w.B[:0]
	o := s.db.execLocked(s, bs)
	if o.Blocked != nil {
		s.db.mu.Unlock()
		raw, err := s.waitBlocked(ctx)
		if err != nil {
			return nil, err
		}
		return replyToGo(raw)
	}
	// The reply is decoded in place: its values are copies, so the
	// session's writer is free for the next command once this returns.
	v, err := replyToGo(s.w.B)
	s.db.mu.Unlock()
	return v, err
}

// okReply is +OK as Do returns it, boxed once.
var okReply any = "OK"

// replyToGo decodes one raw reply into Go values (see DB.Do).
func replyToGo(raw []byte) (any, error) {
	if string(raw) == "+OK\r\n" {
		return okReply, nil
	}
	v, _, err := parseValue(raw)
	if err != nil {
		return nil, err
	}
	return toGo(v)
}

// conv turns Do's arguments into the engine's [][]byte: strings and
// numbers are written back to back into one buffer, reused through
// convPool, so a call allocates nothing for its arguments.
type conv struct {
	args [][]byte
	buf  []byte
	ends []int // where each argument ends in buf; -1: held in args
}

var convPool = sync.Pool{New: func() any { return new(conv) }}

func getConv() *conv { return convPool.Get().(*conv) }

func putConv(cv *conv) {
	if cap(cv.buf) > 64<<10 || cap(cv.args) > 1024 {
		return // let a large one go
	}
	clear(cv.args)
	cv.args, cv.buf, cv.ends = cv.args[:0], cv.buf[:0], cv.ends[:0]
	convPool.Put(cv)
}

func (cv *conv) convert(args []any) [][]byte {
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			cv.args = append(cv.args, v)
			cv.ends = append(cv.ends, -1)
			continue
		case string:
			cv.buf = append(cv.buf, v...)
		case int:
			cv.buf = strconv.AppendInt(cv.buf, int64(v), 10)
		case int64:
			cv.buf = strconv.AppendInt(cv.buf, v, 10)
		default:
			cv.buf = append(cv.buf, toBytes(a)...)
		}
		cv.args = append(cv.args, nil)
		cv.ends = append(cv.ends, len(cv.buf))
	}
	// Slice the buffer once it no longer moves.
	start := 0
	for i, end := range cv.ends {
		if end >= 0 {
			cv.args[i] = cv.buf[start:end:end]
			start = end
		}
	}
	return cv.args
}

// Raw runs one command and returns its RESP reply bytes.
func (s *Session) Raw(ctx context.Context, args ...any) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cv := getConv()
	defer putConv(cv)
	bs := cv.convert(args)
	s.db.mu.Lock()
	if s.db.closed {
		s.db.mu.Unlock()
		return nil, ErrClosed
	}
	s.w.B = s.w.B[:0]
	o := s.db.execLocked(s, bs)
	out := append([]byte(nil), s.w.B...)
	s.db.mu.Unlock()
	if o.Blocked != nil {
		return s.waitBlocked(ctx)
	}
	return out, nil
}

func toBytes(a any) []byte {
	switch v := a.(type) {
	case string:
		return []byte(v)
	case []byte:
		return v
	case int:
		return strconv.AppendInt(nil, int64(v), 10)
	case int64:
		return strconv.AppendInt(nil, v, 10)
	case float64:
		return strconv.AppendFloat(nil, v, 'f', -1, 64)
	case time.Duration:
		return strconv.AppendInt(nil, v.Milliseconds(), 10)
	case fmt.Stringer:
		return []byte(v.String())
	}
	return []byte(fmt.Sprint(a))
}

func toGo(v resp.Value) (any, error) {
	switch v.Kind {
	case resp.KindError:
		return nil, replyError(v.Str)
	case resp.KindStatus, resp.KindBulk, resp.KindVerbat, resp.KindBigNum:
		if v.Null {
			return nil, nil
		}
		if v.Kind == resp.KindVerbat && len(v.Str) >= 4 {
			return v.Str[4:], nil
		}
		return v.Str, nil
	case resp.KindInt:
		return v.Int, nil
	case resp.KindBool:
		return v.Int == 1, nil
	case resp.KindDouble:
		return strconv.ParseFloat(v.Str, 64)
	case resp.KindNull:
		return nil, nil
	case resp.KindMap:
		m := make(map[string]any, len(v.Elems)/2)
		for i := 0; i+1 < len(v.Elems); i += 2 {
			k, _ := toGo(v.Elems[i])
			val, err := toGo(v.Elems[i+1])
			if err != nil {
				val = err
			}
			m[fmt.Sprint(k)] = val
		}
		return m, nil
	default:
		if v.Null {
			return nil, nil
		}
		out := make([]any, len(v.Elems))
		for i, e := range v.Elems {
			x, err := toGo(e)
			if err != nil {
				x = err
			}
			out[i] = x
		}
		return out, nil
	}
}
