package conformance

import (
	"testing"
)

// TestWatchAcrossClients plays scripted two-connection scenarios of WATCH
// on Redis and every target: a write by another client aborts EXEC, even
// one that leaves the key as it was (SET then DEL of an absent key); a read
// does not, nor a write in another database.
func TestWatchAcrossClients(t *testing.T) {
	a := func(args ...string) gcmd { return gcmd{args: args} }
	b := func(args ...string) gcmd { return gcmd{args: args, client: 1} }
	scripts := map[string][]gcmd{
		"write aborts": {
			a("SET", "k", "0"), a("WATCH", "k"), b("SET", "k", "1"),
			a("MULTI"), a("GET", "k"), a("EXEC"),
		},
		"write then delete of an absent key aborts": {
			a("WATCH", "n"), b("SET", "n", "1"), b("DEL", "n"),
			a("MULTI"), a("PING"), a("EXEC"),
		},
		"expire aborts": {
			a("SET", "e", "v"), a("WATCH", "e"), b("EXPIRE", "e", "100"),
			a("MULTI"), a("PING"), a("EXEC"),
		},
		"read does not abort": {
			a("SET", "k", "0"), a("WATCH", "k"), b("GET", "k"), b("EXISTS", "k"),
			a("MULTI"), a("INCR", "k"), a("EXEC"),
		},
		"write in another database does not abort": {
			a("SELECT", "1"), a("WATCH", "k"), b("SET", "k", "db0"),
			a("MULTI"), a("SET", "k", "db1"), a("EXEC"), a("GET", "k"), b("GET", "k"),
		},
		"FLUSHALL aborts a watch on an existing key": {
			a("SET", "k", "0"), a("WATCH", "k"), b("FLUSHALL"),
			a("MULTI"), a("PING"), a("EXEC"),
		},
		"UNWATCH forgets": {
			a("WATCH", "k"), b("SET", "k", "1"), a("UNWATCH"),
			a("MULTI"), a("GET", "k"), a("EXEC"),
		},
	}
	redisAddr(t)
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			want := redisReplies(t, script)
			for _, tg := range targets {
				c, skip := tg.open(t)
				if skip != "" {
					continue
				}
				c.Close()
				if at, diff := compareTarget(t, tg, script, want); diff != "" {
					t.Errorf("%s: difference at command %d:\n%s\nscript:\n%s", tg.name, at, diff, renderSeq(script))
				}
			}
		})
	}
}
