package storetest

import (
	"strings"
	"testing"

	"github.com/foliodb/folio/core/store/faultstore"
)

// EngineFaults checks, through do (one command, raw RESP reply), that a
// failing store call gives the command an error reply, rolls its
// transaction back, and leaves the engine serving.
func EngineFaults(t *testing.T, fs *faultstore.Store, do func(args ...string) string) {
	t.Helper()
	expect := func(want string, args ...string) {
		t.Helper()
		if got := do(args...); got != want {
			t.Fatalf("%q = %q, want %q", args, got, want)
		}
	}
	isStoreError := func(args ...string) {
		t.Helper()
		got := do(args...)
		if !strings.HasPrefix(got, "-ERR store failure: ") || !strings.Contains(got, "injected fault") {
			t.Fatalf("%q = %q, want a store failure error", args, got)
		}
	}
	expect("+OK\r\n", "SET", "k", "v1")

	fs.FailNth(faultstore.Put, 1, faultstore.ErrDiskFull)
	isStoreError("SET", "k", "v2")
	expect("$2\r\nv1\r\n", "GET", "k")

	// The write happened and then the commit failed: it must be undone.
	fs.FailNth(faultstore.Commit, 1, faultstore.ErrIO)
	isStoreError("SET", "k", "v3")
	expect("$2\r\nv1\r\n", "GET", "k")
	fs.FailNth(faultstore.Commit, 1, faultstore.ErrIO)
	isStoreError("SET", "new", "x")
	expect("$-1\r\n", "GET", "new")

	fs.FailNth(faultstore.Get, 1, faultstore.ErrIO)
	isStoreError("GET", "k")
	expect("$2\r\nv1\r\n", "GET", "k")

	fs.FailNth(faultstore.Begin, 1, faultstore.ErrIO)
	isStoreError("SET", "k", "v4")

	// Still serving, reads and writes.
	for _, v := range []string{"a", "b", "c"} {
		expect("+OK\r\n", "SET", "k", v)
		expect("$1\r\n"+v+"\r\n", "GET", "k")
	}
	if fs.Pending() != 0 {
		t.Fatalf("%d faults never fired: the test did not exercise them", fs.Pending())
	}
}
