package logstore_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"

	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/faultstore"
	"github.com/foliodb/folio/core/store/logstore"
	"github.com/foliodb/folio/core/store/memstore"
	"github.com/foliodb/folio/internal/storetest"
)

func TestSuite(t *testing.T) {
	for _, merge := range []int{0, 3} {
		t.Run("merge"+strconv.Itoa(merge), func(t *testing.T) {
			storetest.Run(t, func(*testing.T) store.Store {
				return logstore.New(memstore.New(), logstore.Options{MergeEntries: merge})
			})
		})
	}
}

func mustBegin(t *testing.T, st store.Store, w bool) store.Tx {
	t.Helper()
	tx, err := st.Begin(w)
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func get(t *testing.T, st store.Store, k string) string {
	t.Helper()
	tx := mustBegin(t, st, false)
	defer tx.Rollback()
	p, ok, err := tx.Get([]byte(k))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return "<none>"
	}
	return string(p)
}

// A commit writes one record to the base however many pages it changed,
// until the overlay is merged.
func TestOneRecordPerCommit(t *testing.T) {
	base := faultstore.New(memstore.New())
	st := logstore.New(base, logstore.Options{MergeEntries: 1000})
	tx := mustBegin(t, st, true)
	for i := 0; i < 300; i++ {
		if err := tx.Put([]byte("k"+strconv.Itoa(i)), []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := base.Count(faultstore.Put); n != 3 {
		t.Fatalf("base Puts for one commit of 300 pages: %d, want 3 (one record in 900-byte chunks)", n)
	}
	if st.Overlay() != 300 {
		t.Fatalf("overlay %d, want 300", st.Overlay())
	}
	// The next commit crosses MergeEntries: the pages go to the base.
	tx = mustBegin(t, st, true)
	for i := 0; i < 800; i++ {
		tx.Put([]byte("m"+strconv.Itoa(i)), []byte("v"))
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if st.Overlay() != 0 {
		t.Fatalf("overlay %d after a merge, want 0", st.Overlay())
	}
	if n := base.Count(faultstore.Put); n != 3+7+1100+1 {
		t.Fatalf("base Puts %d, want %d (two records in chunks, 1100 pages, the watermark)", n, 3+7+1100+1)
	}
	// Nothing is left in the log after the merge, and a fresh wrapper
	// reads the pages.
	again := logstore.New(base, logstore.Options{})
	if v := get(t, again, "k7"); v != "v" {
		t.Fatalf("k7 = %q", v)
	}
	if again.Overlay() != 0 {
		t.Fatalf("replayed %d entries after a merge", again.Overlay())
	}
}

// A new wrapper over the same base (a restart) replays the unmerged log.
func TestReplay(t *testing.T) {
	base := memstore.New()
	st := logstore.New(base, logstore.Options{})
	tx := mustBegin(t, st, true)
	tx.Put([]byte("a"), []byte("1"))
	tx.Put([]byte("b"), []byte("2"))
	tx.Commit()
	tx = mustBegin(t, st, true)
	tx.Delete([]byte("a"))
	tx.Commit()
	re := logstore.New(base, logstore.Options{})
	if v := get(t, re, "a"); v != "<none>" {
		t.Fatalf("a = %q after replay, want deleted", v)
	}
	if v := get(t, re, "b"); v != "2" {
		t.Fatalf("b = %q after replay", v)
	}
	if re.Overlay() != 2 {
		t.Fatalf("overlay %d after replay, want 2", re.Overlay())
	}
}

func TestReserved(t *testing.T) {
	st := logstore.New(memstore.New(), logstore.Options{})
	tx := mustBegin(t, st, true)
	defer tx.Rollback()
	if err := tx.Put([]byte{0xff, 0xfe, 1}, nil); err != logstore.ErrReserved {
		t.Fatalf("Put of a reserved key: %v", err)
	}
	tx.Put([]byte("x"), []byte("1"))
	tx.Commit()
	tx = mustBegin(t, st, false)
	defer tx.Rollback()
	n := 0
	tx.Scan([]byte{0}, nil, false, func(k, p []byte) bool { n++; return true })
	if n != 1 {
		t.Fatalf("a full scan saw %d keys, want 1 (log records are not pages)", n)
	}
}

// Groups: transactions share the group's base transaction; a committed
// one is seen by the next, a rolled back one is gone, and nothing is in
// the base until EndGroup, which writes one record.
func TestGroup(t *testing.T) {
	base := faultstore.New(memstore.New())
	st := logstore.New(base, logstore.Options{})
	if err := st.BeginGroup(); err != nil {
		t.Fatal(err)
	}
	tx := mustBegin(t, st, true)
	tx.Put([]byte("a"), []byte("1"))
	tx.Commit()
	tx = mustBegin(t, st, true)
	if p, ok, _ := tx.Get([]byte("a")); !ok || string(p) != "1" {
		t.Fatalf("a = %q, %v inside the group", p, ok)
	}
	tx.Put([]byte("b"), []byte("2"))
	tx.Rollback()
	tx = mustBegin(t, st, true)
	tx.Put([]byte("c"), []byte("3"))
	tx.Commit()
	if n := base.Count(faultstore.Put); n != 0 {
		t.Fatalf("%d base Puts before EndGroup", n)
	}
	if err := st.EndGroup(); err != nil {
		t.Fatal(err)
	}
	if n := base.Count(faultstore.Put); n != 1 {
		t.Fatalf("%d base Puts for the group, want 1", n)
	}
	for k, want := range map[string]string{"a": "1", "b": "<none>", "c": "3"} {
		if v := get(t, st, k); v != want {
			t.Fatalf("%s = %q, want %q", k, v, want)
		}
	}
	// An aborted group leaves nothing.
	st.BeginGroup()
	tx = mustBegin(t, st, true)
	tx.Put([]byte("d"), []byte("4"))
	tx.Commit()
	if err := st.AbortGroup(); err != nil {
		t.Fatal(err)
	}
	if v := get(t, st, "d"); v != "<none>" {
		t.Fatalf("d = %q after AbortGroup", v)
	}
	// A failed base commit loses the group and its writes.
	st.BeginGroup()
	tx = mustBegin(t, st, true)
	tx.Put([]byte("e"), []byte("5"))
	tx.Commit()
	base.FailNth(faultstore.Commit, 1, faultstore.ErrIO)
	if err := st.EndGroup(); err == nil {
		t.Fatal("EndGroup succeeded with a failing base commit")
	}
	if v := get(t, st, "e"); v != "<none>" {
		t.Fatalf("e = %q after a lost group", v)
	}
}

// Two wrappers over one base, as two processes over one file: each sees
// the other's writes, through merges done by either, checked against a
// model after every step.
func TestSharedBase(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		base := memstore.New()
		sts := []*logstore.Store{
			logstore.New(base, logstore.Options{MergeEntries: 5 + int(seed%7)}),
			logstore.New(base, logstore.Options{MergeEntries: 9}),
		}
		model := map[string]string{}
		r := rand.New(rand.NewPCG(seed, 7))
		key := func() string { return "k" + strconv.Itoa(r.IntN(30)) }
		for step := 0; step < 400; step++ {
			st := sts[r.IntN(2)]
			if r.IntN(20) == 0 {
				// A merge without a new record: the other wrapper has
				// seen every record it merges, and drops them.
				if err := st.Merge(); err != nil {
					t.Fatal(err)
				}
			}
			switch op := r.IntN(10); {
			case op < 5:
				tx := mustBegin(t, st, true)
				pend := map[string]string{}
				for i := r.IntN(4); i >= 0; i-- {
					k := key()
					if r.IntN(4) == 0 {
						tx.Delete([]byte(k))
						pend[k] = ""
					} else {
						v := strconv.Itoa(step)
						tx.Put([]byte(k), []byte(v))
						pend[k] = v
					}
				}
				if r.IntN(5) == 0 {
					tx.Rollback()
					continue
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
				for k, v := range pend {
					if v == "" {
						delete(model, k)
					} else {
						model[k] = v
					}
				}
			case op < 8:
				k := key()
				want, ok := model[k]
				if !ok {
					want = "<none>"
				}
				if v := get(t, st, k); v != want {
					t.Fatalf("seed %d step %d: %s = %q, want %q", seed, step, k, v, want)
				}
			default:
				var keys, want []string
				for k := range model {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				reverse := r.IntN(2) == 0
				if reverse {
					sort.Sort(sort.Reverse(sort.StringSlice(keys)))
				}
				for _, k := range keys {
					want = append(want, k+"="+model[k])
				}
				var got []string
				tx := mustBegin(t, st, false)
				tx.Scan([]byte("k"), []byte("l"), reverse, func(k, p []byte) bool {
					got = append(got, string(k)+"="+string(p))
					return true
				})
				tx.Rollback()
				if !equal(got, want) {
					t.Fatalf("seed %d step %d: scan (reverse %v)\ngot  %v\nwant %v", seed, step, reverse, got, want)
				}
			}
		}
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func BenchmarkGroupCommit(b *testing.B) {
	// 800 writes in one group: what the log layer adds in front of the base.
	st := logstore.New(memstore.New(), logstore.Options{})
	keys := make([][]byte, 100000)
	for i := range keys {
		keys[i] = []byte("k" + strconv.Itoa(i))
	}
	page := bytes.Repeat([]byte("v"), 40)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		st.BeginGroup()
		for j := 0; j < 800; j++ {
			tx, _ := st.Begin(true)
			k := keys[(i*800+j)*7919%len(keys)]
			tx.Get(k)
			tx.Put(k, page)
			tx.Commit()
		}
		if err := st.EndGroup(); err != nil {
			b.Fatal(err)
		}
	}
}

// A commit whose merge fails leaves the store as it was before it.
func TestFailedMerge(t *testing.T) {
	base := faultstore.New(memstore.New())
	st := logstore.New(base, logstore.Options{MergeEntries: 3})
	put := func(kv ...string) error {
		tx := mustBegin(t, st, true)
		for i := 0; i < len(kv); i += 2 {
			tx.Put([]byte(kv[i]), []byte(kv[i+1]))
		}
		return tx.Commit()
	}
	if err := put("a", "1", "b", "2"); err != nil {
		t.Fatal(err)
	}
	base.FailNth(faultstore.Commit, 1, faultstore.ErrIO)
	if err := put("a", "9", "c", "3"); err == nil {
		t.Fatal("commit succeeded with a failing base commit")
	}
	for k, want := range map[string]string{"a": "1", "b": "2", "c": "<none>"} {
		if v := get(t, st, k); v != want {
			t.Fatalf("%s = %q after a failed merge, want %q", k, v, want)
		}
	}
	if err := put("c", "3", "d", "4"); err != nil {
		t.Fatal(err)
	}
	if st.Overlay() != 0 {
		t.Fatalf("overlay %d, want a merge", st.Overlay())
	}
	for k, want := range map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"} {
		if v := get(t, st, k); v != want {
			t.Fatalf("%s = %q, want %q", k, v, want)
		}
	}
}

// Deletions pile up in the overlay only to MergeDeletes: a range scan
// steps over each one.
func TestMergeDeletes(t *testing.T) {
	st := logstore.New(memstore.New(), logstore.Options{MergeDeletes: 3})
	tx := mustBegin(t, st, true)
	for _, k := range []string{"a", "b", "c", "d"} {
		tx.Put([]byte(k), []byte("1"))
	}
	tx.Commit()
	for i, k := range []string{"a", "b", "c"} {
		if st.Overlay() == 0 {
			t.Fatalf("merged after %d deletions, want after 3", i)
		}
		tx := mustBegin(t, st, true)
		tx.Delete([]byte(k))
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if st.Overlay() != 0 {
		t.Fatalf("overlay %d after 3 deletions, want a merge", st.Overlay())
	}
	if v := get(t, st, "d"); v != "1" {
		t.Fatalf("d = %q", v)
	}
}

// Range scans that step over deletions bring the next merge forward: the
// commit of a write, or the end of a transaction that wrote nothing.
func TestMergeSkips(t *testing.T) {
	st := logstore.New(memstore.New(), logstore.Options{MergeSkips: 3})
	deleteTwo := func() {
		tx := mustBegin(t, st, true)
		for _, k := range []string{"a", "b", "c", "d"} {
			tx.Put([]byte(k), []byte("1"))
		}
		tx.Commit()
		tx = mustBegin(t, st, true)
		tx.Delete([]byte("a"))
		tx.Delete([]byte("b"))
		tx.Commit()
	}
	scan := func(tx store.Tx) {
		var got []string
		tx.Scan([]byte("a"), []byte("z"), false, func(k, _ []byte) bool {
			got = append(got, string(k))
			return false
		})
		if len(got) != 1 || got[0] != "c" {
			t.Fatalf("scan: %v, want [c]", got)
		}
	}
	read := func() {
		tx := mustBegin(t, st, false)
		scan(tx)
		tx.Rollback()
	}
	deleteTwo()
	read() // steps over a and b
	if st.Overlay() == 0 {
		t.Fatal("merged after scans stepped over 2 deletions, want after 3")
	}
	read()
	if st.Overlay() != 0 {
		t.Fatalf("overlay %d after reads stepped over 4 deletions, want a merge", st.Overlay())
	}
	read() // the deletions are gone from the pages too

	// In a transaction that writes, its commit merges.
	deleteTwo()
	read()
	tx := mustBegin(t, st, true)
	scan(tx)
	tx.Put([]byte("e"), []byte("1"))
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if st.Overlay() != 0 {
		t.Fatalf("overlay %d after a commit whose scans made 4 skips, want a merge", st.Overlay())
	}
}

// noWaitBase counts BeginNoWait calls and can refuse them, as a SQLite
// file does while another process writes.
type noWaitBase struct {
	*memstore.Store
	calls  int
	refuse bool
}

func (b *noWaitBase) BeginNoWait() (store.Tx, error) {
	b.calls++
	if b.refuse {
		return nil, faultstore.ErrIO
	}
	return b.Begin(true)
}

// A merge after a read does not wait for the base's write lock: it uses
// BeginNoWait, and when that is refused the data stays in the log and the
// merge is tried again later.
func TestMergeAfterReadNoWait(t *testing.T) {
	base := &noWaitBase{Store: memstore.New(), refuse: true}
	st := logstore.New(base, logstore.Options{MergeSkips: 2})
	tx := mustBegin(t, st, true)
	tx.Put([]byte("a"), []byte("1"))
	tx.Put([]byte("b"), []byte("1"))
	tx.Commit()
	tx = mustBegin(t, st, true)
	tx.Delete([]byte("a"))
	tx.Commit()
	read := func() {
		tx := mustBegin(t, st, false)
		tx.Scan([]byte("a"), []byte("z"), false, func(k, _ []byte) bool { return true })
		if err := tx.Rollback(); err != nil {
			t.Fatalf("read's end: %v", err)
		}
	}
	read()
	read()
	if base.calls != 1 || st.Overlay() == 0 {
		t.Fatalf("BeginNoWait calls %d, overlay %d; want 1 refused call, nothing merged", base.calls, st.Overlay())
	}
	if v := get(t, st, "b"); v != "1" {
		t.Fatalf("b = %q after a refused merge", v)
	}
	base.refuse = false
	read()
	read()
	if base.calls != 2 || st.Overlay() != 0 {
		t.Fatalf("BeginNoWait calls %d, overlay %d; want a second call that merged", base.calls, st.Overlay())
	}
	if v := get(t, st, "b"); v != "1" {
		t.Fatalf("b = %q after the merge", v)
	}
}

// Idle merges an overlay holding a sixteenth of MergeEntries, and nothing
// smaller; inside a transaction it does nothing, and when the base's write
// lock is refused it returns nil and keeps the overlay for a later pause.
func TestIdle(t *testing.T) {
	base := &noWaitBase{Store: memstore.New()}
	st := logstore.New(base, logstore.Options{MergeEntries: 160}) // idle merge from 10 entries
	put := func(n int) {
		tx := mustBegin(t, st, true)
		for i := 0; i < n; i++ {
			tx.Put(fmt.Appendf(nil, "k%d", st.Overlay()+i), []byte("v"))
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	idle := func() {
		if err := st.Idle(); err != nil {
			t.Fatalf("Idle: %v", err)
		}
	}
	put(9)
	idle()
	if base.calls != 0 || st.Overlay() != 9 {
		t.Fatalf("Idle with 9 entries: %d BeginNoWait calls, overlay %d; want none, 9", base.calls, st.Overlay())
	}
	put(1)
	tx := mustBegin(t, st, false)
	idle()
	tx.Rollback()
	if base.calls != 0 || st.Overlay() != 10 {
		t.Fatalf("Idle inside a transaction: %d BeginNoWait calls, overlay %d; want none, 10", base.calls, st.Overlay())
	}
	base.refuse = true
	idle()
	if base.calls != 1 || st.Overlay() != 10 {
		t.Fatalf("Idle refused the lock: %d BeginNoWait calls, overlay %d; want 1, 10", base.calls, st.Overlay())
	}
	base.refuse = false
	idle()
	if base.calls != 2 || st.Overlay() != 0 {
		t.Fatalf("Idle: %d BeginNoWait calls, overlay %d; want 2, merged", base.calls, st.Overlay())
	}
	if v := get(t, st, "k9"); v != "v" {
		t.Fatalf("k9 = %q after the idle merge", v)
	}
}
