package core_test

import (
	"fmt"
	"testing"

	"github.com/foliodb/folio/core"
)

// deliveries returns what the engine queued for s, as one string.
func deliveries(e *core.Engine, s *core.Session) string {
	var out string
	for _, d := range e.TakeDeliveries() {
		if d.Session == s {
			out += string(d.Data)
		}
	}
	return out
}

func TestTrackingOtherSessions(t *testing.T) {
	e, writer := newEngine(t)
	r3 := e.NewSession()
	e.Do(r3, "HELLO", "3")
	redir := e.NewSession() // RESP2, subscribed to the invalidation channel
	e.Do(redir, "SUBSCRIBE", "__redis__:invalidate")
	r2 := e.NewSession()
	e.TakeDeliveries()

	mustOK := func(s *core.Session, args ...string) {
		t.Helper()
		if got := string(e.Do(s, args...)); got != "+OK\r\n" {
			t.Fatalf("%v: %q", args, got)
		}
	}
	mustOK(r3, "CLIENT", "TRACKING", "ON")
	mustOK(r2, "CLIENT", "TRACKING", "ON", "REDIRECT", fmt.Sprint(redir.ID))
	if got := string(e.Do(r2, "CLIENT", "GETREDIR")); got != fmt.Sprintf(":%d\r\n", redir.ID) {
		t.Fatalf("GETREDIR: %q", got)
	}
	e.Do(r3, "GET", "k")
	e.Do(r2, "MGET", "k", "j")
	if got := string(e.Do(writer, "SET", "k", "1")); got != "+OK\r\n" {
		t.Fatalf("SET: %q (the writer does not track)", got)
	}
	var got3, gotRedir string
	for _, d := range e.TakeDeliveries() {
		switch d.Session {
		case r3:
			got3 += string(d.Data)
		case redir:
			gotRedir += string(d.Data)
		default:
			t.Fatalf("delivery to session %d: %q", d.Session.ID, d.Data)
		}
	}
	if want := ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n"; got3 != want {
		t.Errorf("RESP3 tracker got %q, want %q", got3, want)
	}
	if want := "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n"; gotRedir != want {
		t.Errorf("redirect target got %q, want %q", gotRedir, want)
	}
	// Invalidated once: a second write says nothing.
	e.Do(writer, "SET", "k", "2")
	if d := e.TakeDeliveries(); len(d) != 0 {
		t.Errorf("second write delivered %q", d[0].Data)
	}
	// j is still tracked for r2: DEL of a missing key writes nothing, SET does.
	e.Do(writer, "SET", "j", "1")
	if got := deliveries(e, redir); got != "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nj\r\n" {
		t.Errorf("j: %q", got)
	}
	// FLUSHALL: a null for every tracking session.
	e.Do(writer, "FLUSHALL")
	got3, gotRedir = "", ""
	for _, d := range e.TakeDeliveries() {
		switch d.Session {
		case r3:
			got3 += string(d.Data)
		case redir:
			gotRedir += string(d.Data)
		}
	}
	if got3 != ">2\r\n$10\r\ninvalidate\r\n_\r\n" || gotRedir != "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n" {
		t.Errorf("FLUSHALL: %q, %q", got3, gotRedir)
	}
	if info := string(e.Do(writer, "INFO", "clients")); !contains(info, "tracking_clients:2\r\n") {
		t.Errorf("INFO clients: %q", info)
	}

	// The redirect target goes away: a RESP3 tracker is told once per message.
	mustOK(r3, "CLIENT", "TRACKING", "ON", "REDIRECT", fmt.Sprint(redir.ID))
	e.Do(r3, "GET", "x")
	e.CloseSession(redir)
	e.Do(writer, "SET", "x", "1")
	if got := deliveries(e, r3); got != fmt.Sprintf(">2\r\n$21\r\ntracking-redir-broken\r\n:%d\r\n", redir.ID) {
		t.Errorf("broken redirect: %q", got)
	}
	if got := string(e.Do(r3, "CLIENT", "TRACKINGINFO")); !contains(got, "broken_redirect") {
		t.Errorf("TRACKINGINFO: %q", got)
	}
	e.CloseSession(r2)
	if info := string(e.Do(writer, "INFO", "clients")); !contains(info, "tracking_clients:1\r\n") {
		t.Errorf("INFO clients after close: %q", info)
	}
}

func TestTrackingBcastOthers(t *testing.T) {
	e, writer := newEngine(t)
	b := e.NewSession()
	e.Do(b, "HELLO", "3")
	e.Do(b, "CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "user:")
	e.TakeDeliveries()
	e.Do(writer, "MSET", "user:1", "a", "other", "b", "user:2", "c")
	want := ">2\r\n$10\r\ninvalidate\r\n*2\r\n$6\r\nuser:1\r\n$6\r\nuser:2\r\n"
	if got := deliveries(e, b); got != want {
		t.Errorf("BCAST: %q, want %q", got, want)
	}
	e.Do(writer, "SET", "other", "x")
	if d := e.TakeDeliveries(); len(d) != 0 {
		t.Errorf("write outside the prefix delivered %q", d[0].Data)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestTrackingClientList(t *testing.T) {
	e, s := newEngine(t)
	other := e.NewSession()
	e.Do(s, "CLIENT", "TRACKING", "ON", "BCAST", "REDIRECT", fmt.Sprint(other.ID))
	got := string(e.Do(s, "CLIENT", "INFO"))
	if !contains(got, " flags=tB ") || !contains(got, fmt.Sprintf(" redir=%d ", other.ID)) {
		t.Errorf("CLIENT INFO: %q", got)
	}
	e.Do(s, "CLIENT", "TRACKING", "OFF")
	got = string(e.Do(s, "CLIENT", "INFO"))
	if !contains(got, " flags=N ") || !contains(got, " redir=-1 ") {
		t.Errorf("CLIENT INFO after OFF: %q", got)
	}
}
