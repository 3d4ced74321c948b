package server

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/memstore"
	"github.com/foliodb/folio/hosts/native"
)

// Config is how a Server starts. The zero value of a field means Redis's
// default (see DefaultConfig).
type Config struct {
	Port                   int
	Bind                   string
	DB                     string // ":memory:" or a file path (the SQLite store)
	Durability             string // the SQLite store's synchronous mode: normal or full
	RequirePass            string
	MaxClients             int
	Timeout                int // idle seconds before a client is closed; 0 never
	Databases              int
	ProtoMaxBulkLen        int64
	ClientQueryBufferLimit int64
	LogLevel               string // debug verbose notice warning
	ConfigFile             string // shown by INFO; set by ParseArgs
	// GoroutinePerConn serves every connection from a goroutine of its
	// own; by default (on Linux) plain request/reply connections share one
	// epoll event loop, as in Redis.
	GoroutinePerConn bool

	// Engine is "native" (the default: this package's server) or "wasm"
	// (folio-server serves through the wazero plugin, package
	// hosts/server/wasmhost). New ignores it.
	Engine string

	// PushBufferLimit bounds the output a subscriber, MONITOR or blocked
	// client may leave unread before it is disconnected (Redis's pubsub
	// class limit).
	PushBufferLimit int64

	// Now is the clock the engine sees (expiry, TIME). Default time.Now.
	Now func() time.Time
	// Store, when set, is served instead of opening DB.
	Store store.Store
	// Log receives the server's log lines; default os.Stderr.
	Log io.Writer
}

// DefaultConfig returns redis-server's defaults (for what Folio has). The
// database is folio.db in the working directory, as redis-server keeps
// dump.rdb there.
func DefaultConfig() Config {
	return Config{
		Port:                   6379,
		Bind:                   "127.0.0.1",
		DB:                     "folio.db",
		Durability:             "normal",
		MaxClients:             10000,
		Databases:              16,
		ProtoMaxBulkLen:        512 << 20,
		ClientQueryBufferLimit: 1 << 30,
		LogLevel:               "notice",
		Engine:                 "native",
		PushBufferLimit:        32 << 20,
	}
}

func (cfg *Config) fill() {
	d := DefaultConfig()
	if cfg.Bind == "" {
		cfg.Bind = d.Bind
	}
	if cfg.Durability == "" {
		cfg.Durability = d.Durability
	}
	if cfg.DB == "" {
		cfg.DB = d.DB
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = d.MaxClients
	}
	if cfg.Databases <= 0 {
		cfg.Databases = d.Databases
	}
	if cfg.ProtoMaxBulkLen <= 0 {
		cfg.ProtoMaxBulkLen = d.ProtoMaxBulkLen
	}
	if cfg.ClientQueryBufferLimit <= 0 {
		cfg.ClientQueryBufferLimit = d.ClientQueryBufferLimit
	}
	if cfg.LogLevel == "" {
		cfg.LogLevel = d.LogLevel
	}
	if cfg.PushBufferLimit <= 0 {
		cfg.PushBufferLimit = d.PushBufferLimit
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
}

// Server serves one engine over TCP. Commands of every connection are
// serialized through one mutex, as Redis runs them on one thread.
type Server struct {
	cfg Config
	st  store.Store
	log *log.Logger

	mu  sync.Mutex // guards eng and every core.Session
	eng *core.Engine
	// idleErr is the last idle merge's error ("": none); guarded by mu.
	idleErr string

	// Group commit (group.go), when the store has it.
	grouper    store.Grouper
	grp        *group        // the open group; guarded by mu
	commitWake chan struct{} // a group was opened
	commitStop chan struct{} // closed by Close once connections are gone
	cwg        sync.WaitGroup
	waiting    atomic.Int32 // connections with a batch in hand, waiting for mu

	// Limits, changeable by CONFIG SET.
	maxClients   atomic.Int64
	timeout      atomic.Int64 // seconds
	maxBulk      atomic.Int64
	maxQueryBuf  atomic.Int64
	logLevel     atomic.Int32
	monitors     atomic.Int32 // number of MONITOR clients, for a cheap check
	shuttingDown atomic.Bool

	loop *eventLoop // nil: a goroutine per connection

	connMu sync.Mutex
	ln     net.Listener
	conns  map[*conn]struct{}
	wg     sync.WaitGroup

	stats struct {
		connections atomic.Int64
		rejected    atomic.Int64
		netIn       atomic.Int64
		netOut      atomic.Int64
		// group commit (group.go)
		groupCommits atomic.Int64
		groupBatches atomic.Int64
	}
	ops       opsSampler
	peakHeap  atomic.Uint64
	started   time.Time
	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error
}

// New opens the database and the engine; it does not listen yet.
func New(cfg Config) (*Server, error) {
	cfg.fill()
	st := cfg.Store
	if st == nil {
		if cfg.DB == ":memory:" {
			st = memstore.New()
		} else {
			if native.OpenStore == nil {
				return nil, fmt.Errorf("server: cannot open %q: no file store is linked into this build (use --db :memory:)", cfg.DB)
			}
			var err error
			if st, err = native.OpenStore(cfg.DB, cfg.Durability); err != nil {
				return nil, err
			}
		}
	}
	eng, err := core.New(st, core.Options{Now: func() int64 { return cfg.Now().UnixMilli() }, Seed: uint64(time.Now().UnixNano()), Databases: cfg.Databases, RequirePass: cfg.RequirePass})
	if err != nil {
		st.Close()
		return nil, err
	}
	s := &Server{cfg: cfg, st: st, eng: eng, conns: map[*conn]struct{}{}, closed: make(chan struct{}), started: time.Now()}
	s.log = log.New(cfg.Log, "", log.LstdFlags|log.Lmicroseconds)
	if g, ok := st.(store.Grouper); ok {
		s.grouper = g
		s.commitWake = make(chan struct{}, 1)
		s.commitStop = make(chan struct{})
		s.cwg.Add(1)
		go s.committer(s.commitStop)
	}
	s.maxClients.Store(int64(cfg.MaxClients))
	s.timeout.Store(int64(cfg.Timeout))
	s.maxBulk.Store(cfg.ProtoMaxBulkLen)
	s.maxQueryBuf.Store(cfg.ClientQueryBufferLimit)
	s.logLevel.Store(int32(levelOf(cfg.LogLevel)))
	for k, v := range map[string]string{
		"port":                      strconv.Itoa(cfg.Port),
		"bind":                      cfg.Bind,
		"maxclients":                strconv.Itoa(cfg.MaxClients),
		"timeout":                   strconv.Itoa(cfg.Timeout),
		"proto-max-bulk-len":        strconv.FormatInt(cfg.ProtoMaxBulkLen, 10),
		"client-query-buffer-limit": strconv.FormatInt(cfg.ClientQueryBufferLimit, 10),
		"loglevel":                  cfg.LogLevel,
		"dbfilename":                cfg.DB,
	} {
		eng.SetConfig(k, v)
	}
	eng.ConfigHook = s.configHook
	eng.InfoHook = s.infoHook
	return s, nil
}

// Engine returns the engine; use it only while holding no other call into
// the server (tests).
func (s *Server) Engine() *core.Engine { return s.eng }

// Do runs fn with the engine locked.
func (s *Server) Do(fn func(e *core.Engine)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.eng)
}

// Addr returns the listening address, once listening.
func (s *Server) Addr() net.Addr {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// ErrServerClosed is returned by ListenAndServe and Serve after Close or
// SHUTDOWN.
var ErrServerClosed = errors.New("server: closed")

// ListenAndServe listens on Bind:Port and serves until Close or SHUTDOWN.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", net.JoinHostPort(s.cfg.Bind, strconv.Itoa(s.cfg.Port)))
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln until Close or SHUTDOWN.
func (s *Server) Serve(ln net.Listener) error {
	s.connMu.Lock()
	if s.isClosed() {
		s.connMu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.ln = ln
	s.connMu.Unlock()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok {
		s.mu.Lock()
		s.eng.SetConfig("port", strconv.Itoa(tcp.Port))
		s.mu.Unlock()
	}
	s.logf(levelNotice, "Folio %s (Redis %s protocol) ready to accept connections on %s", core.LayoutVersion, "7.0", ln.Addr())
	s.wg.Add(1)
	go s.cron()
	if !s.cfg.GoroutinePerConn {
		if s.loop = newEventLoop(s); s.loop != nil {
			s.wg.Add(1)
			go s.loop.run()
		}
	}
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return err
		}
		s.accept(nc)
	}
}

func (s *Server) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

func (s *Server) accept(nc net.Conn) {
	s.stats.connections.Add(1)
	s.connMu.Lock()
	n := int64(len(s.conns))
	s.connMu.Unlock()
	if n >= s.maxClients.Load() {
		s.stats.rejected.Add(1)
		nc.SetWriteDeadline(time.Now().Add(time.Second))
		nc.Write([]byte("-ERR max number of clients reached\r\n"))
		nc.Close()
		return
	}
	// The session is made before connMu is taken: the lock order is the
	// engine's mu, then connMu.
	c := newConn(s, nc)
	s.connMu.Lock()
	if s.isClosed() {
		s.connMu.Unlock()
		c.cleanupSession()
		nc.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.connMu.Unlock()
	if s.loop != nil && s.loop.add(c) {
		return
	}
	go c.serve()
}

func (s *Server) forget(c *conn) {
	s.connMu.Lock()
	delete(s.conns, c)
	s.connMu.Unlock()
}

// Close stops listening, closes every connection, waits for them, and
// closes the store. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.connMu.Lock()
		close(s.closed)
		if s.ln != nil {
			s.ln.Close()
		}
		for c := range s.conns {
			c.Kill()
		}
		s.connMu.Unlock()
		if s.loop != nil {
			s.loop.wake()
		}
		s.wg.Wait()
		if s.commitStop != nil {
			close(s.commitStop)
			s.cwg.Wait()
		}
		s.mu.Lock()
		s.closeErr = s.st.Close()
		s.mu.Unlock()
		s.logf(levelNotice, "Folio is now ready to exit, bye bye...")
	})
	return s.closeErr
}

// Done is closed when the server has been closed (Close or SHUTDOWN).
func (s *Server) Done() <-chan struct{} { return s.closed }

// cron is Redis's serverCron for Folio: active expiry and the ops/sec
// samples, ten times a second.
func (s *Server) cron() {
	defer s.wg.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.closed:
			return
		case now := <-t.C:
			s.mu.Lock()
			activeExpire(s.eng)
			s.eng.ExpireBlocked()
			s.dispatch(nil, 0)
			if s.grp == nil {
				// A store that keeps failing (a full disk) fails every
				// idle tick: the log says so once per distinct error.
				msg := ""
				if err := s.eng.Idle(); err != nil {
					msg = err.Error()
				}
				if msg != "" && msg != s.idleErr {
					s.logf(levelWarning, "idle merge: %s", msg)
				}
				s.idleErr = msg
			}
			s.ops.sample(now, s.eng.Stats.Commands)
			s.mu.Unlock()
		}
	}
}

// activeExpire runs the engine's active-expiry step.
func activeExpire(e *core.Engine) {
	const budget = 20
	e.ActiveExpire(budget)
}

// opsSampler computes instantaneous_ops_per_sec as Redis does: the mean
// rate over the last 16 samples taken every 100 ms.
type opsSampler struct {
	lastAt  time.Time
	lastOps int64
	samples [16]float64
	idx     int
}

func (o *opsSampler) sample(now time.Time, ops int64) {
	if !o.lastAt.IsZero() {
		dt := now.Sub(o.lastAt).Seconds()
		if dt > 0 {
			o.samples[o.idx%16] = float64(ops-o.lastOps) / dt
			o.idx++
		}
	}
	o.lastAt, o.lastOps = now, ops
}

func (o *opsSampler) rate() int64 {
	var sum float64
	for _, v := range o.samples {
		sum += v
	}
	return int64(sum / 16)
}

const (
	levelDebug = iota
	levelVerbose
	levelNotice
	levelWarning
)

func levelOf(s string) int {
	switch s {
	case "debug":
		return levelDebug
	case "verbose":
		return levelVerbose
	case "warning":
		return levelWarning
	}
	return levelNotice
}

func (s *Server) logf(level int, format string, args ...any) {
	if int32(level) < s.logLevel.Load() {
		return
	}
	s.log.Printf(format, args...)
}

// configHook applies CONFIG SET of the parameters the server owns.
func (s *Server) configHook(name, value string) (bool, error) {
	switch name {
	case "maxclients":
		n, _ := strconv.ParseInt(value, 10, 64)
		s.maxClients.Store(n)
	case "timeout":
		n, _ := strconv.ParseInt(value, 10, 64)
		s.timeout.Store(n)
	case "proto-max-bulk-len":
		n, _ := strconv.ParseInt(value, 10, 64)
		s.maxBulk.Store(n)
	case "client-query-buffer-limit":
		n, _ := strconv.ParseInt(value, 10, 64)
		s.maxQueryBuf.Store(n)
	case "loglevel":
		s.logLevel.Store(int32(levelOf(value)))
	case "port", "bind":
		if s.eng.Config(name) != value {
			return true, errors.New("changing the listening address at run time is not supported")
		}
	case "resetstat":
		s.stats.connections.Store(0)
		s.stats.rejected.Store(0)
		s.stats.netIn.Store(0)
		s.stats.netOut.Store(0)
	default:
		return false, nil
	}
	return true, nil
}
