package conformance

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/conformance/transcript"
	"github.com/foliodb/folio/core"
)

// TestRandomAgainstRedis plays seeded random command sequences over a small
// keyspace against a real redis-server and every Folio target, comparing
// every reply. FOLIO_SEQS=N sets the number of sequences, FOLIO_SEED the
// first seed. Only commands Folio implements (core.Commands) are generated.
func TestRandomAgainstRedis(t *testing.T) { runRandom(t, 1, 40) }

// TestRandomTwoClients does the same with two connections to one database,
// the commands of a sequence spread over both: one client's writes abort
// the other's WATCHed transactions, each has its own selected database.
func TestRandomTwoClients(t *testing.T) { runRandom(t, 2, 15) }

func runRandom(t *testing.T, clients, nseq int) {
	if s := os.Getenv("FOLIO_SEQS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			t.Fatalf("FOLIO_SEQS=%q: want a count", s)
		}
		nseq = n
	}
	seed0 := uint64(time.Now().UnixNano() % 1e6)
	if s := os.Getenv("FOLIO_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("FOLIO_SEED=%q: want a number", s)
		}
		seed0 = n
	}
	const seqLen = 250
	redisAddr(t)
	gens := availableGens()
	if len(gens) == 0 {
		t.Fatal("no generator matches an implemented command")
	}
	var names []string
	for _, g := range gens {
		names = append(names, g.cmd)
	}
	t.Logf("generating %d commands: %s", len(gens), strings.Join(names, " "))
	t.Logf("first seed %d (rerun with FOLIO_SEED=%d)", seed0, seed0)

	var ran []string
	compared := 0
	for _, tg := range targets {
		c, skip := tg.open(t)
		if skip != "" {
			t.Logf("target %s skipped: %s", tg.name, skip)
			continue
		}
		c.Close()
		ran = append(ran, tg.name)
	}
	spent := map[string]time.Duration{}
	start := time.Now()
	for i := 0; i < nseq; i++ {
		seed := seed0 + uint64(i)
		seq := generate(gens, seed, seqLen, clients)
		want := redisReplies(t, seq)
		for _, tg := range targets {
			if !contains(ran, tg.name) {
				continue
			}
			start := time.Now()
			at, diff := compareTarget(t, tg, seq, want)
			spent[tg.name] += time.Since(start)
			compared += at
			if diff != "" {
				t.Errorf("seed %d, target %s: difference at command %d of %d\n%s", seed, tg.name, at, len(seq), diff)
				min := minimize(t, tg, seq[:at])
				t.Errorf("minimal reproduction (%d commands; paste into a testdata file and record it):\n%s", len(min), renderSeq(min))
				return
			}
		}
	}
	var times []string
	for _, name := range ran {
		times = append(times, fmt.Sprintf("%s %v", name, spent[name].Round(time.Millisecond)))
	}
	t.Logf("%d sequences of %d commands on %d connection(s), %d replies compared with redis-server on %s: no difference (%v; %s)",
		nseq, seqLen, clients, compared, strings.Join(ran, ", "), time.Since(start).Round(time.Millisecond), strings.Join(times, ", "))
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// runSequence plays seq on fresh connections to redis and tg. It returns
// how many commands matched and, at the first difference, its report.
func runSequence(t *testing.T, tg target, seq []gcmd) (int, string) {
	t.Helper()
	return compareTarget(t, tg, seq, redisReplies(t, seq))
}

// redisReplies plays seq on fresh connections to redis-server.
func redisReplies(t *testing.T, seq []gcmd) []string {
	t.Helper()
	rc := dialRedis(t)
	conns := []conn{rc}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	out := make([]string, len(seq))
	for i, c := range seq {
		for len(conns) <= c.client {
			more, err := transcript.Dial(redisAddr(t))
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, more)
		}
		args := argsOf(c.args...)
		want, err := conns[c.client].Do(args)
		if err != nil {
			t.Fatalf("redis: %s: %v", quoteCmd(args), err)
		}
		out[i] = transcript.Text(want)
	}
	return out
}

// compareTarget plays seq on fresh connections to tg and compares each
// reply with Redis's.
func compareTarget(t *testing.T, tg target, seq []gcmd, want []string) (int, string) {
	t.Helper()
	fc, _ := tg.open(t)
	conns := []conn{fc}
	defer func() {
		for i := len(conns) - 1; i >= 0; i-- { // the first owns the database
			conns[i].Close()
		}
	}()
	for i, c := range seq {
		for len(conns) <= c.client {
			m, ok := fc.(multiConn)
			if !ok {
				t.Fatalf("target %s cannot open a second connection", tg.name)
			}
			more, err := m.Another()
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, more)
		}
		args := argsOf(c.args...)
		raw, err := conns[c.client].Do(args)
		if err != nil {
			return i + 1, fmt.Sprintf("%s\n%s: %v", c.render(), tg.name, err)
		}
		got := transcript.Text(raw)
		if err := c.mode.compare(want[i], got); err != nil {
			return i + 1, fmt.Sprintf("%s\n%v\nreal: %q\n%s: %q", c.render(), err, want[i], tg.name, got)
		}
	}
	return len(seq), ""
}

// minimize drops commands from a failing prefix, one at a time, while the
// last command still differs.
func minimize(t *testing.T, tg target, seq []gcmd) []gcmd {
	seq = append([]gcmd(nil), seq...)
	for i := len(seq) - 2; i >= 0; i-- {
		try := append(append([]gcmd(nil), seq[:i]...), seq[i+1:]...)
		if at, diff := runSequence(t, tg, try); diff != "" && at == len(try) {
			seq = try
		}
	}
	return seq
}

func renderSeq(seq []gcmd) string {
	var b strings.Builder
	for _, c := range seq {
		b.WriteString(c.render())
		b.WriteByte('\n')
	}
	return b.String()
}

// render writes the command as a transcript line, prefixed with its
// connection when it is not the first.
func (c gcmd) render() string {
	line := c.mode.marker() + quoteCmd(argsOf(c.args...))
	if c.client > 0 {
		line = fmt.Sprintf("[client %d] %s", c.client+1, line)
	}
	return line
}

// cmpMode says how a generated command's replies are compared.
type cmpMode int

const (
	cmpExact     cmpMode = iota
	cmpUnordered         // top-level multiset
	cmpPairs             // top-level multiset of pairs (RESP2 HGETALL)
	cmpShape             // same type and length (random replies)
	cmpTTL               // integers within a tolerance (seconds)
	cmpPTTL              // integers within a tolerance (milliseconds)
	cmpScan              // SCAN-style [cursor, elements]: elements as a multiset
	cmpScanPairs         // the same, elements as field/value pairs
	cmpAt                // absolute Unix times within a tolerance (seconds)
	cmpPAt               // absolute Unix times within a tolerance (milliseconds)
)

// The tolerances: TTLs are relative, so they differ by how much slower one
// target ran between EXPIRE and TTL; absolute expiry times also differ by
// how much later the target played the sequence than Redis did. The wasm
// targets on a loaded 2-core machine have taken over a second between an
// EXPIRE and its TTL, hence 3 s.
var tolerance = map[cmpMode]int64{cmpTTL: 3, cmpPTTL: 3000, cmpAt: 5, cmpPAt: 5000}

func (m cmpMode) marker() string {
	switch m {
	case cmpUnordered, cmpPairs:
		return ">~ "
	case cmpShape:
		return ">? "
	}
	return "> "
}

func (m cmpMode) compare(want, got string) error {
	switch m {
	case cmpUnordered:
		return transcript.Compare(transcript.Unordered, want, got)
	case cmpPairs:
		return transcript.Step{Cmd: []string{"HGETALL"}, Mode: transcript.Unordered, Want: want}.Check([]byte(got))
	case cmpShape:
		if want == got {
			return nil
		}
		if len(want) == 0 || len(got) == 0 || want[0] != got[0] {
			return fmt.Errorf("reply types differ")
		}
		if want[0] == '*' || want[0] == '~' || want[0] == '%' || want[0] == '-' {
			// aggregates: same length; errors: same text
			if strings.SplitN(want, "\n", 2)[0] != strings.SplitN(got, "\n", 2)[0] {
				return fmt.Errorf("reply shapes differ")
			}
		}
		if (want == "$-1\n") != (got == "$-1\n") {
			return fmt.Errorf("one reply is null")
		}
		return nil
	case cmpScan, cmpScanPairs:
		if want == got {
			return nil
		}
		wh, we, err1 := transcript.Elements(want)
		gh, ge, err2 := transcript.Elements(got)
		if err1 != nil || err2 != nil || wh != gh || len(we) != 2 || len(ge) != 2 || we[0] != ge[0] {
			return fmt.Errorf("replies differ")
		}
		if !transcript.SameMultiset(we[1], ge[1], m == cmpScanPairs) {
			return fmt.Errorf("scanned elements differ (as multisets)")
		}
		return nil
	case cmpTTL, cmpPTTL, cmpAt, cmpPAt:
		if want == got {
			return nil
		}
		tol := tolerance[m]
		w, err1 := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(want, ":"), "\n"), 10, 64)
		g, err2 := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(got, ":"), "\n"), 10, 64)
		if err1 != nil || err2 != nil || w < 0 || g < 0 || w-g > tol || g-w > tol {
			return fmt.Errorf("replies differ beyond the TTL tolerance (%d)", tol)
		}
		return nil
	}
	if want != got {
		return fmt.Errorf("replies differ")
	}
	return nil
}

// gcmd is one generated command.
type gcmd struct {
	args   []string
	mode   cmpMode
	client int // which connection sends it
}

// A generator makes random calls of one command.
type generator struct {
	cmd    string // as core.Commands names it
	weight int
	f      func(g *genCtx) gcmd
}

// implemented returns the set of core.Commands names.
func implemented() map[string]bool {
	have := map[string]bool{}
	for _, c := range core.Commands() {
		have[c] = true
	}
	return have
}

func availableGens() []generator {
	have := implemented()
	var out []generator
	for _, g := range allGens {
		if have[g.cmd] {
			out = append(out, g)
		}
	}
	return out
}

// generate makes a sequence of n commands from seed. A quarter of the
// sequences switch to RESP3 first; when MULTI/EXEC are implemented, some
// commands are grouped into transactions (and WATCH/UNWATCH mixed in).
func generate(gens []generator, seed uint64, n, clients int) []gcmd {
	have := implemented()
	g := &genCtx{r: rand.New(rand.NewPCG(seed, 0x5eed)), now: time.Now(), have: have}
	total := 0
	for _, gn := range gens {
		total += gn.weight
	}
	pick := func() gcmd {
		x := g.r.IntN(total)
		for _, gn := range gens {
			if x < gn.weight {
				return gn.f(g)
			}
			x -= gn.weight
		}
		panic("unreachable")
	}
	on := func(client int, c gcmd) gcmd { c.client = client; return c }
	one := func() gcmd { return on(g.r.IntN(clients), pick()) }
	seq := make([]gcmd, 0, n+8)
	if have["hello"] && g.maybe(0.25) {
		// HELLO's reply holds the connection id: compare its shape.
		for c := 0; c < clients; c++ {
			seq = append(seq, gcmd{args: []string{"HELLO", "3"}, mode: cmpShape, client: c})
		}
	}
	tx := have["multi"] && have["exec"] && have["discard"]
	for len(seq) < n {
		switch {
		case tx && g.maybe(0.03):
			a := g.r.IntN(clients)
			if have["watch"] && g.maybe(0.6) {
				watched := g.keys("", 1+g.r.IntN(2))
				seq = append(seq, on(a, ex("WATCH", watched)))
				// Another client's commands between WATCH and EXEC, now
				// and then a write to a watched key.
				for k := g.r.IntN(3); clients > 1 && k > 0; k-- {
					c := pick()
					if g.maybe(0.6) {
						c = ex(g.pick("SET", "DEL", "INCR", "GET"), watched[0])
						if c.args[0] == "SET" {
							c.args = append(c.args, "1")
						}
					}
					seq = append(seq, on((a+1)%clients, c))
				}
			}
			seq = append(seq, on(a, ex("MULTI")))
			for k := g.r.IntN(5); k > 0; k-- {
				c := pick()
				if c.mode != cmpExact { // EXEC's reply is compared whole
					continue
				}
				seq = append(seq, on(a, c))
			}
			seq = append(seq, on(a, ex(g.pick("EXEC", "EXEC", "EXEC", "DISCARD"))))
		case have["unwatch"] && g.maybe(0.005):
			seq = append(seq, on(g.r.IntN(clients), ex("UNWATCH")))
		default:
			seq = append(seq, one())
		}
	}
	return seq
}

// genCtx holds a sequence's randomness and its helpers.
type genCtx struct {
	r    *rand.Rand
	now  time.Time
	have map[string]bool // implemented commands
}

// The keyspace: a dozen keys, each with a home type, so that most calls
// hit a key of the right type and some hit the wrong one. zl, the sorted
// set of the BYLEX commands, only ever holds score 0 (see lexKey).
var homeKeys = map[string][]string{
	"string": {"a", "b", "c"},
	"hash":   {"h1", "h2"},
	"list":   {"l1", "l2"},
	"set":    {"s1", "s2"},
	"zset":   {"z1", "z2"},
	"any":    {"k y"},
}

var allKeys = []string{"a", "b", "c", "h1", "h2", "l1", "l2", "s1", "s2", "z1", "z2", "k y"}

func (g *genCtx) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }
func (g *genCtx) maybe(p float64) bool     { return g.r.Float64() < p }
func (g *genCtx) intn(lo, hi int) string   { return strconv.Itoa(lo + g.r.IntN(hi-lo+1)) }

// key returns a key, of the given home type 85% of the time.
func (g *genCtx) key(typ string) string {
	if typ != "" && g.maybe(0.85) {
		return g.pick(homeKeys[typ]...)
	}
	return g.pick(allKeys...)
}

func (g *genCtx) keys(typ string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = g.key(typ)
	}
	return out
}

func (g *genCtx) value() string {
	return g.pick("1", "2", "10", "-3", "0", "3.5", "abc", "", "x y", "1e3", "9223372036854775807", "-9223372036854775808", "hello world", "007", " 1")
}

func (g *genCtx) elem() string {
	return g.pick("a", "b", "c", "d", "e", "1", "2", "10", "-1", "3.5", "")
}

func (g *genCtx) field() string { return g.pick("f1", "f2", "f3", "f4", "n", "x") }

func (g *genCtx) score() string {
	return g.pick("0", "1", "2", "-1", "1.5", "10", "+inf", "-inf", "3e2", "-0.25", "1", "2")
}

func (g *genCtx) badScore() string { return g.pick("nan", "abc", "", "1x") }

func (g *genCtx) rangeScore() string {
	if g.maybe(0.03) {
		return "abc" // not a float: an error
	}
	return g.pick("-inf", "+inf", "0", "1", "(1", "2", "(2", "-1", "1.5", "10", "(10", "(-inf", "-inf", "+inf")
}

// lexKey returns the key of the lexicographic commands: zl, whose members
// all have score 0 (Redis leaves BYLEX over mixed scores unspecified), or
// now and then a key of another type.
func (g *genCtx) lexKey() string {
	if g.maybe(0.9) {
		return "zl"
	}
	return g.pick("a", "h1", "l1", "s1")
}

func (g *genCtx) lex() string {
	if g.maybe(0.05) {
		return "x" // not a range item: an error
	}
	return g.pick("-", "+", "[a", "(a", "[c", "(c", "[b", "[1", "(2", "[")
}

func (g *genCtx) index() string { return g.intn(-6, 6) }

func (g *genCtx) count() string { return g.intn(0, 5) }

// ttlArgs returns an expiry option of SET or GETEX, or nothing. Expiries
// are long (they never fire during a sequence) or absolute in the past
// where that is allowed, so replies never depend on timing.
func (g *genCtx) ttlArgs(persistOK bool) []string {
	switch g.r.IntN(7) {
	case 0:
		return []string{"EX", g.intn(100, 1000)}
	case 1:
		return []string{"PX", g.intn(100000, 1000000)}
	case 2:
		return []string{"EXAT", strconv.FormatInt(g.now.Unix()+int64(100+g.r.IntN(900)), 10)}
	case 3:
		return []string{"PXAT", strconv.FormatInt(g.now.UnixMilli()+int64(100000+g.r.IntN(900000)), 10)}
	case 4:
		return []string{"EX", g.pick("0", "-1", "x")}
	case 5:
		if persistOK {
			return []string{"PERSIST"}
		}
	}
	return nil
}

func cat(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		}
	}
	return out
}

func ex(args ...any) gcmd  { return gcmd{args: cat(args...), mode: cmpExact} }
func uno(args ...any) gcmd { return gcmd{args: cat(args...), mode: cmpUnordered} }

// allGens are generators for strings, keys and expiry, hashes, lists, sets,
// sorted sets and SORT, written from the redis.io command pages. Those of
// commands Folio does not implement yet are filtered out.
var allGens = []generator{
	// Connection.
	{"select", 2, func(g *genCtx) gcmd { return ex("SELECT", g.pick("0", "0", "1", "2", "16", "x")) }},
	{"ping", 1, func(g *genCtx) gcmd { return ex("PING") }},
	{"echo", 1, func(g *genCtx) gcmd { return ex("ECHO", g.value()) }},

	// Strings. https://redis.io/commands/?group=string
	{"set", 12, func(g *genCtx) gcmd {
		a := cat("SET", g.key("string"), g.value())
		if g.maybe(0.3) {
			a = append(a, g.ttlArgs(false)...)
		}
		if g.maybe(0.2) {
			a = append(a, g.pick("NX", "XX"))
		}
		if g.maybe(0.15) {
			a = append(a, "GET")
		}
		if g.maybe(0.1) {
			a = append(a, "KEEPTTL")
		}
		return ex(a)
	}},
	{"get", 10, func(g *genCtx) gcmd { return ex("GET", g.key("string")) }},
	{"getset", 2, func(g *genCtx) gcmd { return ex("GETSET", g.key("string"), g.value()) }},
	{"getdel", 2, func(g *genCtx) gcmd { return ex("GETDEL", g.key("string")) }},
	{"getex", 2, func(g *genCtx) gcmd { return ex("GETEX", g.key("string"), g.ttlArgs(true)) }},
	{"setnx", 2, func(g *genCtx) gcmd { return ex("SETNX", g.key("string"), g.value()) }},
	{"setex", 2, func(g *genCtx) gcmd {
		return ex("SETEX", g.key("string"), g.pick("100", "500", "200", "0", "x"), g.value())
	}},
	{"psetex", 2, func(g *genCtx) gcmd {
		return ex("PSETEX", g.key("string"), g.pick("100000", "500000", "300000", "0"), g.value())
	}},
	{"mset", 2, func(g *genCtx) gcmd {
		a := []string{"MSET"}
		for i := 0; i < 1+g.r.IntN(3); i++ {
			a = append(a, g.key("string"), g.value())
		}
		return ex(a)
	}},
	{"msetnx", 1, func(g *genCtx) gcmd {
		a := []string{"MSETNX"}
		for i := 0; i < 1+g.r.IntN(3); i++ {
			a = append(a, g.key("string"), g.value())
		}
		return ex(a)
	}},
	{"mget", 3, func(g *genCtx) gcmd { return ex("MGET", g.keys("string", 1+g.r.IntN(4))) }},
	{"append", 3, func(g *genCtx) gcmd { return ex("APPEND", g.key("string"), g.value()) }},
	{"strlen", 2, func(g *genCtx) gcmd { return ex("STRLEN", g.key("string")) }},
	{"incr", 3, func(g *genCtx) gcmd { return ex("INCR", g.key("string")) }},
	{"decr", 2, func(g *genCtx) gcmd { return ex("DECR", g.key("string")) }},
	{"incrby", 2, func(g *genCtx) gcmd {
		return ex("INCRBY", g.key("string"), g.pick("1", "-5", "100", "9223372036854775807", "x", "1.5"))
	}},
	{"decrby", 2, func(g *genCtx) gcmd {
		return ex("DECRBY", g.key("string"), g.pick("1", "-5", "100", "-9223372036854775808", "x"))
	}},
	{"incrbyfloat", 2, func(g *genCtx) gcmd {
		return ex("INCRBYFLOAT", g.key("string"), g.pick("1", "0.1", "-2.5", "1e2", "3.0e-1", "x", "inf", "5.0"))
	}},
	{"getrange", 2, func(g *genCtx) gcmd { return ex("GETRANGE", g.key("string"), g.index(), g.index()) }},
	{"substr", 1, func(g *genCtx) gcmd { return ex("SUBSTR", g.key("string"), g.index(), g.index()) }},
	{"setrange", 2, func(g *genCtx) gcmd {
		return ex("SETRANGE", g.key("string"), g.pick("0", "1", "3", "10", "-1"), g.value())
	}},
	{"lcs", 1, func(g *genCtx) gcmd {
		a := cat("LCS", g.key("string"), g.key("string"))
		if g.maybe(0.3) {
			a = append(a, g.pick("LEN", "IDX"))
		}
		return ex(a)
	}},

	// Keys and expiry. https://redis.io/commands/?group=generic
	{"del", 4, func(g *genCtx) gcmd { return ex("DEL", g.keys("", 1+g.r.IntN(3))) }},
	{"unlink", 1, func(g *genCtx) gcmd { return ex("UNLINK", g.keys("", 1+g.r.IntN(3))) }},
	{"exists", 3, func(g *genCtx) gcmd { return ex("EXISTS", g.keys("", 1+g.r.IntN(3))) }},
	{"type", 3, func(g *genCtx) gcmd { return ex("TYPE", g.key("")) }},
	{"touch", 1, func(g *genCtx) gcmd { return ex("TOUCH", g.keys("", 1+g.r.IntN(3))) }},
	{"rename", 2, func(g *genCtx) gcmd { return ex("RENAME", g.key(""), g.key("")) }},
	{"renamenx", 1, func(g *genCtx) gcmd { return ex("RENAMENX", g.key(""), g.key("")) }},
	{"copy", 2, func(g *genCtx) gcmd {
		a := cat("COPY", g.key(""), g.key(""))
		if g.maybe(0.3) {
			a = append(a, "DB", g.pick("0", "1", "2"))
		}
		if g.maybe(0.3) {
			a = append(a, "REPLACE")
		}
		return ex(a)
	}},
	{"move", 1, func(g *genCtx) gcmd { return ex("MOVE", g.key(""), g.pick("0", "1", "2")) }},
	{"swapdb", 1, func(g *genCtx) gcmd { return ex("SWAPDB", g.pick("0", "1"), g.pick("1", "2")) }},
	{"dbsize", 2, func(g *genCtx) gcmd { return ex("DBSIZE") }},
	{"keys", 2, func(g *genCtx) gcmd { return uno("KEYS", g.pick("*", "?", "h*", "[ls]?", "k\\ y", "*1")) }},
	{"randomkey", 1, func(g *genCtx) gcmd { return gcmd{args: []string{"RANDOMKEY"}, mode: cmpShape} }},
	{"flushdb", 1, func(g *genCtx) gcmd { return ex("FLUSHDB") }},
	{"flushall", 1, func(g *genCtx) gcmd { return ex("FLUSHALL") }},
	// A COUNT larger than the keyspace: one call returns everything, with
	// cursor 0, in an order of the server's own.
	{"scan", 2, func(g *genCtx) gcmd {
		a := cat("SCAN", "0", "COUNT", "1000")
		if g.maybe(0.4) {
			a = append(a, "MATCH", g.pick("*", "h*", "?", "[az]*"))
		}
		if g.maybe(0.4) {
			a = append(a, "TYPE", g.pick("string", "hash", "list", "set", "zset", "none"))
		}
		return gcmd{args: a, mode: cmpScan}
	}},
	{"expire", 3, func(g *genCtx) gcmd { return ex("EXPIRE", g.key(""), g.expiry(false), g.expireFlag()) }},
	{"pexpire", 2, func(g *genCtx) gcmd { return ex("PEXPIRE", g.key(""), g.expiry(true), g.expireFlag()) }},
	{"expireat", 2, func(g *genCtx) gcmd {
		return ex("EXPIREAT", g.key(""), g.pick(strconv.FormatInt(g.now.Unix()+int64(100+g.r.IntN(900)), 10), "1", "0", "x"), g.expireFlag())
	}},
	{"pexpireat", 2, func(g *genCtx) gcmd {
		return ex("PEXPIREAT", g.key(""), g.pick(strconv.FormatInt(g.now.UnixMilli()+int64(100000+g.r.IntN(900000)), 10), "1000", "x"), g.expireFlag())
	}},
	{"ttl", 3, func(g *genCtx) gcmd { return gcmd{args: []string{"TTL", g.key("")}, mode: cmpTTL} }},
	{"pttl", 3, func(g *genCtx) gcmd { return gcmd{args: []string{"PTTL", g.key("")}, mode: cmpPTTL} }},
	{"expiretime", 1, func(g *genCtx) gcmd { return gcmd{args: []string{"EXPIRETIME", g.key("")}, mode: cmpAt} }},
	{"pexpiretime", 1, func(g *genCtx) gcmd { return gcmd{args: []string{"PEXPIRETIME", g.key("")}, mode: cmpPAt} }},
	{"persist", 2, func(g *genCtx) gcmd { return ex("PERSIST", g.key("")) }},

	// Hashes. https://redis.io/commands/?group=hash
	{"hset", 8, func(g *genCtx) gcmd {
		a := cat("HSET", g.key("hash"))
		for i := 0; i < 1+g.r.IntN(3); i++ {
			a = append(a, g.field(), g.value())
		}
		return ex(a)
	}},
	{"hmset", 1, func(g *genCtx) gcmd { return ex("HMSET", g.key("hash"), g.field(), g.value()) }},
	{"hsetnx", 2, func(g *genCtx) gcmd { return ex("HSETNX", g.key("hash"), g.field(), g.value()) }},
	{"hget", 4, func(g *genCtx) gcmd { return ex("HGET", g.key("hash"), g.field()) }},
	{"hmget", 2, func(g *genCtx) gcmd { return ex("HMGET", g.key("hash"), g.field(), g.field()) }},
	{"hdel", 3, func(g *genCtx) gcmd { return ex("HDEL", g.key("hash"), g.field(), g.field()) }},
	{"hlen", 2, func(g *genCtx) gcmd { return ex("HLEN", g.key("hash")) }},
	{"hexists", 2, func(g *genCtx) gcmd { return ex("HEXISTS", g.key("hash"), g.field()) }},
	{"hstrlen", 1, func(g *genCtx) gcmd { return ex("HSTRLEN", g.key("hash"), g.field()) }},
	{"hgetall", 3, func(g *genCtx) gcmd { return gcmd{args: []string{"HGETALL", g.key("hash")}, mode: cmpPairs} }},
	{"hkeys", 2, func(g *genCtx) gcmd { return uno("HKEYS", g.key("hash")) }},
	{"hvals", 2, func(g *genCtx) gcmd { return uno("HVALS", g.key("hash")) }},
	{"hincrby", 3, func(g *genCtx) gcmd {
		return ex("HINCRBY", g.key("hash"), g.field(), g.pick("1", "-2", "100", "x", "9223372036854775807"))
	}},
	{"hincrbyfloat", 2, func(g *genCtx) gcmd {
		return ex("HINCRBYFLOAT", g.key("hash"), g.field(), g.pick("1", "0.5", "-2.25", "1e2", "x"))
	}},
	{"hscan", 1, func(g *genCtx) gcmd {
		return gcmd{args: cat("HSCAN", g.key("hash"), "0", "COUNT", "1000", g.scanMatch()), mode: cmpScanPairs}
	}},
	{"hrandfield", 2, func(g *genCtx) gcmd {
		switch g.r.IntN(3) {
		case 0: // more than the hash holds: every field, once
			return uno("HRANDFIELD", g.key("hash"), "100")
		case 1:
			return gcmd{args: []string{"HRANDFIELD", g.key("hash"), g.pick("-3", "-1", "2", "0")}, mode: cmpShape}
		}
		return gcmd{args: []string{"HRANDFIELD", g.key("hash")}, mode: cmpShape}
	}},

	// Lists. https://redis.io/commands/?group=list
	{"lpush", 5, func(g *genCtx) gcmd { return ex("LPUSH", g.key("list"), g.elems(3)) }},
	{"rpush", 5, func(g *genCtx) gcmd { return ex("RPUSH", g.key("list"), g.elems(3)) }},
	{"lpushx", 1, func(g *genCtx) gcmd { return ex("LPUSHX", g.key("list"), g.elem()) }},
	{"rpushx", 1, func(g *genCtx) gcmd { return ex("RPUSHX", g.key("list"), g.elem()) }},
	{"lpop", 3, func(g *genCtx) gcmd { return ex("LPOP", g.key("list"), g.optCount()) }},
	{"rpop", 3, func(g *genCtx) gcmd { return ex("RPOP", g.key("list"), g.optCount()) }},
	{"llen", 2, func(g *genCtx) gcmd { return ex("LLEN", g.key("list")) }},
	{"lrange", 4, func(g *genCtx) gcmd { return ex("LRANGE", g.key("list"), g.index(), g.index()) }},
	{"lindex", 2, func(g *genCtx) gcmd { return ex("LINDEX", g.key("list"), g.index()) }},
	{"lset", 2, func(g *genCtx) gcmd { return ex("LSET", g.key("list"), g.intn(-3, 3), g.elem()) }},
	{"linsert", 2, func(g *genCtx) gcmd {
		return ex("LINSERT", g.key("list"), g.pick("BEFORE", "AFTER", "x"), g.elem(), g.elem())
	}},
	{"lrem", 2, func(g *genCtx) gcmd { return ex("LREM", g.key("list"), g.intn(-2, 2), g.elem()) }},
	{"ltrim", 1, func(g *genCtx) gcmd { return ex("LTRIM", g.key("list"), g.index(), g.index()) }},
	{"lpos", 2, func(g *genCtx) gcmd {
		a := cat("LPOS", g.key("list"), g.elem())
		if g.maybe(0.4) {
			a = append(a, "RANK", g.pick("1", "-1", "2", "0"))
		}
		if g.maybe(0.4) {
			a = append(a, "COUNT", g.pick("0", "1", "2"))
		}
		if g.maybe(0.2) {
			a = append(a, "MAXLEN", g.pick("0", "2"))
		}
		return ex(a)
	}},
	{"rpoplpush", 1, func(g *genCtx) gcmd { return ex("RPOPLPUSH", g.key("list"), g.key("list")) }},
	{"lmove", 2, func(g *genCtx) gcmd {
		return ex("LMOVE", g.key("list"), g.key("list"), g.pick("LEFT", "RIGHT"), g.pick("LEFT", "RIGHT"))
	}},
	{"lmpop", 1, func(g *genCtx) gcmd {
		a := cat("LMPOP", "2", g.key("list"), g.key("list"), g.pick("LEFT", "RIGHT"))
		if g.maybe(0.5) {
			a = append(a, "COUNT", g.pick("1", "2", "10", "0"))
		}
		return ex(a)
	}},

	// Blocking pops, which serve at once when there is data, and time out
	// after 10 ms otherwise (never blocking inside MULTI). One generator
	// for all, so that they stay rare.
	{"blpop", 1, func(g *genCtx) gcmd {
		const timeout = "0.01"
		var opts []gcmd
		add := func(name string, c gcmd) {
			if g.have[name] {
				opts = append(opts, c)
			}
		}
		add("blpop", ex("BLPOP", g.keys("list", 2), timeout))
		add("brpop", ex("BRPOP", g.keys("list", 2), timeout))
		add("brpoplpush", ex("BRPOPLPUSH", g.key("list"), g.key("list"), timeout))
		add("blmove", ex("BLMOVE", g.key("list"), g.key("list"), g.pick("LEFT", "RIGHT"), g.pick("LEFT", "RIGHT"), timeout))
		add("blmpop", ex("BLMPOP", timeout, "2", g.keys("list", 2), g.pick("LEFT", "RIGHT"), "COUNT", g.pick("1", "3")))
		add("bzpopmin", ex("BZPOPMIN", g.keys("zset", 2), timeout))
		add("bzpopmax", ex("BZPOPMAX", g.keys("zset", 2), timeout))
		add("bzmpop", ex("BZMPOP", timeout, "2", g.keys("zset", 2), g.pick("MIN", "MAX"), "COUNT", g.pick("1", "3")))
		return opts[g.r.IntN(len(opts))]
	}},

	// Sets. https://redis.io/commands/?group=set
	{"sadd", 6, func(g *genCtx) gcmd { return ex("SADD", g.key("set"), g.elems(3)) }},
	{"srem", 3, func(g *genCtx) gcmd { return ex("SREM", g.key("set"), g.elems(2)) }},
	{"smembers", 3, func(g *genCtx) gcmd { return uno("SMEMBERS", g.key("set")) }},
	{"sismember", 2, func(g *genCtx) gcmd { return ex("SISMEMBER", g.key("set"), g.elem()) }},
	{"smismember", 1, func(g *genCtx) gcmd { return ex("SMISMEMBER", g.key("set"), g.elems(3)) }},
	{"scard", 2, func(g *genCtx) gcmd { return ex("SCARD", g.key("set")) }},
	{"spop", 1, func(g *genCtx) gcmd { return uno("SPOP", g.key("set"), "100") }}, // pops all: deterministic
	{"srandmember", 2, func(g *genCtx) gcmd {
		if g.maybe(0.5) {
			return uno("SRANDMEMBER", g.key("set"), "100")
		}
		return gcmd{args: []string{"SRANDMEMBER", g.key("set"), g.pick("-3", "2", "0")}, mode: cmpShape}
	}},
	{"sscan", 1, func(g *genCtx) gcmd {
		return gcmd{args: cat("SSCAN", g.key("set"), "0", "COUNT", "1000", g.scanMatch()), mode: cmpScan}
	}},
	{"smove", 1, func(g *genCtx) gcmd { return ex("SMOVE", g.key("set"), g.key("set"), g.elem()) }},
	{"sinter", 2, func(g *genCtx) gcmd { return uno("SINTER", g.keys("set", 1+g.r.IntN(3))) }},
	{"sunion", 2, func(g *genCtx) gcmd { return uno("SUNION", g.keys("set", 1+g.r.IntN(3))) }},
	{"sdiff", 2, func(g *genCtx) gcmd { return uno("SDIFF", g.keys("set", 1+g.r.IntN(3))) }},
	{"sinterstore", 1, func(g *genCtx) gcmd { return ex("SINTERSTORE", g.key("set"), g.keys("set", 2)) }},
	{"sunionstore", 1, func(g *genCtx) gcmd { return ex("SUNIONSTORE", g.key("set"), g.keys("set", 2)) }},
	{"sdiffstore", 1, func(g *genCtx) gcmd { return ex("SDIFFSTORE", g.key("set"), g.keys("set", 2)) }},
	{"sintercard", 1, func(g *genCtx) gcmd {
		a := cat("SINTERCARD", "2", g.keys("set", 2))
		if g.maybe(0.4) {
			a = append(a, "LIMIT", g.pick("0", "1", "2"))
		}
		return ex(a)
	}},

	// Sorted sets. https://redis.io/commands/?group=sorted-set
	{"zadd", 7, func(g *genCtx) gcmd {
		a := cat("ZADD", g.key("zset"))
		if g.maybe(0.25) {
			a = append(a, g.pick("NX", "XX", "GT", "LT", "CH", "NX GT"))
			if a[len(a)-1] == "NX GT" {
				a = append(a[:len(a)-1], "NX", "GT")
			}
		}
		if g.maybe(0.1) {
			return ex(a, "INCR", g.score(), g.elem())
		}
		for i := 0; i < 1+g.r.IntN(3); i++ {
			s := g.score()
			if g.maybe(0.03) {
				s = g.badScore()
			}
			a = append(a, s, g.elem())
		}
		return ex(a)
	}},
	{"zadd", 3, func(g *genCtx) gcmd {
		a := cat("ZADD", "zl")
		if g.maybe(0.2) {
			a = append(a, g.pick("NX", "XX", "CH"))
		}
		for i := 0; i < 1+g.r.IntN(3); i++ {
			a = append(a, "0", g.elem())
		}
		return ex(a)
	}},
	{"zrem", 2, func(g *genCtx) gcmd { return ex("ZREM", g.key("zset"), g.elems(2)) }},
	{"zcard", 2, func(g *genCtx) gcmd { return ex("ZCARD", g.key("zset")) }},
	{"zscore", 2, func(g *genCtx) gcmd { return ex("ZSCORE", g.key("zset"), g.elem()) }},
	{"zmscore", 1, func(g *genCtx) gcmd { return ex("ZMSCORE", g.key("zset"), g.elems(3)) }},
	{"zincrby", 2, func(g *genCtx) gcmd { return ex("ZINCRBY", g.key("zset"), g.score(), g.elem()) }},
	{"zrank", 2, func(g *genCtx) gcmd { return ex("ZRANK", g.key("zset"), g.elem()) }},
	{"zrevrank", 1, func(g *genCtx) gcmd { return ex("ZREVRANK", g.key("zset"), g.elem()) }},
	{"zrange", 5, func(g *genCtx) gcmd {
		k := g.key("zset")
		var a []string
		switch g.r.IntN(3) {
		case 0:
			a = cat("ZRANGE", k, g.index(), g.index())
		case 1:
			a = cat("ZRANGE", k, g.rangeScore(), g.rangeScore(), "BYSCORE")
		default:
			a = cat("ZRANGE", g.lexKey(), g.lex(), g.lex(), "BYLEX")
		}
		if g.maybe(0.3) {
			a = append(a, "REV")
		}
		if !contains(a, "BYLEX") && g.maybe(0.3) || g.maybe(0.1) {
			a = append(a, "LIMIT", g.intn(0, 2), g.pick("1", "2", "-1"))
		}
		if !contains(a, "BYLEX") && g.maybe(0.4) || g.maybe(0.03) {
			a = append(a, "WITHSCORES")
		}
		return ex(a)
	}},
	{"zrangebyscore", 2, func(g *genCtx) gcmd {
		a := cat("ZRANGEBYSCORE", g.key("zset"), g.rangeScore(), g.rangeScore())
		if g.maybe(0.4) {
			a = append(a, "WITHSCORES")
		}
		if g.maybe(0.3) {
			a = append(a, "LIMIT", g.intn(0, 2), g.pick("1", "2", "-1"))
		}
		return ex(a)
	}},
	{"zrevrangebyscore", 1, func(g *genCtx) gcmd {
		a := cat("ZREVRANGEBYSCORE", g.key("zset"), g.rangeScore(), g.rangeScore())
		if g.maybe(0.5) {
			a = append(a, "WITHSCORES")
		}
		if g.maybe(0.3) {
			a = append(a, "LIMIT", "0", "2")
		}
		return ex(a)
	}},
	{"zrangebylex", 1, func(g *genCtx) gcmd { return ex("ZRANGEBYLEX", g.lexKey(), g.lex(), g.lex()) }},
	{"zrevrangebylex", 1, func(g *genCtx) gcmd { return ex("ZREVRANGEBYLEX", g.lexKey(), g.lex(), g.lex()) }},
	{"zrevrange", 1, func(g *genCtx) gcmd {
		return ex("ZREVRANGE", g.key("zset"), g.index(), g.index(), g.pick("WITHSCORES", "WITHSCORES", "x"))
	}},
	{"zcount", 2, func(g *genCtx) gcmd { return ex("ZCOUNT", g.key("zset"), g.rangeScore(), g.rangeScore()) }},
	{"zlexcount", 1, func(g *genCtx) gcmd { return ex("ZLEXCOUNT", g.lexKey(), g.lex(), g.lex()) }},
	{"zpopmin", 2, func(g *genCtx) gcmd { return ex("ZPOPMIN", g.key("zset"), g.optCount()) }},
	{"zpopmax", 2, func(g *genCtx) gcmd { return ex("ZPOPMAX", g.key("zset"), g.optCount()) }},
	{"zremrangebyrank", 1, func(g *genCtx) gcmd { return ex("ZREMRANGEBYRANK", g.key("zset"), g.index(), g.index()) }},
	{"zremrangebyscore", 1, func(g *genCtx) gcmd {
		return ex("ZREMRANGEBYSCORE", g.key("zset"), g.rangeScore(), g.rangeScore())
	}},
	{"zremrangebylex", 1, func(g *genCtx) gcmd { return ex("ZREMRANGEBYLEX", g.lexKey(), g.lex(), g.lex()) }},
	{"zunionstore", 1, func(g *genCtx) gcmd { return ex("ZUNIONSTORE", g.key("zset"), "2", g.keys("zset", 2), g.zopts()) }},
	{"zinterstore", 1, func(g *genCtx) gcmd { return ex("ZINTERSTORE", g.key("zset"), "2", g.keys("zset", 2), g.zopts()) }},
	{"zdiffstore", 1, func(g *genCtx) gcmd { return ex("ZDIFFSTORE", g.key("zset"), "2", g.keys("zset", 2)) }},
	{"zunion", 1, func(g *genCtx) gcmd { return ex("ZUNION", "2", g.keys("zset", 2), g.zopts(), "WITHSCORES") }},
	{"zinter", 1, func(g *genCtx) gcmd { return ex("ZINTER", "2", g.keys("zset", 2), g.zopts(), "WITHSCORES") }},
	{"zdiff", 1, func(g *genCtx) gcmd { return ex("ZDIFF", "2", g.keys("zset", 2), "WITHSCORES") }},
	{"zintercard", 1, func(g *genCtx) gcmd { return ex("ZINTERCARD", "2", g.keys("zset", 2)) }},
	{"zrangestore", 1, func(g *genCtx) gcmd {
		return ex("ZRANGESTORE", g.key("zset"), g.key("zset"), g.index(), g.index())
	}},
	{"zmpop", 1, func(g *genCtx) gcmd {
		return ex("ZMPOP", "2", g.keys("zset", 2), g.pick("MIN", "MAX"), "COUNT", g.pick("1", "2", "10"))
	}},
	{"zscan", 1, func(g *genCtx) gcmd {
		return gcmd{args: cat("ZSCAN", g.key("zset"), "0", "COUNT", "1000", g.scanMatch()), mode: cmpScanPairs}
	}},
	{"zrandmember", 1, func(g *genCtx) gcmd {
		if g.maybe(0.5) {
			return uno("ZRANDMEMBER", g.key("zset"), "100")
		}
		return gcmd{args: []string{"ZRANDMEMBER", g.key("zset"), g.pick("-3", "2")}, mode: cmpShape}
	}},

	// SORT. https://redis.io/commands/sort
	{"sort", 3, func(g *genCtx) gcmd {
		a := cat("SORT", g.key(g.pick("list", "set", "zset")))
		// BY nosort (or a pattern without '*') keeps the source's order,
		// which for a set is its own: compared as a multiset, never stored.
		nosort, byPattern := g.maybe(0.1), false
		if nosort {
			a = append(a, "BY", "nosort")
		} else if g.maybe(0.2) {
			a = append(a, "BY", g.pick("w_*", "h*->f1"))
			byPattern = true
		}
		limit := !nosort && g.maybe(0.3)
		if limit {
			a = append(a, "LIMIT", g.intn(0, 2), g.pick("1", "3", "-1"))
		}
		if g.maybe(0.2) {
			a = append(a, "GET", g.pick("#", "w_*", "h*->f1"))
		}
		if g.maybe(0.3) {
			a = append(a, g.pick("ASC", "DESC"))
		}
		alpha := g.maybe(0.6)
		if alpha {
			a = append(a, "ALPHA")
		}
		// Redis breaks ties between equal weights by the elements only
		// when sorting numbers: BY a pattern with ALPHA leaves the order of
		// equal (or missing) weights unspecified.
		switch {
		case nosort || byPattern && alpha && !limit:
			return uno(a)
		case byPattern && alpha:
			return gcmd{args: a, mode: cmpShape}
		}
		if g.maybe(0.15) {
			a = append(a, "STORE", g.key("list"))
		}
		return ex(a)
	}},
	{"sort_ro", 1, func(g *genCtx) gcmd { return ex("SORT_RO", g.key("list"), g.pick("ALPHA", "DESC")) }},
}

func (g *genCtx) scanMatch() []string {
	if g.maybe(0.6) {
		return nil
	}
	return []string{"MATCH", g.pick("*", "f*", "?", "[a-c]", "1*")}
}

func (g *genCtx) elems(max int) []string {
	out := make([]string, 1+g.r.IntN(max))
	for i := range out {
		out[i] = g.elem()
	}
	return out
}

func (g *genCtx) optCount() []string {
	if g.maybe(0.5) {
		return nil
	}
	return []string{g.pick("0", "1", "2", "10", "-1")}
}

func (g *genCtx) expiry(ms bool) string {
	if g.maybe(0.15) {
		return g.pick("0", "-5", "x") // deletes the key now, or an error
	}
	if ms {
		return g.intn(100000, 1000000)
	}
	return g.intn(100, 1000)
}

func (g *genCtx) expireFlag() []string {
	if g.maybe(0.7) {
		return nil
	}
	return []string{g.pick("NX", "XX", "GT", "LT")}
}

func (g *genCtx) zopts() []string {
	var a []string
	if g.maybe(0.3) {
		a = append(a, "WEIGHTS", g.pick("1", "2", "-1", "0.5"), g.pick("1", "3"))
	}
	if g.maybe(0.3) {
		a = append(a, "AGGREGATE", g.pick("SUM", "MIN", "MAX"))
	}
	return a
}
