package core_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/foliodb/folio/conformance/transcript"
	"github.com/foliodb/folio/core/resp"
)

// diffAgainstRedis plays script, written in the transcript format without
// replies ("> cmd" exact, ">~ cmd" unordered, ">? cmd" type only), against
// Folio and a real redis-server started for the test, and fails on every
// reply that differs. It skips when redis-server is not installed, unless
// FOLIO_REQUIRE_REDIS=1.
func diffAgainstRedis(t *testing.T, script string) {
	t.Helper()
	steps, err := transcript.Parse([]byte(script))
	if err != nil {
		t.Fatal(err)
	}
	r, err := transcript.StartRedis()
	if errors.Is(err, transcript.ErrNoRedis) && os.Getenv("FOLIO_REQUIRE_REDIS") != "1" {
		t.Skip("differential test skipped:", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	conn, err := transcript.Dial(r.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	e, s := newEngine(t)
	for _, st := range steps {
		want, err := conn.Do(st.Args())
		if err != nil {
			t.Fatalf("line %d %s: redis: %v", st.Line, st.Text, err)
		}
		var w resp.Writer
		e.Exec(s, st.Args(), &w)
		st.Want = transcript.Text(want)
		if err := st.Check(w.B); err != nil {
			t.Errorf("line %d %s: %v\nreal:  %q\nfolio: %q", st.Line, st.Text, err, st.Want, transcript.Text(w.B))
		}
	}
}

func parseReply(t *testing.T, raw []byte) resp.Value {
	t.Helper()
	v, err := resp.NewReader(bytes.NewReader(raw)).Read()
	if err != nil {
		t.Fatalf("reply %q: %v", raw, err)
	}
	return v
}
