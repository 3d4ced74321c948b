package core

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/core/store/memstore"
)

func TestKeysAgainstRedis(t *testing.T) { diffTranscript(t, "keys.txt") }

// TestGlobAgainstRedis compares KEYS with random patterns over random keys
// drawn from glob's special characters against redis-server, so globMatch
// is Redis's stringmatchlen, corner cases included.
func TestGlobAgainstRedis(t *testing.T) {
	rc := startRedis(t)
	e, s := testEngine(t)
	rng := rand.New(rand.NewPCG(7, 7))
	const alphabet = `ab*?[]^-\!`
	word := func(n int) string {
		b := make([]byte, rng.IntN(n+1))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	rc.do(t, []string{"FLUSHALL"})
	args := []string{"MSET"}
	for i := 0; i < 200; i++ {
		k := word(5)
		args = append(args, k, "v")
	}
	rc.do(t, args)
	e.Do(s, args...)
	for i := 0; i < 1500; i++ {
		pat := word(6)
		want := rc.do(t, []string{"KEYS", pat})
		got := e.Do(s, "KEYS", pat)
		hw, ew := topElements(want)
		hg, eg := topElements(got)
		if hw != hg || strings.Join(ew, "\x00") != strings.Join(eg, "\x00") {
			t.Fatalf("KEYS %q:\nredis: %q\nfolio: %q", pat, want, got)
		}
	}
}

func testEngine(t testing.TB) (*Engine, *Session) {
	t.Helper()
	e, err := New(memstore.New(), Options{Now: func() time.Time { return time.Unix(1700000000, 0) }, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return e, e.NewSession()
}
