package conformance

import (
	"testing"

	"github.com/foliodb/folio/conformance/transcript"
)

// TestBlockingTimeouts checks, on every target and on Redis, that a
// connection whose blocking commands time out over and over keeps serving:
// each timeout answers a null, and the next command its own reply.
func TestBlockingTimeouts(t *testing.T) {
	script := [][]string{
		{"ZADD", "z1", "1", "a"},
		{"BZMPOP", "0.01", "2", "z1", "z2", "MIN", "COUNT", "3"}, // served at once
		{"BZMPOP", "0.01", "2", "z1", "z2", "MIN", "COUNT", "3"}, // times out
		{"BZPOPMIN", "z1", "0.01"},
		{"SELECT", "x"},
	}
	const rounds = 40
	check := func(t *testing.T, name string, c conn, rounds int) {
		var want []string
		for r := 0; r < rounds; r++ {
			for i, cmd := range script {
				got, err := c.Do(argsOf(cmd...))
				if err != nil {
					t.Fatalf("%s: round %d: %q: %v", name, r, cmd, err)
				}
				if r == 0 {
					want = append(want, transcript.Text(got))
				} else if transcript.Text(got) != want[i] {
					t.Fatalf("%s: round %d: %q = %q, round 0 gave %q", name, r, cmd, transcript.Text(got), want[i])
				}
			}
		}
	}
	t.Run("redis", func(t *testing.T) {
		c := dialRedis(t)
		defer c.Close()
		check(t, "redis", c, 2) // Redis checks timeouts every 100 ms or so: slow
	})
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			c, skip := tg.open(t)
			if skip != "" {
				t.Skip(skip)
			}
			defer c.Close()
			check(t, tg.name, c, rounds)
		})
	}
}
