package server_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/foliodb/folio/core/store/faultstore"
	"github.com/foliodb/folio/core/store/memstore"
	"github.com/foliodb/folio/hosts/native"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
	"github.com/foliodb/folio/hosts/server"
	"github.com/foliodb/folio/hosts/server/foliotest"
)

// infoField reads one field of INFO section.
func infoField(t *testing.T, rc *redis.Client, section, field string) int64 {
	t.Helper()
	info, err := rc.Info(context.Background(), section).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return n
		}
	}
	t.Fatalf("INFO %s has no %s:\n%s", section, field, info)
	return 0
}

// Concurrent connections on a SQLite file share durable commits, and every
// acknowledged write is in the file afterwards.
func TestGroupCommitAcrossConnections(t *testing.T) {
	path := filepath.Join(t.TempDir(), "group.db")
	st, err := sqlitestore.Open(path, sqlitestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := foliotest.Run(t, foliotest.WithConfig(func(c *server.Config) { c.Store = st }))
	const conns, each = 20, 100
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rc := redis.NewClient(&redis.Options{Addr: s.Addr(), PoolSize: 1})
			defer rc.Close()
			for j := 0; j < each; j++ {
				if err := rc.Incr(context.Background(), "n").Err(); err != nil {
					errs <- err
					return
				}
				if err := rc.Set(context.Background(), "k:"+strconv.Itoa(i)+":"+strconv.Itoa(j), j, 0).Err(); err != nil {
					errs <- err
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rc := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer rc.Close()
	commits := infoField(t, rc, "persistence", "folio_group_commits")
	batches := infoField(t, rc, "persistence", "folio_group_batches")
	t.Logf("%d batches in %d group commits", batches, commits)
	if batches < 2*conns*each {
		t.Fatalf("folio_group_batches = %d, want at least %d", batches, 2*conns*each)
	}
	if commits >= batches {
		t.Fatalf("%d commits for %d batches: no commit was shared", commits, batches)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := native.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if v, err := db.Do(ctx, "GET", "n"); err != nil || v != strconv.Itoa(conns*each) {
		t.Fatalf("GET n = %v, %v; want %d", v, err, conns*each)
	}
	if v, err := db.Do(ctx, "DBSIZE"); err != nil || v != int64(conns*each+1) {
		t.Fatalf("DBSIZE = %v, %v; want %d", v, err, conns*each+1)
	}
}

// When a group's durable commit fails, the commands that joined it are
// answered with the error, the engine forgets their writes, and the server
// carries on; a push client whose output was held for the group is
// disconnected rather than told of lost writes.
func TestGroupCommitFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fail.db")
	inner, err := sqlitestore.Open(path, sqlitestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs := faultstore.NewGrouper(inner)
	s := foliotest.Run(t, foliotest.WithConfig(func(c *server.Config) { c.Store = fs }))
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: s.Addr(), PoolSize: 1})
	defer rc.Close()
	if err := rc.Set(ctx, "kept", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	sub := rc.Subscribe(ctx, "ch")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}

	// A raw connection: go-redis would open a fresh connection (and set
	// it up) for a pipeline.
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fs.FailNth(faultstore.EndGroup, 1, faultstore.ErrDiskFull)
	if _, err := nc.Write([]byte("*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$1\r\n1\r\n*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$5\r\nhello\r\n")); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	for _, cmd := range []string{"SET", "PUBLISH"} {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(line, "-ERR store failure: ") {
			t.Fatalf("%s: reply %q, want a store failure", cmd, line)
		}
	}
	pub := redis.NewClient(&redis.Options{Addr: s.Addr(), PoolSize: 1})
	defer pub.Close()
	if n, err := pub.Exists(ctx, "lost").Result(); err != nil || n != 0 {
		t.Fatalf("EXISTS lost = %d, %v; want 0 (the group was lost)", n, err)
	}
	if v, err := pub.Get(ctx, "kept").Result(); err != nil || v != "1" {
		t.Fatalf("GET kept = %q, %v", v, err)
	}
	// The subscriber never sees the message of the lost group: its
	// connection was closed instead.
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if msg, err := sub.ReceiveMessage(rctx); err == nil {
		t.Fatalf("subscriber got %v from a lost group", msg)
	}
	if err := pub.Set(ctx, "after", "1", 0).Err(); err != nil {
		t.Fatalf("SET after the failure: %v", err)
	}
}

// A pause in the commands has the store merge its write log (logstore
// over SQLite, as folio-server --db opens a file), so that no later
// command waits for that merge.
func TestIdleMerge(t *testing.T) {
	st, err := native.OpenStore(filepath.Join(t.TempDir(), "idle.db"), "normal")
	if err != nil {
		t.Fatal(err)
	}
	s := foliotest.Run(t, foliotest.WithConfig(func(c *server.Config) { c.Store = st }))
	rc := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer rc.Close()
	ctx := context.Background()
	// A burst of 10,000 writes, each its own commit: above the idle
	// merge's 8,192 writes, below what forces a merge.
	for i := 0; i < 10_000; i++ {
		if err := rc.Set(ctx, "k"+strconv.Itoa(i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if n := infoField(t, rc, "persistence", "folio_unmerged_writes"); n < 10_000 {
		t.Fatalf("folio_unmerged_writes = %d right after the burst, want at least 10000", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for infoField(t, rc, "persistence", "folio_unmerged_writes") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the write log was not merged during a pause of 5 s")
		}
		// INFO is a command too: leave more than a tick (100 ms) between.
		time.Sleep(250 * time.Millisecond)
	}
	if v, err := rc.Get(ctx, "k9999").Result(); err != nil || v != "9999" {
		t.Fatalf("GET k9999 after the merge = %q %v", v, err)
	}
}

// failingIdler is a memory store whose idle work always fails.
type failingIdler struct{ *memstore.Store }

func (failingIdler) Idle() error { return errors.New("disk full") }

// syncBuffer is a log destination safe to read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// A store whose idle merge keeps failing is reported once, not ten times
// a second.
func TestIdleMergeErrorLoggedOnce(t *testing.T) {
	var logs syncBuffer
	foliotest.Run(t, foliotest.WithConfig(func(c *server.Config) {
		c.Store = failingIdler{memstore.New()}
		c.Log = &logs
	}))
	time.Sleep(700 * time.Millisecond) // about seven idle ticks
	if n := strings.Count(logs.String(), "idle merge: disk full"); n != 1 {
		t.Fatalf("the failing idle merge was logged %d times, want once:\n%s", n, logs.String())
	}
}
