package core_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
)

// setScript exercises every set command and option; its replies are
// compared with a real redis-server by TestSetsRedis.
const setScript = `
> SADD s a b c
> SADD s a d
> SADD s
> SREM s
> SMEMBERS
>~ SMEMBERS s
> SMEMBERS nokey
> SCARD s
> SCARD nokey
> SISMEMBER s a
> SISMEMBER s z
> SISMEMBER nokey a
> SMISMEMBER s a z b
> SMISMEMBER nokey a b
> SMISMEMBER s
> SREM s a z
> SREM s z
> SREM nokey a
> SADD e x
> SREM e x
> GET e
> SCARD e
> SADD s1 a b c d
> SADD s2 c d e
> SADD s3 d e f
>~ SINTER s1 s2
> SINTER s1 s2 s3
> SINTER s1 nokey
>~ SINTER s1
>~ SINTER s1 s1
>~ SUNION s1 s2 s3
>~ SUNION s1 nokey
> SUNION nokey nokey2
>~ SDIFF s1 s2
> SDIFF s1 s2 s3 s1
>~ SDIFF s1 nokey
> SDIFF nokey s1
> SDIFF s1 s1
> SINTERCARD 2 s1 s2
> SINTERCARD 3 s1 s2 s3
> SINTERCARD 1 s1 LIMIT 2
> SINTERCARD 1 s1 LIMIT 0
> SINTERCARD 1 s1 limit 10
> SINTERCARD 2 s1 nokey
> SINTERCARD 0 s1
> SINTERCARD -1 s1
> SINTERCARD x s1
> SINTERCARD 3 s1 s2
> SINTERCARD 1 s1 LIMIT -1
> SINTERCARD 1 s1 LIMIT x
> SINTERCARD 1 s1 LIMIT
> SINTERCARD 1 s1 FOO 1
> SINTERCARD 1
> SINTERSTORE d s1 s2
>~ SMEMBERS d
> SUNIONSTORE d s1 s2 s3
> SCARD d
> SDIFFSTORE d s1 s2
>~ SMEMBERS d
> SINTERSTORE d s1 nokey
> GET d
> SET d str
> SUNIONSTORE d s1
> SCARD d
> SET d str
> SDIFFSTORE d s1 s1
> GET d
> SDIFFSTORE d nokey
> SINTERSTORE s1 s1 s2
>~ SMEMBERS s1
> SUNIONSTORE s1 s1 s3
>~ SMEMBERS s1
> SADD m1 a b
> SADD m2 c
> SMOVE m1 m2 a
>~ SMEMBERS m2
> SMOVE m1 m2 z
> SMOVE nokey m2 a
> SMOVE m1 m1 b
> SMOVE m1 m1 z
> SMOVE m1 m2 c
> SMOVE m1 m2 b
> GET m1
> SMOVE m2 fresh a
> SMEMBERS fresh
> SET str x
> SMOVE m2 str a
> SMOVE str m2 a
> SMOVE nokey str a
> SADD r a b c
> SPOP nokey
> SPOP nokey 0
> SPOP nokey 3
> SPOP r -1
> SPOP r x
> SPOP r 1 2
> SPOP r 0
>? SPOP r
> SCARD r
>? SPOP r 1
>? SPOP r 10
> GET r
> SADD r2 a b c
>~ SPOP r2 10
> GET r2
> SADD r a b c d e
>? SPOP r 3
> SCARD r
> SRANDMEMBER nokey
> SRANDMEMBER nokey 3
> SRANDMEMBER nokey -3
> SRANDMEMBER nokey x
> SRANDMEMBER r 0
> SADD rr a b
>~ SRANDMEMBER rr 2
>~ SRANDMEMBER rr 10
>? SRANDMEMBER rr -3
>? SRANDMEMBER r
>? SRANDMEMBER r 1
>? SRANDMEMBER r -5
> SRANDMEMBER r x
> SRANDMEMBER r 1 2
> SRANDMEMBER r -9223372036854775808
> SADD ints 3 1 2
> SSCAN ints 0
> SSCAN ints x
> SSCAN nokey x
> SSCAN nokey 0
> SSCAN ints 0 COUNT 0
> SSCAN ints 0 COUNT x
> SSCAN ints 0 MATCH
> SSCAN ints 0 BAR 1
> SSCAN ints 0 MATCH 1
> SSCAN ints 0 MATCH [12] COUNT 1
> SSCAN ints 99 COUNT 1
> SADD one x
> SSCAN one 0
> SSCAN one 0 MATCH y
> SADD str a
> SREM str a
> SMEMBERS str
> SISMEMBER str a
> SMISMEMBER str a
> SCARD str
> SPOP str
> SPOP str 1
> SRANDMEMBER str
> SRANDMEMBER str 1
> SINTER s2 str
> SINTER nokey str
> SINTERCARD 2 s2 str
> SUNION s2 str
> SDIFF s2 str
> SDIFF nokey str
> SINTERSTORE d s2 str
> SUNIONSTORE d s2 str
> SDIFFSTORE d s2 str
> SSCAN str 0
> SADD str
> SREM str
> SISMEMBER str
> SCARD
> SPOP
> SRANDMEMBER
> SMOVE a b
> SINTER
> SUNION
> SDIFF
> SINTERSTORE d
> SUNIONSTORE d
> SDIFFSTORE d
> SSCAN str
>? HELLO 3
>~ SMEMBERS s2
> SMEMBERS nokey
>~ SINTER s2 s3
> SINTER s2 nokey
>~ SUNION s2 s3
> SDIFF nokey s2
> SPOP nokey 1
> SPOP r 0
>? SPOP r 1
> SRANDMEMBER r 0
>? SRANDMEMBER r 2
> SMISMEMBER s2 c z
`

func TestSetsRedis(t *testing.T) { diffAgainstRedis(t, setScript) }

// TestSetRandomLarge checks SPOP and SRANDMEMBER counts on a set big
// enough for random probing.
func TestSetRandomLarge(t *testing.T) {
	e, s := newEngine(t)
	args := []string{"SADD", "s"}
	for i := 0; i < 5000; i++ {
		args = append(args, fmt.Sprintf("m%d", i))
	}
	e.Do(s, args...)
	v := parseReply(t, e.Do(s, "SRANDMEMBER", "s", "200"))
	uniq := map[string]bool{}
	for _, m := range v.Elems {
		uniq[m.Str] = true
	}
	if len(v.Elems) != 200 || len(uniq) != 200 {
		t.Fatalf("SRANDMEMBER 200: %d members, %d distinct", len(v.Elems), len(uniq))
	}
	if v := parseReply(t, e.Do(s, "SRANDMEMBER", "s", "-7000")); len(v.Elems) != 7000 {
		t.Fatalf("SRANDMEMBER -7000: %d members", len(v.Elems))
	}
	v = parseReply(t, e.Do(s, "SPOP", "s", "300"))
	popped := map[string]bool{}
	for _, m := range v.Elems {
		popped[m.Str] = true
	}
	if len(popped) != 300 {
		t.Fatalf("SPOP 300: %d distinct members", len(popped))
	}
	if got := string(e.Do(s, "SCARD", "s")); got != ":4700\r\n" {
		t.Fatalf("SCARD after SPOP 300: %q", got)
	}
	for m := range popped {
		if got := string(e.Do(s, "SISMEMBER", "s", m)); got != ":0\r\n" {
			t.Fatalf("popped %s still a member", m)
		}
	}
	// Popping everything, one by one, empties and deletes the set.
	seen := map[string]bool{}
	for i := 0; i < 4700; i++ {
		v := parseReply(t, e.Do(s, "SPOP", "s"))
		if v.Null || seen[v.Str] || popped[v.Str] {
			t.Fatalf("SPOP #%d: %+v", i, v)
		}
		seen[v.Str] = true
	}
	if got := string(e.Do(s, "SET", "s", "x")); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := string(e.Do(s, "GET", "s")); got != "$1\r\nx\r\n" {
		t.Fatalf("emptied set not deleted: %q", got)
	}
}

// TestSscanLarge checks SSCAN visits every member of a large set.
func TestSscanLarge(t *testing.T) {
	e, s := newEngine(t)
	args := []string{"SADD", "s"}
	for i := 0; i < 3000; i++ {
		args = append(args, fmt.Sprintf("member-%d", i))
	}
	e.Do(s, args...)
	seen := map[string]bool{}
	cursor := "0"
	for calls := 0; ; calls++ {
		v := parseReply(t, e.Do(s, "SSCAN", "s", cursor, "COUNT", "100", "MATCH", "member-*"))
		cursor = v.Elems[0].Str
		for _, m := range v.Elems[1].Elems {
			seen[m.Str] = true
		}
		if cursor == "0" {
			break
		}
		if calls > 3000 {
			t.Fatal("SSCAN does not end")
		}
	}
	if len(seen) != 3000 {
		t.Fatalf("SSCAN saw %d members", len(seen))
	}
}

// TestRandomHugeCounts: a repeated-pick count far beyond memory is refused
// instead of crashing the host.
func TestRandomHugeCounts(t *testing.T) {
	e, s := newEngine(t)
	e.Do(s, "SADD", "s", "a", "b")
	e.Do(s, "HSET", "h", "a", "1")
	for _, args := range [][]string{
		{"SRANDMEMBER", "s", "-9223372036854775807"},
		{"HRANDFIELD", "h", "-9223372036854775807"},
		{"HRANDFIELD", "h", "-4611686018427387903", "WITHVALUES"},
	} {
		if got := string(e.Do(s, args...)); got != "-ERR value is out of range\r\n" {
			t.Errorf("%q: %q", args, got)
		}
	}
	if got := string(e.Do(s, "SRANDMEMBER", "s", "9223372036854775807")); got[:4] != "*2\r\n" {
		t.Errorf("SRANDMEMBER s MAX: %q", got)
	}
}

// TestHashSetRandomRedis plays random hash and set commands against Folio
// and a real redis-server and compares every reply (unordered ones as
// multisets). Random-reply commands are left out so both stay in step.
func TestHashSetRandomRedis(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 7))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	hkey := func() string { return pick("h1", "h2", "str", "s1") }
	skey := func() string { return pick("s1", "s2", "s3", "str", "h1") }
	field := func() string { return pick("a", "b", "c", "d", "1", "2", "10", "-3") }
	value := func() string { return pick("1", "-7", "2.5", "x", "10", "1e3", "0.1", "") }
	var b strings.Builder
	for i := 0; i < 3000; i++ {
		var line string
		switch rng.IntN(30) {
		case 0:
			line = "> HSET " + hkey() + " " + field() + " " + value() + " " + field() + " " + value()
		case 1:
			line = "> HSETNX " + hkey() + " " + field() + " " + value()
		case 2:
			line = "> HDEL " + hkey() + " " + field() + " " + field()
		case 3:
			line = "> HGET " + hkey() + " " + field()
		case 4:
			line = "> HMGET " + hkey() + " " + field() + " " + field()
		case 5:
			line = "> HLEN " + hkey()
		case 6:
			line = "> HEXISTS " + hkey() + " " + field()
		case 7:
			line = "> HSTRLEN " + hkey() + " " + field()
		case 8:
			line = "> HINCRBY " + hkey() + " " + field() + " " + pick("1", "-5", "100", "x")
		case 9:
			line = "> HINCRBYFLOAT " + hkey() + " " + field() + " " + pick("1.5", "-0.25", "3", "0.1", "1e2")
		case 10:
			line = ">~ HGETALL " + hkey()
		case 11:
			line = ">~ " + pick("HKEYS ", "HVALS ") + hkey()
		case 12:
			line = ">~ HRANDFIELD " + hkey() + " 100"
		case 13, 14:
			line = "> SADD " + skey() + " " + field() + " " + field()
		case 15:
			line = "> SREM " + skey() + " " + field() + " " + field()
		case 16:
			line = "> SISMEMBER " + skey() + " " + field()
		case 17:
			line = "> SMISMEMBER " + skey() + " " + field() + " " + field()
		case 18:
			line = "> SCARD " + skey()
		case 19:
			line = ">~ SMEMBERS " + skey()
		case 20:
			line = "> SMOVE " + skey() + " " + skey() + " " + field()
		case 21:
			line = ">~ " + pick("SINTER", "SUNION", "SDIFF") + " " + skey() + " " + skey() + " " + skey()
		case 22:
			line = "> SINTERCARD 2 " + skey() + " " + skey() + pick("", " LIMIT 1", " LIMIT 0")
		case 23:
			line = "> " + pick("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE") + " " + skey() + " " + skey() + " " + skey()
		case 24:
			line = ">~ SRANDMEMBER " + skey() + " 100"
		case 25:
			line = ">~ SPOP " + skey() + " 100"
		case 26:
			if rng.IntN(4) == 0 {
				line = "> SET str x"
			} else {
				line = "> GET str"
			}
		case 27:
			line = "> HGET " + hkey() + " " + field()
		case 28:
			line = "> SISMEMBER " + skey() + " " + field()
		case 29:
			line = "> HLEN " + hkey()
		}
		b.WriteString(line + "\n")
	}
	diffAgainstRedis(t, b.String())
}

// TestHashSetNotifications compares the keyspace events hash and set
// commands fire with redis-server's, in order.
func TestHashSetNotifications(t *testing.T) {
	e, sub, clock := newClockEngine(t)
	cmdr := e.NewSession()
	do := func(s *core.Session, args ...string) string {
		bs := make([][]byte, len(args))
		for i, x := range args {
			bs[i] = []byte(x)
		}
		return string(execHost(t, e, s, clock, bs))
	}
	if r := do(cmdr, "CONFIG", "SET", "notify-keyspace-events", "KEA"); r != "+OK\r\n" {
		t.Fatalf("CONFIG SET notify-keyspace-events: %q", r)
	}
	port := startRedis(t)
	dial := func() (net.Conn, *bufio.Reader, func(...string) []byte) {
		conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		rd := bufio.NewReader(conn)
		return conn, rd, func(args ...string) []byte {
			conn.Write(resp.AppendCommand(nil, args...))
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			raw, err := readRaw(rd)
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}
	}
	subConn, subRd, subDo := dial()
	_, _, redisDo := dial()
	redisDo("CONFIG", "SET", "notify-keyspace-events", "KEA")
	subDo("PSUBSCRIBE", "__key*__:*")
	do(sub, "PSUBSCRIBE", "__key*__:*")
	e.TakeDeliveries()
	pong := "*2\r\n$4\r\npong\r\n$0\r\n\r\n"
	events := 0
	for _, line := range []string{
		"HSET h a 1 b 2", "HSET h a 1", "HMSET h c 3", "HSETNX h a 9", "HSETNX h d 4",
		"HINCRBY h n 5", "HINCRBY h a x", "HINCRBYFLOAT h f 1.5", "HDEL h nope", "HDEL h a b",
		"HDEL h c d n f", "HSETNX h2 x 1", "HINCRBY h3 n 1", "HINCRBYFLOAT h4 f 1",
		"SADD s a b c", "SADD s a", "SREM s nope", "SREM s a", "SMOVE s t b", "SMOVE s t nope",
		"SMOVE s s c", "SADD t c", "SMOVE s t c", "SPOP t 0", "SADD p x", "SPOP p", "SADD p x y",
		"SPOP p 5", "SADD s1 a b", "SADD s2 b c", "SINTERSTORE d s1 s2", "SUNIONSTORE d s1 s2",
		"SDIFFSTORE d s1 s2", "SDIFFSTORE d s1 s1", "SINTERSTORE d s1 nokey", "SUNIONSTORE d nokey",
		"SET str x", "SUNIONSTORE str s1", "SREM s1 a b", "SRANDMEMBER s2", "SISMEMBER s2 b",
	} {
		args := strings.Fields(line)
		redisDo(args...)
		fmt.Fprintf(subConn, "*1\r\n$4\r\nPING\r\n") // events come before its pong
		var want []byte
		for {
			raw, err := readRaw(subRd)
			if err != nil {
				t.Fatal(err)
			}
			if string(raw) == pong {
				break
			}
			want = append(want, raw...)
		}
		do(cmdr, args...)
		var got []byte
		for _, d := range e.TakeDeliveries() {
			if d.Session == sub {
				got = append(got, d.Data...)
			}
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: events differ\nredis: %q\nfolio: %q", line, want, got)
		}
		events += bytes.Count(want, []byte("pmessage"))
	}
	if events < 60 {
		t.Errorf("redis sent only %d events", events)
	}
}
