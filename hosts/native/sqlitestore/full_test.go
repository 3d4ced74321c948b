package sqlitestore_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/hosts/native/sqlitestore"
	"github.com/ncruces/go-sqlite3"
)

// TestDatabaseFull: a real SQLITE_FULL (the file capped with
// max_page_count), not an injected one. The failing command gets an error
// reply and leaves nothing behind, reads go on, and once space is freed
// writes work again.
func TestDatabaseFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "full.db")
	s := open(t, path, sqlitestore.Options{})
	defer s.Close()
	e, err := core.New(s, core.Options{Now: func() int64 { return time.Now().UnixMilli() }})
	if err != nil {
		t.Fatal(err)
	}
	sess := e.NewSession()
	do := func(args ...string) string { return string(e.Do(sess, args...)) }
	var pages int64
	err = s.Conn(func(c *sqlite3.Conn) error {
		st, _, err := c.Prepare("PRAGMA page_count")
		if err != nil {
			return err
		}
		defer st.Close()
		st.Step()
		pages = st.ColumnInt64(0)
		return c.Exec(fmt.Sprintf("PRAGMA max_page_count=%d", pages+40))
	})
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 20000)
	var stored []string
	var full string
	for i := range 100 {
		k := fmt.Sprint("big", i)
		if r := do("SET", k, big); r != "+OK\r\n" {
			full = r
			break
		}
		stored = append(stored, k)
	}
	if full == "" {
		t.Fatal("the capped file never filled up")
	}
	if !strings.HasPrefix(full, "-ERR store failure") || !strings.Contains(full, "full") {
		t.Fatalf("SET on a full file = %q, want a store failure saying it is full", full)
	}
	if len(stored) == 0 {
		t.Fatal("nothing fit before the file was full")
	}
	failed := fmt.Sprint("big", len(stored))
	if r := do("GET", failed); r != "$-1\r\n" {
		t.Fatalf("the failed SET left %q behind", r[:min(len(r), 20)])
	}
	for _, k := range stored {
		if r := do("STRLEN", k); r != ":20000\r\n" {
			t.Fatalf("STRLEN %s = %q after the file filled up", k, r)
		}
	}
	// Free space and write again.
	if r := do("DEL", stored[0], stored[1]); r != ":2\r\n" {
		t.Fatalf("DEL = %q", r)
	}
	if r := do("SET", failed, big); r != "+OK\r\n" {
		t.Fatalf("SET after freeing space = %q", r)
	}
	integrityCheck(t, s)
	t.Logf("%d values of 20 kB fit in %d extra pages; then: %s", len(stored), 40, strings.TrimSpace(full))
}
