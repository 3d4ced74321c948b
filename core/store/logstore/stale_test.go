package logstore

import (
	"fmt"
	"testing"

	"github.com/foliodb/folio/core/store/memstore"
)

// A scan orders only the stale keys of the first bytes its range spans:
// the engine's housekeeping scans ('x' here) must not sort the element
// keys ('e') written since the last one.
func TestScanOrdersItsFirstBytes(t *testing.T) {
	s := New(memstore.New(), Options{})
	tx, err := s.Begin(true)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	for i := n - 1; i >= 0; i-- {
		tx.Put([]byte(fmt.Sprintf("e%03d", i)), []byte("v"))
	}
	tx.Put([]byte("x1"), []byte("v"))
	tx.Put([]byte("y1"), []byte("v"))
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	scan := func(start, end string) []string {
		tx, err := s.Begin(false)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		var got []string
		tx.Scan([]byte(start), []byte(end), false, func(k, _ []byte) bool {
			got = append(got, string(k))
			return true
		})
		return got
	}
	if got := scan("x", "y"); len(got) != 1 || got[0] != "x1" {
		t.Fatalf("scan [x, y): %q", got)
	}
	if e := s.stale['e']; len(e.keys) != n || e.sorted != 0 {
		t.Fatalf("after a scan of [x, y) the e keys are %d stale, %d of them sorted: want %d, 0", len(e.keys), e.sorted, n)
	}
	if len(s.stale['x'].keys) != 0 || len(s.stale['y'].keys) != 1 || s.nStale != n+1 {
		t.Fatalf("stale x %d, y %d, all %d: want 0, 1, %d", len(s.stale['x'].keys), len(s.stale['y'].keys), s.nStale, n+1)
	}
	got := scan("e050", "z")
	if len(got) != n-50+2 || got[0] != "e050" || got[len(got)-2] != "x1" || got[len(got)-1] != "y1" {
		t.Fatalf("scan [e050, z): %q", got)
	}
	if s.nStale != 50 {
		t.Fatalf("%d stale after the scan of [e050, z), want the 50 before it", s.nStale)
	}
}
