package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foliodb/folio/conformance/transcript"
	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store/memstore"
	"github.com/foliodb/folio/hosts/native"
)

// A conn is one client connection to a target: RESP arguments in, the raw
// RESP reply bytes out.
type conn interface {
	Do(args [][]byte) ([]byte, error)
	Close() error
}

// A multiConn opens more connections to its database (for tests of several
// clients). Close the first connection last: it owns the database.
type multiConn interface {
	conn
	Another() (conn, error)
}

// A target is a Folio host under test. open returns a fresh connection on
// a fresh, empty database, or a reason to skip the target.
//
// A host adds itself by appending to targets (from an init in its own
// _test.go file in this package).
type target struct {
	name string
	open func(t testing.TB) (c conn, skip string)
}

var targets = []target{
	{"core+memory", openCore},
	{"native+memory", openNativeMemory},
	{"native+sqlite", openNativeSQLite},
}

// testClock is the clock of the in-process targets: the real one, since
// the corpus and the random sequences are compared with a real
// redis-server running on the real clock.
func testClock() time.Time { return time.Now() }

// coreConn drives the engine directly: core.New over the memory store.
type coreConn struct {
	e       *core.Engine
	s       *core.Session
	w       resp.Writer
	pending map[*core.Session][]byte // deliveries, shared by the engine's conns
	owner   bool                     // the first conn closes the store
}

func openCore(t testing.TB) (conn, string) {
	e, err := core.New(memstore.New(), core.Options{Now: func() int64 { return testClock().UnixMilli() }, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &coreConn{e: e, s: e.NewSession(), pending: map[*core.Session][]byte{}, owner: true}, ""
}

// Another opens a second session on the same engine.
func (c *coreConn) Another() (conn, error) {
	return &coreConn{e: c.e, s: c.e.NewSession(), pending: c.pending}, nil
}

// Do runs one command. A command that blocks is handled as a host does:
// the connections are driven one command at a time, so nothing else can
// serve it; the wait ends at its deadline, when ExpireBlocked answers the
// timeout reply as a delivery. Output for a session arrives before the
// reply of its next command, as a socket would show it.
func (c *coreConn) Do(args [][]byte) ([]byte, error) {
	c.w.B = c.w.B[:0]
	o := c.e.Exec(c.s, args, &c.w)
	reply := append([]byte(nil), c.w.B...)
	if o.Blocked != nil {
		if o.Blocked.Deadline == 0 {
			return reply, fmt.Errorf("%s blocks forever on a single connection", args[0])
		}
		time.Sleep(time.Until(time.UnixMilli(o.Blocked.Deadline)) + time.Millisecond)
		c.e.ExpireBlocked()
	}
	for _, d := range c.e.TakeDeliveries() {
		c.pending[d.Session] = append(c.pending[d.Session], d.Data...)
	}
	mine := c.pending[c.s]
	delete(c.pending, c.s)
	if o.Blocked != nil { // the timeout reply is the delivery
		return append(reply, mine...), nil
	}
	return append(mine, reply...), nil
}

func (c *coreConn) Close() error {
	c.e.CloseSession(c.s)
	if c.owner {
		return c.e.Store().Close()
	}
	return nil
}

// nativeConn drives a session of the native host.
type nativeConn struct {
	db    *native.DB
	s     *native.Session
	owner bool // the first conn closes the database
}

// Another opens a second session on the same database.
func (c *nativeConn) Another() (conn, error) { return &nativeConn{db: c.db, s: c.db.NewSession()}, nil }

func (c *nativeConn) Do(args [][]byte) ([]byte, error) {
	as := make([]any, len(args))
	for i, a := range args {
		as[i] = a
	}
	return c.s.Raw(context.Background(), as...)
}

func (c *nativeConn) Close() error {
	c.s.Close()
	if c.owner {
		return c.db.Close()
	}
	return nil
}

func openNativeMemory(t testing.TB) (conn, string) {
	db, err := native.Open(":memory:", native.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	return &nativeConn{db: db, s: db.NewSession(), owner: true}, ""
}

// openNativeSQLite opens a fresh SQLite file. It skips only while no file
// store is linked into the native host (native.OpenStore unset); once one
// is, any failure to open is a failure.
func openNativeSQLite(t testing.TB) (conn, string) {
	if native.OpenStore == nil {
		return nil, "native.OpenStore is unset: no SQLite store linked into hosts/native yet"
	}
	db, err := native.Open(filepath.Join(t.TempDir(), "folio.db"), native.WithSeed(1))
	if err != nil {
		t.Fatalf("native.Open of a SQLite file: %v", err)
	}
	return &nativeConn{db: db, s: db.NewSession(), owner: true}, ""
}

// requireRedis reports whether a missing redis-server fails the test.
func requireRedis() bool { return os.Getenv("FOLIO_REQUIRE_REDIS") == "1" }

// sharedRedis is one redis-server for the whole test binary.
var sharedRedis struct {
	once sync.Once
	r    *transcript.Redis
	err  error
}

// redisAddr returns the address of a redis-server started for this test
// binary, or skips (fails under FOLIO_REQUIRE_REDIS=1) when there is none.
func redisAddr(t testing.TB) string {
	t.Helper()
	sharedRedis.once.Do(func() {
		sharedRedis.r, sharedRedis.err = transcript.StartRedis()
	})
	if sharedRedis.err != nil {
		if requireRedis() || !errors.Is(sharedRedis.err, transcript.ErrNoRedis) {
			t.Fatalf("redis-server: %v", sharedRedis.err)
		}
		t.Skipf("skipping: %v (set FOLIO_REQUIRE_REDIS=1 to make this a failure)", sharedRedis.err)
	}
	return sharedRedis.r.Addr
}

// dialRedis opens a fresh connection to the shared redis-server and
// empties it.
func dialRedis(t testing.TB) *transcript.Conn {
	t.Helper()
	c, err := transcript.Dial(redisAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Do([][]byte{[]byte("FLUSHALL")}); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedRedis.r != nil {
		sharedRedis.r.Close()
	}
	os.Exit(code)
}

// argsOf converts strings to arguments.
func argsOf(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// quoteCmd renders a command as a transcript line.
func quoteCmd(args [][]byte) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = transcript.Quote(string(a))
	}
	return strings.Join(parts, " ")
}
