package sqlitestore_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/store/faultstore"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
)

// TestEngineGroup drives the engine the way a server with group commit
// does: the commands of many sessions inside one group, replies held until
// EndGroup; a failing command inside a group is rolled back alone; a failed
// EndGroup drops the whole group.
func TestEngineGroup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "eg.db")
	gs := faultstore.NewGrouper(open(t, path, sqlitestore.Options{}))
	e, err := core.New(gs, core.Options{Now: func() int64 { return time.Now().UnixMilli() }})
	if err != nil {
		t.Fatal(err)
	}
	other := open(t, path, sqlitestore.Options{})
	defer other.Close()
	var sess []*core.Session
	for range 10 {
		sess = append(sess, e.NewSession())
	}
	do := func(i int, want string, args ...string) {
		t.Helper()
		if got := string(e.Do(sess[i], args...)); got != want {
			t.Fatalf("session %d %q = %q, want %q", i, args, got, want)
		}
	}
	// Group 1: all commit together.
	if err := gs.BeginGroup(); err != nil {
		t.Fatal(err)
	}
	for i := range sess {
		do(i, "+OK\r\n", "SET", fmt.Sprint("k", i), fmt.Sprint(i))
	}
	do(3, "+OK\r\n", "MULTI")
	do(3, "+QUEUED\r\n", "SET", "m1", "x")
	do(3, "+QUEUED\r\n", "SET", "m2", "x")
	do(3, "*2\r\n+OK\r\n+OK\r\n", "EXEC")
	do(5, "$1\r\n3\r\n", "GET", "k3") // the group sees its own commits
	// Another connection sees nothing of the group before EndGroup. (The
	// record of k0 in db 0 is the page "k" db(4) "k0".)
	const k0 = "k\x00\x00\x00\x00k0"
	if _, ok := get(t, other, k0); ok {
		t.Fatal("another connection saw a write of an open group")
	}
	if err := gs.EndGroup(); err != nil {
		t.Fatal(err)
	}
	if _, ok := get(t, other, k0); !ok {
		t.Fatal("another connection does not see the group after EndGroup")
	}
	// Group 2: a command fails inside; the rest commits.
	if err := gs.BeginGroup(); err != nil {
		t.Fatal(err)
	}
	do(0, "+OK\r\n", "SET", "g2a", "1")
	gs.FailNth(faultstore.Commit, 1, faultstore.ErrDiskFull)
	if got := string(e.Do(sess[1], "SET", "g2b", "1")); got[0] != '-' {
		t.Fatalf("SET with a failing commit = %q", got)
	}
	do(2, "+OK\r\n", "SET", "g2c", "1")
	do(2, "$-1\r\n", "GET", "g2b")
	if err := gs.EndGroup(); err != nil {
		t.Fatal(err)
	}
	// Group 3: EndGroup fails; nothing of the group remains.
	if err := gs.BeginGroup(); err != nil {
		t.Fatal(err)
	}
	do(0, "+OK\r\n", "SET", "g3", "1")
	do(1, "+OK\r\n", "SET", "k1", "overwritten")
	gs.FailNth(faultstore.EndGroup, 1, faultstore.ErrIO)
	if err := gs.EndGroup(); !errors.Is(err, faultstore.ErrIO) {
		t.Fatalf("EndGroup = %v, want the injected error", err)
	}
	do(0, "$-1\r\n", "GET", "g3")
	do(0, "$1\r\n1\r\n", "GET", "k1")
	// Outside groups the engine goes on as usual.
	do(4, "+OK\r\n", "SET", "after", "1")
	gs.Close()

	s := open(t, path, sqlitestore.Options{})
	defer s.Close()
	e, err = core.New(s, core.Options{Now: func() int64 { return time.Now().UnixMilli() }})
	if err != nil {
		t.Fatal(err)
	}
	sess = []*core.Session{e.NewSession()}
	for i := range 10 {
		do(0, fmt.Sprintf("$1\r\n%d\r\n", i), "GET", fmt.Sprint("k", i))
	}
	for k, want := range map[string]string{"m1": "$1\r\nx\r\n", "m2": "$1\r\nx\r\n", "g2a": "$1\r\n1\r\n", "g2b": "$-1\r\n", "g2c": "$1\r\n1\r\n", "g3": "$-1\r\n", "after": "$1\r\n1\r\n"} {
		do(0, want, "GET", k)
	}
}
