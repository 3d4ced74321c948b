// Package storetest is the conformance suite every store.Store passes:
// ordered Get/Put/Delete, Scan in both directions with bounds, rollback,
// commit visibility and read-only refusal, plus a randomized run against an
// in-memory model. Call Run from a store's own tests.
package storetest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/foliodb/folio/core/store"
)

// Run runs the suite. open returns a new, empty store; Run closes it.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"GetPutDelete", testGetPutDelete},
		{"Scan", testScan},
		{"ScanNested", testScanNested},
		{"Rollback", testRollback},
		{"CommitVisibility", testCommitVisibility},
		{"ReadOnly", testReadOnly},
		{"Ended", testEnded},
		{"SlicesStable", testSlicesStable},
		{"Model", testModel},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			defer st.Close()
			tc.fn(t, st)
		})
	}
}

func begin(t *testing.T, st store.Store, writable bool) store.Tx {
	t.Helper()
	tx, err := st.Begin(writable)
	if err != nil {
		t.Fatalf("Begin(%v): %v", writable, err)
	}
	return tx
}

func put(t *testing.T, tx store.Tx, k, v string) {
	t.Helper()
	if err := tx.Put([]byte(k), []byte(v)); err != nil {
		t.Fatalf("Put(%q): %v", k, err)
	}
}

func commit(t *testing.T, tx store.Tx) {
	t.Helper()
	if err := tx.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// want checks that key holds page (or is absent when page is nil).
func want(t *testing.T, tx store.Tx, k string, page *string) {
	t.Helper()
	got, ok, err := tx.Get([]byte(k))
	if err != nil {
		t.Fatalf("Get(%q): %v", k, err)
	}
	switch {
	case page == nil && ok:
		t.Fatalf("Get(%q) = %q, want absent", k, got)
	case page != nil && !ok:
		t.Fatalf("Get(%q) absent, want %q", k, *page)
	case page != nil && string(got) != *page:
		t.Fatalf("Get(%q) = %q, want %q", k, got, *page)
	}
}

func ptr(s string) *string { return &s }

func scan(t *testing.T, tx store.Tx, start, end []byte, reverse bool, limit int) []string {
	t.Helper()
	var out []string
	err := tx.Scan(start, end, reverse, func(k, p []byte) bool {
		out = append(out, string(k)+"="+string(p))
		return limit <= 0 || len(out) < limit
	})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return out
}

func testGetPutDelete(t *testing.T, st store.Store) {
	tx := begin(t, st, true)
	want(t, tx, "a", nil)
	put(t, tx, "a", "1")
	want(t, tx, "a", ptr("1"))
	put(t, tx, "a", "2") // overwrite
	want(t, tx, "a", ptr("2"))
	put(t, tx, "empty", "")
	want(t, tx, "empty", ptr(""))
	bin := string([]byte{0, 0xff, 0, 1})
	put(t, tx, bin, string([]byte{0, 0, 0xfe}))
	want(t, tx, bin, ptr(string([]byte{0, 0, 0xfe})))
	want(t, tx, string([]byte{0, 0xff, 0}), nil) // a prefix is another key
	if err := tx.Delete([]byte("a")); err != nil {
		t.Fatal(err)
	}
	want(t, tx, "a", nil)
	if err := tx.Delete([]byte("never")); err != nil {
		t.Fatalf("Delete of an absent key: %v", err)
	}
	// Put copies its arguments.
	k, v := []byte("copy"), []byte("before")
	if err := tx.Put(k, v); err != nil {
		t.Fatal(err)
	}
	copy(k, "XXXX")
	copy(v, "XXXXXX")
	want(t, tx, "copy", ptr("before"))
	commit(t, tx)
	tx = begin(t, st, false)
	want(t, tx, "empty", ptr(""))
	want(t, tx, bin, ptr(string([]byte{0, 0, 0xfe})))
	want(t, tx, "copy", ptr("before"))
	want(t, tx, "a", nil)
	commit(t, tx)
}

func testScan(t *testing.T, st store.Store) {
	tx := begin(t, st, true)
	for _, k := range []string{"b", "a", "d", "c", "e", "ab", "\x00", "\xff\xff"} {
		put(t, tx, k, "v"+k)
	}
	commit(t, tx)
	tx = begin(t, st, false)
	defer tx.Rollback()
	cases := []struct {
		start, end string
		noEnd      bool
		reverse    bool
		limit      int
		want       []string
	}{
		{start: "", noEnd: true, want: []string{"\x00", "a", "ab", "b", "c", "d", "e", "\xff\xff"}},
		{start: "", noEnd: true, reverse: true, want: []string{"\xff\xff", "e", "d", "c", "b", "ab", "a", "\x00"}},
		{start: "a", end: "c", want: []string{"a", "ab", "b"}},
		{start: "a", end: "c", reverse: true, want: []string{"b", "ab", "a"}},
		{start: "aa", end: "c", want: []string{"ab", "b"}},
		{start: "b", noEnd: true, want: []string{"b", "c", "d", "e", "\xff\xff"}},
		{start: "b", noEnd: true, reverse: true, want: []string{"\xff\xff", "e", "d", "c", "b"}},
		{start: "c", end: "c", want: nil},
		{start: "d", end: "c", want: nil},
		{start: "f", end: "g", want: nil},
		{start: "", end: "b", reverse: true, limit: 2, want: []string{"ab", "a"}},
		{start: "a", noEnd: true, limit: 1, want: []string{"a"}},
	}
	for _, c := range cases {
		var end []byte
		if !c.noEnd {
			end = []byte(c.end)
		}
		got := scan(t, tx, []byte(c.start), end, c.reverse, c.limit)
		var w []string
		for _, k := range c.want {
			w = append(w, k+"=v"+k)
		}
		if !slices.Equal(got, w) {
			t.Errorf("Scan(%q, %q (open %v), reverse %v, limit %d) = %q, want %q", c.start, c.end, c.noEnd, c.reverse, c.limit, got, w)
		}
	}
}

// testScanNested reads (and scans) from inside a scan's callback, as the
// engine does when it follows a record to its elements.
func testScanNested(t *testing.T, st store.Store) {
	tx := begin(t, st, true)
	for i := range 5 {
		put(t, tx, fmt.Sprintf("k%d", i), fmt.Sprint(i))
	}
	commit(t, tx)
	tx = begin(t, st, false)
	defer tx.Rollback()
	var got []string
	err := tx.Scan([]byte("k"), []byte("l"), false, func(k, p []byte) bool {
		other, ok, err := tx.Get([]byte("k0"))
		if err != nil || !ok || string(other) != "0" {
			t.Errorf("Get inside Scan = %q %v %v", other, ok, err)
		}
		inner := scan(t, tx, []byte("k"), []byte("l"), true, 1)
		got = append(got, string(k)+"/"+string(p)+"/"+inner[0])
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"k0/0/k4=4", "k1/1/k4=4", "k2/2/k4=4", "k3/3/k4=4", "k4/4/k4=4"}
	if !slices.Equal(got, want) {
		t.Fatalf("nested scan = %q, want %q", got, want)
	}
}

func testRollback(t *testing.T, st store.Store) {
	tx := begin(t, st, true)
	put(t, tx, "keep", "1")
	put(t, tx, "over", "old")
	put(t, tx, "gone", "x")
	commit(t, tx)

	tx = begin(t, st, true)
	put(t, tx, "new", "n")
	put(t, tx, "over", "new")
	put(t, tx, "over", "newer")
	if err := tx.Delete([]byte("gone")); err != nil {
		t.Fatal(err)
	}
	put(t, tx, "gone", "again")
	if err := tx.Delete([]byte("gone")); err != nil {
		t.Fatal(err)
	}
	want(t, tx, "over", ptr("newer"))
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	tx = begin(t, st, false)
	defer tx.Rollback()
	want(t, tx, "keep", ptr("1"))
	want(t, tx, "over", ptr("old"))
	want(t, tx, "gone", ptr("x"))
	want(t, tx, "new", nil)
	if got := scan(t, tx, nil, nil, false, 0); !slices.Equal(got, []string{"gone=x", "keep=1", "over=old"}) {
		t.Fatalf("after rollback: %q", got)
	}
}

func testCommitVisibility(t *testing.T, st store.Store) {
	for i := range 20 {
		tx := begin(t, st, true)
		k := fmt.Sprintf("n%02d", i)
		want(t, tx, k, nil)
		if i > 0 {
			want(t, tx, fmt.Sprintf("n%02d", i-1), ptr(fmt.Sprint(i-1)))
		}
		put(t, tx, k, fmt.Sprint(i))
		commit(t, tx)
	}
	tx := begin(t, st, false)
	defer tx.Rollback()
	if got := scan(t, tx, []byte("n"), []byte("o"), false, 0); len(got) != 20 {
		t.Fatalf("want 20 committed keys, got %d", len(got))
	}
}

func testReadOnly(t *testing.T, st store.Store) {
	tx := begin(t, st, true)
	put(t, tx, "a", "1")
	commit(t, tx)
	tx = begin(t, st, false)
	if err := tx.Put([]byte("a"), []byte("2")); err == nil {
		t.Fatal("Put in a read-only transaction succeeded")
	}
	if err := tx.Delete([]byte("a")); err == nil {
		t.Fatal("Delete in a read-only transaction succeeded")
	}
	want(t, tx, "a", ptr("1"))
	commit(t, tx)
	tx = begin(t, st, false)
	want(t, tx, "a", ptr("1"))
	commit(t, tx)
}

func testEnded(t *testing.T, st store.Store) {
	tx := begin(t, st, true)
	put(t, tx, "a", "1")
	commit(t, tx)
	if err := tx.Put([]byte("b"), nil); err == nil {
		t.Fatal("Put after Commit succeeded")
	}
	if _, _, err := tx.Get([]byte("a")); err == nil {
		t.Fatal("Get after Commit succeeded")
	}
	if err := tx.Commit(); err == nil {
		t.Fatal("second Commit succeeded")
	}
	// The store is usable again.
	tx = begin(t, st, false)
	want(t, tx, "b", nil)
	tx.Rollback()
}

// testSlicesStable: pages returned by Get stay intact across later Gets and
// Scans of the same transaction.
func testSlicesStable(t *testing.T, st store.Store) {
	tx := begin(t, st, true)
	for i := range 300 {
		put(t, tx, fmt.Sprintf("s%03d", i), fmt.Sprintf("page-%03d-%s", i, bytes.Repeat([]byte{'x'}, i)))
	}
	commit(t, tx)
	tx = begin(t, st, false)
	defer tx.Rollback()
	var pages, keys [][]byte
	for i := range 300 {
		p, _, err := tx.Get([]byte(fmt.Sprintf("s%03d", i)))
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
	}
	tx.Scan([]byte("s"), nil, false, func(k, p []byte) bool { keys = append(keys, k); return true })
	for i := range 300 {
		if w := fmt.Sprintf("page-%03d-%s", i, bytes.Repeat([]byte{'x'}, i)); string(pages[i]) != w {
			t.Fatalf("page %d changed to %q", i, pages[i])
		}
		if w := fmt.Sprintf("s%03d", i); string(keys[i]) != w {
			t.Fatalf("scanned key %d changed to %q", i, keys[i])
		}
	}
}

// testModel runs random transactions against the store and a map.
func testModel(t *testing.T, st store.Store) {
	rng := rand.New(rand.NewPCG(1, 2))
	model := map[string]string{}
	key := func() string { return fmt.Sprintf("%c%d", 'a'+rng.IntN(4), rng.IntN(40)) }
	for round := range 200 {
		tx := begin(t, st, true)
		next := maps(model)
		for range 1 + rng.IntN(10) {
			switch k := key(); rng.IntN(5) {
			case 0, 1:
				v := fmt.Sprint(round, rng.Uint32())
				put(t, tx, k, v)
				next[k] = v
			case 2:
				if err := tx.Delete([]byte(k)); err != nil {
					t.Fatal(err)
				}
				delete(next, k)
			case 3:
				var w *string
				if v, ok := next[k]; ok {
					w = &v
				}
				want(t, tx, k, w)
			case 4:
				a, b := key(), key()
				if a > b {
					a, b = b, a
				}
				rev := rng.IntN(2) == 0
				got := scan(t, tx, []byte(a), []byte(b), rev, 0)
				var w []string
				for _, mk := range sortedKeys(next) {
					if mk >= a && mk < b {
						w = append(w, mk+"="+next[mk])
					}
				}
				if rev {
					slices.Reverse(w)
				}
				if !slices.Equal(got, w) {
					t.Fatalf("round %d: Scan(%q, %q, %v) = %q, want %q", round, a, b, rev, got, w)
				}
			}
		}
		if rng.IntN(3) == 0 {
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
		} else {
			commit(t, tx)
			model = next
		}
	}
	tx := begin(t, st, false)
	defer tx.Rollback()
	var w []string
	for _, k := range sortedKeys(model) {
		w = append(w, k+"="+model[k])
	}
	if got := scan(t, tx, nil, nil, false, 0); !slices.Equal(got, w) {
		t.Fatalf("final contents = %q, want %q", got, w)
	}
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
