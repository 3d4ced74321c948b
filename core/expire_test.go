package core

import (
	"fmt"
	"testing"
	"time"

	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/memstore"
)

func TestExpireTranscript(t *testing.T) { playPending(t, "expire.txt") }

// clock is a virtual clock for Options.Now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// countingStore counts the pages a store hands out, to check the cost of
// housekeeping.
type countingStore struct {
	store.Store
	reads  int
	writes int // writable transactions begun
}

type countingTx struct {
	store.Tx
	s *countingStore
}

func (s *countingStore) Begin(w bool) (store.Tx, error) {
	if w {
		s.writes++
	}
	tx, err := s.Store.Begin(w)
	return countingTx{tx, s}, err
}

func (t countingTx) Get(k []byte) ([]byte, bool, error) {
	t.s.reads++
	return t.Tx.Get(k)
}

func (t countingTx) Scan(start, end []byte, rev bool, fn func(k, v []byte) bool) error {
	return t.Tx.Scan(start, end, rev, func(k, v []byte) bool {
		t.s.reads++
		return fn(k, v)
	})
}

func clockEngine(t *testing.T, st store.Store) (*Engine, *Session, *clock) {
	t.Helper()
	clk := &clock{time.UnixMilli(1700000000000)}
	e, err := New(st, Options{Now: func() int64 { return clk.now().UnixMilli() }, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return e, e.NewSession(), clk
}

type step struct {
	args []string
	want string
}

func runSteps(t *testing.T, e *Engine, s *Session, steps []step) {
	t.Helper()
	for _, st := range steps {
		if got := string(e.Do(s, st.args...)); got != st.want {
			t.Errorf("%q: got %q want %q", st.args, got, st.want)
		}
	}
}

func TestExpiryVirtualClock(t *testing.T) {
	e, s, clk := clockEngine(t, memstore.New())
	runSteps(t, e, s, []step{
		{[]string{"SET", "k", "v", "PX", "1500"}, "+OK\r\n"},
		{[]string{"PTTL", "k"}, ":1500\r\n"},
		{[]string{"TTL", "k"}, ":2\r\n"}, // rounded to the nearest second
		{[]string{"PEXPIRETIME", "k"}, ":1700000001500\r\n"},
		{[]string{"EXPIRETIME", "k"}, ":1700000002\r\n"},
	})
	clk.advance(1001 * time.Millisecond)
	runSteps(t, e, s, []step{
		{[]string{"PTTL", "k"}, ":499\r\n"},
		{[]string{"TTL", "k"}, ":0\r\n"},
		{[]string{"GET", "k"}, "$1\r\nv\r\n"},
	})
	clk.advance(499 * time.Millisecond)
	runSteps(t, e, s, []step{
		{[]string{"GET", "k"}, "$-1\r\n"},
		{[]string{"TTL", "k"}, ":-2\r\n"},
		{[]string{"EXISTS", "k"}, ":0\r\n"},
		{[]string{"DBSIZE"}, ":0\r\n"},
		{[]string{"SETEX", "k", "10", "v"}, "+OK\r\n"},
		{[]string{"GETEX", "k", "PX", "100"}, "$1\r\nv\r\n"},
		{[]string{"PTTL", "k"}, ":100\r\n"},
		{[]string{"EXPIRE", "k", "20", "GT"}, ":1\r\n"},
		{[]string{"PTTL", "k"}, ":20000\r\n"},
		{[]string{"EXPIRE", "k", "10", "GT"}, ":0\r\n"},
		{[]string{"EXPIRE", "k", "10", "LT"}, ":1\r\n"},
		{[]string{"TTL", "k"}, ":10\r\n"},
		{[]string{"SET", "k", "w", "KEEPTTL"}, "+OK\r\n"},
		{[]string{"TTL", "k"}, ":10\r\n"},
		{[]string{"INCR", "n"}, ":1\r\n"},
		{[]string{"PEXPIRE", "n", "5"}, ":1\r\n"},
		{[]string{"INCR", "n"}, ":2\r\n"},
		{[]string{"PTTL", "n"}, ":5\r\n"},
	})
	clk.advance(5 * time.Millisecond)
	runSteps(t, e, s, []step{
		{[]string{"INCR", "n"}, ":1\r\n"}, // the old value expired
		{[]string{"PTTL", "n"}, ":-1\r\n"},
		{[]string{"KEYS", "*"}, "*2\r\n$1\r\nk\r\n$1\r\nn\r\n"},
	})
	clk.advance(10 * time.Second)
	runSteps(t, e, s, []step{
		{[]string{"KEYS", "*"}, "*1\r\n$1\r\nn\r\n"},
		{[]string{"RANDOMKEY"}, "$1\r\nn\r\n"},
		{[]string{"SCAN", "0"}, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nn\r\n"},
	})
}

// TestActiveExpireCost checks that the housekeeping step deletes what is
// due and reads in proportion to it, not to the keyspace.
func TestActiveExpireCost(t *testing.T) {
	cs := &countingStore{Store: memstore.New()}
	e, s, clk := clockEngine(t, cs)
	args := []string{"MSET"}
	for i := 0; i < 20000; i++ {
		args = append(args, fmt.Sprintf("keep:%d", i), "v")
	}
	e.Do(s, args...)
	for i := 0; i < 100; i++ {
		e.Do(s, "SET", fmt.Sprintf("tmp:%d", i), "v", "PX", fmt.Sprint(1000+i))
		e.Do(s, "SET", fmt.Sprintf("later:%d", i), "v", "EX", "3600")
	}
	clk.advance(time.Second + 50*time.Millisecond)
	cs.reads = 0
	n, err := e.ActiveExpire(1000)
	if err != nil || n != 51 {
		t.Fatalf("ActiveExpire: %d, %v; want 51 expired (at <= now)", n, err)
	}
	if cs.reads > 300 {
		t.Errorf("ActiveExpire read %d pages to expire 51 keys among 20200", cs.reads)
	}
	t.Logf("expired 51 of 20200 keys reading %d pages", cs.reads)
	// Nothing due: a read-only look, no write transaction.
	cs.writes = 0
	if n, err := e.ActiveExpire(1000); n != 0 || err != nil || cs.writes != 0 {
		t.Errorf("idle ActiveExpire: %d, %v, %d write transactions", n, err, cs.writes)
	}
	clk.advance(time.Second)
	if n, _ := e.ActiveExpire(20); n != 20 {
		t.Errorf("budget 20: expired %d", n)
	}
	if n, _ := e.ActiveExpire(1000); n != 29 {
		t.Errorf("the rest: expired %d, want 29", n)
	}
	if got := string(e.Do(s, "DBSIZE")); got != ":20100\r\n" {
		t.Errorf("DBSIZE %q", got)
	}
	if e.Stats.ExpiredKeys != 100 {
		t.Errorf("ExpiredKeys %d", e.Stats.ExpiredKeys)
	}
}

// TestReclaim checks that deleted collections and flushed databases are
// reclaimed by ActiveExpire in bounded steps, down to the metadata pages.
func TestReclaim(t *testing.T) {
	ms := memstore.New()
	e, s, _ := clockEngine(t, ms)
	base := ms.Len()
	fill := func(db string) {
		e.Do(s, "SELECT", db)
		for i := 0; i < 50; i++ {
			e.Do(s, "SET", fmt.Sprint("s", i), "v", "EX", "100")
			standInCollection(t, e, s, []string{"RPUSH", fmt.Sprint("l", i), "a", "b", "c"})
		}
	}
	fill("0")
	fill("3")
	e.Do(s, "SELECT", "0")
	runSteps(t, e, s, []step{
		{[]string{"DEL", "l0", "l1"}, ":2\r\n"},
		{[]string{"COPY", "l2", "copy"}, ":1\r\n"},
		{[]string{"RENAME", "l3", "renamed"}, "+OK\r\n"},
		{[]string{"FLUSHDB"}, "+OK\r\n"},
		{[]string{"DBSIZE"}, ":0\r\n"},
		{[]string{"SELECT", "3"}, "+OK\r\n"},
		{[]string{"DBSIZE"}, ":100\r\n"},
		{[]string{"FLUSHALL"}, "+OK\r\n"},
		{[]string{"DBSIZE"}, ":0\r\n"},
	})
	if ms.Len() < base+300 {
		t.Fatalf("only %d pages before reclamation", ms.Len()-base)
	}
	steps := 0
	for ; steps < 100 && ms.Len() > base+2; steps++ { // +2: dbmap, nextid
		if _, err := e.ActiveExpire(16); err != nil {
			t.Fatal(err)
		}
	}
	if ms.Len() != base+2 {
		var left []string
		tx, _ := ms.Begin(false)
		tx.Scan(nil, nil, false, func(k, _ []byte) bool {
			left = append(left, fmt.Sprintf("%q", k))
			return len(left) < 10
		})
		tx.Rollback()
		t.Errorf("%d pages left after reclamation, want %d: %v", ms.Len(), base+2, left)
	}
	t.Logf("reclaimed in %d steps of budget 16", steps)
	runSteps(t, e, s, []step{
		{[]string{"SET", "a", "1"}, "+OK\r\n"},
		{[]string{"DBSIZE"}, ":1\r\n"},
	})
}

// idleCounter is a memory store that counts the Idle calls it gets.
type idleCounter struct {
	*memstore.Store
	calls int
}

func (s *idleCounter) Idle() error { s.calls++; return nil }

// Engine.Idle has the store do its deferred work only when no command ran
// since the previous call.
func TestEngineIdle(t *testing.T) {
	st := &idleCounter{Store: memstore.New()}
	e, err := New(st, Options{Now: func() int64 { return 1700000000000 }, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession()
	e.Do(s, "SET", "k", "v")
	e.Idle() // a command ran since the engine started
	if st.calls != 0 {
		t.Fatalf("%d Idle calls after a command, want 0", st.calls)
	}
	e.Idle()
	if st.calls != 1 {
		t.Fatalf("%d Idle calls after a quiet interval, want 1", st.calls)
	}
	e.Do(s, "GET", "k")
	e.Idle()
	e.Idle()
	if st.calls != 2 {
		t.Fatalf("%d Idle calls, want 2", st.calls)
	}
}
