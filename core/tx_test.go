package core_test

import (
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/store/memstore"
)

// TestExpiredEvents: an expired key fires "expired" when a read finds it
// (lazy expiry, as Redis does on access) and when active expiry finds it.
func TestExpiredEvents(t *testing.T) {
	now := time.Unix(1700000000, 0)
	e, err := core.New(memstore.New(), core.Options{Now: func() int64 { return (now).UnixMilli() }, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s, sub := e.NewSession(), e.NewSession()
	e.Do(s, "CONFIG", "SET", "notify-keyspace-events", "Ex")
	e.Do(sub, "SUBSCRIBE", "__keyevent@0__:expired")
	e.Do(s, "SET", "lazy", "v", "PX", "100")
	e.Do(s, "SET", "active", "v", "PX", "100")
	now = now.Add(time.Second)
	events := func() string {
		var b strings.Builder
		for _, d := range e.TakeDeliveries() {
			if d.Session == sub {
				b.Write(d.Data)
			}
		}
		return b.String()
	}
	if got := string(e.Do(s, "GET", "lazy")); got != "$-1\r\n" {
		t.Fatalf("GET of an expired key: %q", got)
	}
	if got := events(); !strings.Contains(got, "lazy") {
		t.Fatalf("no expired event when GET met the expired key: %q", got)
	}
	if n, err := e.ActiveExpire(20); err != nil || n != 1 {
		t.Fatalf("ActiveExpire: %d %v", n, err)
	}
	if got := events(); !strings.Contains(got, "active") {
		t.Fatalf("no expired event from active expiry: %q", got)
	}
	if got := string(e.Do(s, "DBSIZE")); got != ":0\r\n" {
		t.Fatalf("DBSIZE after expiry: %q", got)
	}
}
