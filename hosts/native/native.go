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
	raw, err := s.Raw(ctx, args...)
	if err != nil {
		return nil, err
	}
	v, _, err := parseValue(raw)
	if err != nil {
		return nil, err
	}
	return toGo(v)
}

// Raw runs one command and returns its RESP reply bytes.
func (s *Session) Raw(ctx context.Context, args ...any) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = toBytes(a)
	}
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
