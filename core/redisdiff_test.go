package core

// Helpers shared by the strings, keys and expiry tests: a live redis-server
// for differential tests, and playing the pending conformance transcripts
// (recorded from Redis, including their collection cases) on the engine.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/conformance/transcript"
	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store/memstore"
)

// liveRedis is a connection to a redis-server started for the test. It
// skips the test when redis-server is not installed, unless
// FOLIO_REQUIRE_REDIS=1.
type liveRedis struct{ c *transcript.Conn }

func startLiveRedis(t *testing.T) *liveRedis {
	t.Helper()
	r, err := transcript.StartRedis()
	if errors.Is(err, transcript.ErrNoRedis) && os.Getenv("FOLIO_REQUIRE_REDIS") != "1" {
		t.Skip("redis-server not installed: skipping the differential test")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	c, err := transcript.Dial(r.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &liveRedis{c}
}

func (lr *liveRedis) do(t *testing.T, args []string) []byte {
	t.Helper()
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = []byte(a)
	}
	raw, err := lr.c.Do(bs)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return raw
}

// sameUnordered reports whether two raw replies hold the same top-level
// elements in any order.
func sameUnordered(want, got []byte) bool {
	return transcript.Compare(transcript.Unordered, transcript.Text(want), transcript.Text(got)) == nil
}

// playPending plays conformance/testdata/name on a fresh engine and checks
// every reply against the recorded one.
func playPending(t *testing.T, name string) {
	playTranscript(t, name, func(_ *Engine, st transcript.Step, got []byte) {
		if err := st.Check(got); err != nil {
			t.Errorf("%s:%d %s: %v\nredis: %q\nfolio: %q", name, st.Line, st.Text, err, st.Want, transcript.Text(got))
		}
	})
}

// playTranscript plays conformance/testdata/name on a fresh engine over
// the memory store, calling after with each step and its reply.
func playTranscript(t *testing.T, name string, after func(e *Engine, st transcript.Step, got []byte)) {
	t.Helper()
	steps, err := transcript.ParseFile(filepath.Join("..", "conformance", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(memstore.New(), Options{Now: func() int64 { return time.Now().UnixMilli() }, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession()
	for _, st := range steps {
		after(e, st, e.Do(s, st.Cmd...))
	}
}

// standInCollection stands in for the collection commands other files
// implement (RPUSH, SADD, HSET, ZADD), creating a new key only, so the
// transcripts' WRONGTYPE, COPY and OBJECT lines have a collection to work
// on. It writes the natural layout: list elements by sequence number, set
// members, hash fields and zset members as sub keys.
func standInCollection(t *testing.T, e *Engine, s *Session, args []string) []byte {
	t.Helper()
	var typ byte
	var elems [][2]string
	switch strings.ToLower(args[0]) {
	case "rpush":
		typ = TypeList
		for i, a := range args[2:] {
			elems = append(elems, [2]string{fmt.Sprintf("%020d", i), a})
		}
	case "sadd":
		typ = TypeSet
		for _, a := range args[2:] {
			elems = append(elems, [2]string{a, ""})
		}
	case "hset":
		typ = TypeHash
		for i := 2; i+1 < len(args); i += 2 {
			elems = append(elems, [2]string{args[i], args[i+1]})
		}
	case "zadd":
		typ = TypeZSet
		for i := 2; i+1 < len(args); i += 2 {
			elems = append(elems, [2]string{args[i+1], args[i]})
		}
	default:
		t.Fatalf("no stand-in for %q", args)
	}
	c := &Ctx{E: e, S: s, writable: true, Now: e.now(), W: &resp.Writer{}}
	key := []byte(args[1])
	if _, ok, err := c.lookup(key); err != nil || ok {
		t.Fatalf("stand-in %q: key exists or %v", args, err)
	}
	id, err := c.newID()
	if err != nil {
		t.Fatal(err)
	}
	r := Record{Type: typ, ID: id, Count: int64(len(elems)), Tail: int64(len(elems))}
	tx, _ := c.Tx()
	for _, el := range elems {
		tx.Put(elemKey(nil, id, []byte(el[0])), []byte(el[1]))
	}
	if err := c.put(key, &r, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return fmt.Appendf(nil, ":%d\r\n", len(elems))
}
