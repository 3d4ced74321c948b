package sqlitestore_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/logstore"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
)

// TestHeldSnapshot: a read keeps its snapshot for the next read while
// nobody commits, yet sees another connection's commit on its very next
// read, and an idle store lets go of the snapshot so that another
// connection's TRUNCATE checkpoint does not wait for it.
func TestHeldSnapshot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.db")
	a := open(t, path, sqlitestore.Options{})
	defer a.Close()
	b := open(t, path, sqlitestore.Options{})
	defer b.Close()
	a.SetIdleHold(time.Hour)
	txPut(t, b, true, "k", "0")
	for i := range 200 {
		if v, ok := get(t, a, "k"); !ok || v != fmt.Sprint(i) {
			t.Fatalf("round %d: a reads k = %q %v", i, v, ok)
		}
		if !a.Held() {
			t.Fatal("a read did not keep its snapshot")
		}
		// A second read on the held snapshot.
		if v, _ := get(t, a, "k"); v != fmt.Sprint(i) {
			t.Fatalf("round %d: second read = %q", i, v)
		}
		txPut(t, b, true, "k", fmt.Sprint(i+1))
	}
	// Own writes are seen too (the write ends the held snapshot).
	txPut(t, a, true, "k", "own")
	if v, _ := get(t, a, "k"); v != "own" {
		t.Fatalf("a reads its own write as %q", v)
	}
	if v, _ := get(t, b, "k"); v != "own" {
		t.Fatalf("b reads a's write as %q", v)
	}
	a.SetIdleHold(time.Millisecond)
	get(t, a, "k")
	deadline := time.Now().Add(2 * time.Second)
	for a.Held() {
		if time.Now().After(deadline) {
			t.Fatal("an idle store still holds its snapshot after 2 s")
		}
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if err := b.Checkpoint(); err != nil {
		t.Fatalf("TRUNCATE checkpoint with an idle reader: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the checkpoint waited %v", d)
	}
}

// TestGroupModel: random transactions (puts, deletes, gets, scans of every
// shape), committed or rolled back, inside groups that commit or abort,
// checked against a model, from inside the group and, after each group,
// from another connection.
func TestGroupModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.db")
	s := open(t, path, sqlitestore.Options{})
	defer s.Close()
	other := open(t, path, sqlitestore.Options{})
	defer other.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	key := func() string { return fmt.Sprintf("%c%d", 'a'+rng.IntN(4), rng.IntN(30)) }
	model := map[string]string{}
	scanModel := func(m map[string]string, a string, b *string, rev bool, limit int) []string {
		var w []string
		for _, k := range sortedKeys(m) {
			if k >= a && (b == nil || k < *b) {
				w = append(w, k+"="+m[k])
			}
		}
		if rev {
			slices.Reverse(w)
		}
		if limit > 0 && len(w) > limit {
			w = w[:limit]
		}
		return w
	}
	scanStore := func(tx store.Tx, a string, b *string, rev bool, limit int) []string {
		var end []byte
		if b != nil {
			end = []byte(*b)
		}
		var got []string
		err := tx.Scan([]byte(a), end, rev, func(k, p []byte) bool {
			got = append(got, string(k)+"="+string(p))
			return limit == 0 || len(got) < limit
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	for g := range 60 {
		if err := s.BeginGroup(); err != nil {
			t.Fatal(err)
		}
		group := maps(model)
		for range 1 + rng.IntN(8) {
			tx, err := s.Begin(true)
			if err != nil {
				t.Fatal(err)
			}
			// A failure must not leave the transaction and the group open:
			// Close waits for them.
			stop := func(format string, args ...any) {
				tx.Rollback()
				s.AbortGroup()
				t.Fatalf(format, args...)
			}
			next := maps(group)
			for range 1 + rng.IntN(10) {
				switch k := key(); rng.IntN(7) {
				case 0, 1:
					v := fmt.Sprint(g, rng.Uint32())
					if err := tx.Put([]byte(k), []byte(v)); err != nil {
						stop("%v", err)
					}
					next[k] = v
				case 6: // in a group, as Put or Delete
					v, del := fmt.Sprint(g, rng.Uint32()), rng.IntN(3) == 0
					if err := tx.(logstore.WriteThrougher).WriteThrough([]byte(k), []byte(v), del); err != nil {
						stop("%v", err)
					}
					if del {
						delete(next, k)
					} else {
						next[k] = v
					}
				case 2:
					if err := tx.Delete([]byte(k)); err != nil {
						stop("%v", err)
					}
					delete(next, k)
				case 3:
					v, ok, err := tx.Get([]byte(k))
					if w, wok := next[k]; err != nil || ok != wok || string(v) != w {
						stop("group %d: Get(%q) = %q %v %v, want %q %v", g, k, v, ok, err, w, wok)
					}
				default:
					a := key()
					var b *string
					if rng.IntN(3) > 0 {
						bk := key()
						b = &bk
					}
					rev, limit := rng.IntN(2) == 0, rng.IntN(3)
					got, w := scanStore(tx, a, b, rev, limit), scanModel(next, a, b, rev, limit)
					if !slices.Equal(got, w) {
						stop("group %d: Scan(%q, %v, rev %v, limit %d) = %q, want %q", g, a, b, rev, limit, got, w)
					}
				}
			}
			if rng.IntN(4) == 0 {
				tx.Rollback()
			} else if err := tx.Commit(); err != nil {
				t.Fatal(err)
			} else {
				group = next
			}
		}
		if rng.IntN(5) == 0 {
			if err := s.AbortGroup(); err != nil {
				t.Fatal(err)
			}
		} else {
			if err := s.EndGroup(); err != nil {
				t.Fatal(err)
			}
			model = group
		}
		for _, st := range []*sqlitestore.Store{s, other} {
			tx, err := st.Begin(false)
			if err != nil {
				t.Fatal(err)
			}
			got, w := scanStore(tx, "", nil, false, 0), scanModel(model, "", nil, false, 0)
			tx.Rollback()
			if !slices.Equal(got, w) {
				t.Fatalf("after group %d: contents = %q, want %q", g, got, w)
			}
		}
		// Another connection writes now and then: the cache must notice.
		if rng.IntN(4) == 0 {
			k, v := key(), fmt.Sprint("other", g)
			txPut(t, other, true, k, v)
			model[k] = v
		}
	}
}

// TestWriteThroughModel: random write transactions mixing WriteThrough
// (many keys, so that its batches fill) with Put, Delete, Get and Scan,
// committed or rolled back, checked against a model inside the
// transaction, after it, and from another connection, whose reads the
// cache of the first must not hide.
func TestWriteThroughModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "through.db")
	s := open(t, path, sqlitestore.Options{})
	defer s.Close()
	other := open(t, path, sqlitestore.Options{})
	defer other.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	key := func() string { return fmt.Sprintf("%c%03d", 'a'+rng.IntN(3), rng.IntN(200)) }
	model := map[string]string{}
	contents := func(st *sqlitestore.Store) map[string]string {
		tx, err := st.Begin(false)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		got := map[string]string{}
		if err := tx.Scan(nil, nil, false, func(k, p []byte) bool {
			got[string(k)] = string(p)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	for r := range 120 {
		tx, err := s.Begin(true)
		if err != nil {
			t.Fatal(err)
		}
		// A failure must not leave the transaction open: Close waits for it.
		stop := func(format string, args ...any) {
			tx.Rollback()
			t.Fatalf(format, args...)
		}
		wt := tx.(logstore.WriteThrougher)
		next := maps(model)
		for range 1 + rng.IntN(150) {
			k := key()
			switch rng.IntN(10) {
			case 0:
				v := fmt.Sprint(r, rng.Uint32())
				if err := tx.Put([]byte(k), []byte(v)); err != nil {
					stop("%v", err)
				}
				next[k] = v
			case 1:
				if err := tx.Delete([]byte(k)); err != nil {
					stop("%v", err)
				}
				delete(next, k)
			case 2:
				v, ok, err := tx.Get([]byte(k))
				if w, wok := next[k]; err != nil || ok != wok || string(v) != w {
					stop("round %d: Get(%q) = %q %v %v, want %q %v", r, k, v, ok, err, w, wok)
				}
			case 3:
				var got []string
				if err := tx.Scan([]byte(k), nil, false, func(k, p []byte) bool {
					got = append(got, string(k)+"="+string(p))
					return len(got) < 5
				}); err != nil {
					stop("%v", err)
				}
				var w []string
				for _, mk := range sortedKeys(next) {
					if mk >= k && len(w) < 5 {
						w = append(w, mk+"="+next[mk])
					}
				}
				if !slices.Equal(got, w) {
					stop("round %d: Scan(%q) = %q, want %q", r, k, got, w)
				}
			default:
				v, del := fmt.Sprint(r, rng.Uint32()), rng.IntN(4) == 0
				if err := wt.WriteThrough([]byte(k), []byte(v), del); err != nil {
					stop("%v", err)
				}
				if del {
					delete(next, k)
				} else {
					next[k] = v
				}
			}
		}
		if rng.IntN(4) == 0 {
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
		} else if err := tx.Commit(); err != nil {
			t.Fatal(err)
		} else {
			model = next
		}
		// Now and then only the other connection looks, so that the next
		// write transaction is the first to run after this one.
		checked := []*sqlitestore.Store{s, other}
		if rng.IntN(2) == 0 {
			checked = checked[1:]
		}
		for _, st := range checked {
			if got := contents(st); !reflect.DeepEqual(got, model) && (len(got) > 0 || len(model) > 0) {
				for k, v := range got {
					if w, ok := model[k]; !ok || w != v {
						t.Errorf("%q = %q, model %q %v", k, v, w, ok)
					}
				}
				for k, w := range model {
					if _, ok := got[k]; !ok {
						t.Errorf("%q missing, model %q", k, w)
					}
				}
				t.Fatalf("after round %d: %d keys differ from the model's %d", r, len(got), len(model))
			}
		}
		for range 3 * (len(checked) - 1) { // reads through the cache
			k := key()
			v, ok := get(t, s, k)
			if w, wok := model[k]; ok != wok || v != w {
				t.Fatalf("after round %d: Get(%q) = %q %v, want %q %v", r, k, v, ok, w, wok)
			}
		}
		if rng.IntN(4) == 0 {
			k, v := key(), fmt.Sprint("other", r)
			txPut(t, other, true, k, v)
			model[k] = v
		}
	}
}

func maps(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
