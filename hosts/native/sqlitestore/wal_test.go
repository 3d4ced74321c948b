package sqlitestore_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foliodb/folio/core/store"
	"github.com/foliodb/folio/core/store/logstore"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
)

// TestWALBound: a writer commits as fast as it can while long readers keep
// a read transaction open at every moment (two readers, each holding its
// snapshot for 500 ms, staggered, so SQLite never sees a moment without an
// old snapshot). Without a checkpoint policy the WAL grows for as long as
// the readers go on; with it the WAL stays under 64 MiB. FOLIO_SOAK=60s runs
// it for a minute with the default options (default: 3 s with a 4 MiB
// WALLimit, bound 8 MiB, and a control run without the policy that must go
// past that bound).
func TestWALBound(t *testing.T) {
	if v := os.Getenv("FOLIO_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("FOLIO_SOAK: %v", err)
		}
		if max := walRun(t, d, 0, false); max > 64<<20 {
			t.Fatalf("the WAL reached %.1f MiB, over 64 MiB", float64(max)/(1<<20))
		}
		// The same load as every host opens a file: through logstore.
		if max := walRun(t, d, 0, true); max > 64<<20 {
			t.Fatalf("through logstore, the WAL reached %.1f MiB, over 64 MiB", float64(max)/(1<<20))
		}
		return
	}
	const bound = 8 << 20
	if max := walRun(t, 3*time.Second, 4<<20, false); max > bound {
		t.Fatalf("the WAL reached %.1f MiB, over %d MiB", float64(max)/(1<<20), bound>>20)
	}
	// The control: with the policy off the same load goes past the bound,
	// so the test above can fail.
	if max := walRun(t, 3*time.Second, 1<<40, false); max <= bound {
		t.Fatalf("without the checkpoint policy the WAL stayed at %.1f MiB: the test has no teeth", float64(max)/(1<<20))
	}
}

// walRun runs the load for dur against a store with the given WALLimit
// (0 for the default), through logstore when logged, and returns the
// largest WAL size seen.
func walRun(t *testing.T, dur time.Duration, walLimit int64, logged bool) int64 {
	path := filepath.Join(t.TempDir(), "wal.db")
	var w store.Store = open(t, path, sqlitestore.Options{WALLimit: walLimit})
	if logged {
		w = logstore.New(w, logstore.Options{})
	}
	defer w.Close()
	// Seed the keys the readers look at.
	page := bytes.Repeat([]byte("p"), 4000)
	txPut(t, w, true, "seed", "1")

	var (
		stop    atomic.Bool
		maxWAL  atomic.Int64
		commits atomic.Int64
		reads   atomic.Int64
		wg      sync.WaitGroup
	)
	sample := func() {
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > maxWAL.Load() {
			maxWAL.Store(fi.Size())
		}
	}
	for r := range 2 {
		var rs store.Store = open(t, path, sqlitestore.Options{})
		if logged {
			rs = logstore.New(rs, logstore.Options{})
		}
		defer rs.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(r) * 250 * time.Millisecond)
			for !stop.Load() {
				tx, err := rs.Begin(false)
				if err != nil {
					t.Error(err)
					return
				}
				// The first read takes the snapshot; the reader then
				// holds it.
				before, _, err := tx.Get([]byte("seed"))
				if err != nil {
					t.Error(err)
				}
				before = bytes.Clone(before)
				time.Sleep(500 * time.Millisecond)
				after, _, err := tx.Get([]byte("seed"))
				if err != nil {
					t.Error(err)
				}
				if !bytes.Equal(before, after) {
					t.Errorf("a reader's snapshot moved: %q then %q", before, after)
				}
				tx.Rollback()
				reads.Add(1)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			sample()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	start := time.Now()
	for n := 0; time.Since(start) < dur; n++ {
		tx, err := w.Begin(true)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 8 {
			if err := tx.Put(fmt.Appendf(nil, "k%05d", (n*8+i)%10000), page); err != nil {
				t.Fatal(err)
			}
		}
		tx.Put([]byte("seed"), fmt.Append(nil, n))
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		commits.Add(1)
		if n%16 == 0 {
			sample()
		}
	}
	stop.Store(true)
	wg.Wait()
	sample()
	mb := float64(maxWAL.Load()) / (1 << 20)
	written := float64(commits.Load()) * 8 * 4000 / (1 << 20)
	limitText := fmt.Sprintf("%d MiB", walLimit>>20)
	if walLimit == 0 {
		limitText = "default (32 MiB)"
	}
	t.Logf("WALLimit %s, %v: %d commits (%.0f MiB of pages), %d long reads; largest WAL %.1f MiB",
		limitText, dur, commits.Load(), written, reads.Load(), mb)
	if reads.Load() == 0 {
		t.Fatal("no read overlapped the writes")
	}
	return maxWAL.Load()
}
