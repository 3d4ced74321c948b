package conformance

import (
	"sort"
	"strings"
	"testing"

	"github.com/foliodb/folio/core"
)

// untranscribable lists implemented commands the corpus cannot hold, each
// with the reason. A transcript is one connection replaying commands and
// comparing replies; these commands end the connection or the server,
// never reply in a reproducible way, or act outside one connection.
var untranscribable = map[string]string{
	"shutdown":       "stops the server the transcript is played on",
	"monitor":        "streams every other client's commands, never a reply to compare",
	"quit":           "closes the connection; what follows can't be played",
	"reset":          "its effects (unsubscribe, unwatch, deauth) are tested per feature in core; the reply alone proves nothing",
	"debug":          "internal to each server (DEBUG SLEEP, SEGFAULT, OBJECT...) with no common contract",
	"sync":           "replication handshake, a different protocol",
	"psync":          "replication handshake, a different protocol",
	"replconf":       "replication handshake, a different protocol",
	"replicaof":      "starts replication against another server",
	"slaveof":        "starts replication against another server",
	"failover":       "needs a replica",
	"client|kill":    "acts on other connections; tested in the hosts",
	"client|pause":   "blocks every client for a time; tested in the hosts",
	"client|unpause": "pairs with CLIENT PAUSE",
	"bgsave":         "background persistence differs by design (Folio persists every write)",
	"bgrewriteaof":   "background persistence differs by design (Folio persists every write)",
	"save":           "replies depend on the server's persistence state",
	"lastsave":       "a wall-clock timestamp",
	"time":           "a wall-clock timestamp",
	"info":           "server statistics differ by design; tested in core",
	"latency|doctor": "free text about the host",
	"memory|doctor":  "free text about the host",
	"lolwut":         "version art",
}

// TestEveryCommandHasTranscripts fails when an implemented command or
// subcommand never appears in the corpus.
func TestEveryCommandHasTranscripts(t *testing.T) {
	// A container (COMMAND, CONFIG, ...) is covered by its subcommands;
	// its bare form, when it has one, only by a bare call.
	containers := map[string]bool{}
	for _, name := range core.Commands() {
		if i := strings.IndexByte(name, '|'); i > 0 {
			containers[name[:i]] = true
		}
	}
	covered := map[string]bool{}
	for _, f := range loadCorpus(t) {
		for _, st := range f.steps {
			name := strings.ToLower(st.Cmd[0])
			if containers[name] && len(st.Cmd) > 1 {
				name += "|" + strings.ToLower(st.Cmd[1])
			}
			covered[name] = true
		}
	}
	var missing []string
	for _, name := range core.Commands() {
		if !covered[name] && untranscribable[name] == "" {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d implemented commands have no transcript in conformance/testdata (add one, or an exemption with its reason in coverage_test.go):\n%s",
			len(missing), strings.Join(missing, "\n"))
	}
}
