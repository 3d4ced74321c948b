package wasm

import (
	"strings"
	"testing"
	"time"
)

// TestHostClock checks the control block's clock (ABI version 2): the
// first command of an exec takes the host's reading, so a lone command
// makes no clock_now_ms call; the next commands of a pipelined request
// ask the import. Both readings come from the same clock (WithClock).
func TestHostClock(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_000)
	db, err := Open(":memory:", WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := db.h
	before := h.clockCalls
	if _, err := db.Exec([][]byte{[]byte("SET"), []byte("k"), []byte("v"), []byte("PX"), []byte("5000")}); err != nil {
		t.Fatal(err)
	}
	if n := h.clockCalls - before; n != 0 {
		t.Fatalf("one command: %d clock_now_ms calls, want 0 (the host clock in the control block)", n)
	}
	if v, _ := h.mem.ReadUint64Le(h.ctl + ctlNow); v != 0 {
		t.Fatalf("the guest left the host clock in the control block: %d", v)
	}
	// Three pipelined commands: the first takes the block's clock, the
	// other two the import.
	db.mu.Lock()
	h.req = appendCommand(h.req[:0], [][]byte{[]byte("PTTL"), []byte("k")})
	h.req = appendCommand(h.req, [][]byte{[]byte("PTTL"), []byte("k")})
	h.req = appendCommand(h.req, [][]byte{[]byte("PTTL"), []byte("k")})
	before = h.clockCalls
	out, _, _, err := h.run(nil, db.def.id)
	db.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if n := h.clockCalls - before; n != 2 {
		t.Fatalf("three commands: %d clock_now_ms calls, want 2", n)
	}
	if got := string(out); got != strings.Repeat(":5000\r\n", 3) {
		t.Fatalf("PTTL replies %q: the two clocks disagree", got)
	}
	at = at.Add(1500 * time.Millisecond)
	if out, _ := db.Exec([][]byte{[]byte("PTTL"), []byte("k")}); string(out) != ":3500\r\n" {
		t.Fatalf("PTTL after 1.5 s: %q", out)
	}
}
