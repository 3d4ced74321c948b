package wasm

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/foliodb/folio/core/store/memstore"
)

// The plugin runs the engine's housekeeping at 10 Hz, as native does: a
// key with a TTL disappears from the store without being touched again,
// and a deleted list's pages are reclaimed after DEL returned.
func TestHousekeeping(t *testing.T) {
	db, err := Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	pages := func() int {
		db.mu.Lock()
		defer db.mu.Unlock()
		return db.h.st.(*memstore.Store).Len()
	}
	// The first collection also writes the store's id counter: make it
	// before counting.
	if _, err := db.Do(ctx, "RPUSH", "first", "x"); err != nil {
		t.Fatal(err)
	}
	before := pages()
	if _, err := db.Do(ctx, "SET", "k", "v", "PX", "50"); err != nil {
		t.Fatal(err)
	}
	args := []any{"RPUSH", "l"}
	for i := range 300 {
		args = append(args, fmt.Sprint("element ", i))
	}
	if _, err := db.Do(ctx, args...); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Do(ctx, "DEL", "l"); err != nil {
		t.Fatal(err)
	}
	if n := pages(); n <= before+100 {
		t.Fatalf("%d pages after the writes, %d before: the test shows nothing", n, before)
	}
	deadline := time.Now().Add(5 * time.Second)
	for pages() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d pages 5 s later, %d before the writes: the expired key or the deleted list was not reclaimed", pages(), before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
