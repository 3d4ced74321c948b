package core_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/foliodb/folio/conformance/transcript"
)

// scaleRedis prints TestScaleRatios's table for redis-server: the same
// fills and operations, one redis-server per size, and per operation the
// time redis-server itself spent in the commands (INFO commandstats: the
// usec of every command after CONFIG RESETSTAT, so neither the network
// nor this client counts), median over the rounds. It is the yardstick for
// the ratios of Folio's stores: what a 1,000,000-element collection costs
// Redis against a 10-element one, on this machine. (Redis keeps small
// collections in a listpack, large ones in a hash table or skiplist. It
// times each call in whole microseconds, so a call shorter than one counts
// 0 or 1: unbiased over the thousands of calls a figure sums.)
func scaleRedis(t *testing.T, sizes []int, rounds, ops int) {
	t.Logf("redis-server; ns per op: median over %d rounds of %d ops of redis-server's own time in the commands (INFO commandstats)", rounds, ops)
	t.Logf("%-28s %16s %16s %8s", "operation", "10", "1,000,000", "ratio")
	for _, g := range scaleGroups() {
		conns := make([]*transcript.Conn, len(sizes))
		for z, n := range sizes {
			r, err := transcript.StartRedis()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			c, err := transcript.Dial(r.Addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			conns[z] = c
			g.fill(n, func(args [][]byte) {
				if out, err := c.Do(args); err != nil || out[0] == '-' {
					t.Fatalf("%s: %q %v", args[0], out, err)
				}
			})
		}
		ns := make([][][]float64, len(g.cases)) // case, size, rounds
		for c := range ns {
			ns[c] = make([][]float64, len(sizes))
		}
		for r := 0; r < rounds; r++ {
			for c, cs := range g.cases {
				for z, n := range sizes {
					conn := conns[z]
					if _, err := conn.Do(bs("CONFIG", "RESETSTAT")); err != nil {
						t.Fatal(err)
					}
					for i := 0; i < ops; i++ {
						for _, args := range cs.args(r*ops+i, n) {
							if out, err := conn.Do(args); err != nil || len(out) == 0 || out[0] == '-' {
								t.Fatalf("%s %q: %q %v", cs.name, args, out, err)
							}
						}
					}
					out, err := conn.Do(bs("INFO", "commandstats"))
					if err != nil {
						t.Fatal(err)
					}
					ns[c][z] = append(ns[c][z], 1000*float64(commandUsec(string(out), "config"))/float64(ops))
				}
			}
		}
		for c, cs := range g.cases {
			m10, m1m := median(ns[c][0]), median(ns[c][1])
			t.Logf("%-28s %16.0f %16.0f %7.2fx", cs.name, m10, m1m, m1m/m10)
		}
	}
}

// commandUsec sums the usec fields of INFO commandstats, but skip's.
func commandUsec(info, skip string) int64 {
	var total int64
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") || name == "cmdstat_"+skip {
			continue
		}
		for _, f := range strings.Split(rest, ",") {
			if v, ok := strings.CutPrefix(f, "usec="); ok {
				u, _ := strconv.ParseInt(v, 10, 64)
				total += u
			}
		}
	}
	return total
}
