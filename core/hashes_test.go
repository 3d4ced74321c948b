package core_test

import (
	"fmt"
	"strings"
	"testing"
)

// hashScript exercises every hash command and option; its replies are
// compared with a real redis-server by TestHashesRedis.
const hashScript = `
> HSET h a 1 b 2 c 3
> HSET h a 10 d 4
> HSET h a
> HSET h a 1 b
> HSET
> HMSET h e 5 f 6
> HMSET h e
> HGET h a
> HGET h nope
> HGET nokey a
> HMGET h a nope b
> HMGET nokey a b
> HLEN h
> HLEN nokey
> HEXISTS h a
> HEXISTS h nope
> HEXISTS nokey a
> HSTRLEN h a
> HSTRLEN h nope
> HSTRLEN nokey a
>~ HGETALL h
>~ HKEYS h
>~ HVALS h
> HGETALL nokey
> HKEYS nokey
> HVALS nokey
> HSETNX h a 100
> HSETNX h g 7
> HSETNX newh x 1
> HGET h a
> HGET h g
> HDEL h a nope b
> HDEL h nope
> HDEL nokey a
> HDEL h
# an emptied hash is deleted: GET would be WRONGTYPE on a hash
> HDEL newh x
> GET newh
> HLEN newh
> HSET n i 10 big 9223372036854775807 neg -9223372036854775808 s abc sp " 1" f 1.5
> HINCRBY n i 5
> HINCRBY n i -20
> HINCRBY n new 3
> HINCRBY n big 1
> HINCRBY n neg -1
> HINCRBY n s 1
> HINCRBY n sp 1
> HINCRBY n f 1
> HINCRBY n i x
> HINCRBY n i 1.0
> HINCRBY n i 010
> HINCRBY n i 99999999999999999999
> HINCRBY nokey2 i x
> HINCRBY n i
> HGET n i
> HINCRBYFLOAT n f 0.1
> HINCRBYFLOAT n f -1.6
> HINCRBYFLOAT n newf 1.10
> HINCRBYFLOAT n newf 1e3
> HINCRBYFLOAT n i 2.5
> HINCRBYFLOAT n g 1.1
> HINCRBYFLOAT n g 2.2
> HINCRBYFLOAT n e 1e20
> HINCRBYFLOAT n e 1e-20
> HINCRBYFLOAT n z -0
> HINCRBYFLOAT n s 1
> HINCRBYFLOAT n f abc
> HINCRBYFLOAT n f inf
> HINCRBYFLOAT n f nan
> HINCRBYFLOAT n f " 1"
> HINCRBYFLOAT n f 1_0
> HINCRBYFLOAT n hex 0x10
> HINCRBYFLOAT n hex 0x1p3
> HINCRBYFLOAT n hex 5.
> HINCRBYFLOAT n hex .5
> HSET n inf inf
> HINCRBYFLOAT n inf 1
> HINCRBYFLOAT n huge 1e308
> HINCRBYFLOAT n huge 1e308
> HGET n huge
> HSET r a 1 b 2 c 3
> HRANDFIELD nokey
> HRANDFIELD nokey 5
> HRANDFIELD nokey 0
> HRANDFIELD nokey x
> HRANDFIELD r 0
> HRANDFIELD r 0 WITHVALUES
>~ HRANDFIELD r 3
>~ HRANDFIELD r 10
>~ HRANDFIELD r 10 withvalues
>? HRANDFIELD r
>? HRANDFIELD r 2
>? HRANDFIELD r -5
>? HRANDFIELD r -5 WITHVALUES
>? HRANDFIELD r 1 WITHVALUES
> HRANDFIELD r 2 foo
> HRANDFIELD r 2 withvalues x
> HRANDFIELD r x
> HRANDFIELD r -9223372036854775808
> HRANDFIELD r -9223372036854775807 withvalues
> HRANDFIELD r 4611686018427387904 withvalues
> HSCAN r x
> HSCAN nokey x
> HSCAN nokey 0
> HSCAN nokey 0 COUNT 0
> HSCAN r 0 COUNT 0
> HSCAN r 0 COUNT x
> HSCAN r 0 MATCH
> HSCAN r 0 FOO bar
> HSCAN r 0 MATCH a
> HSCAN r 0 MATCH z*
> HSCAN r 0 COUNT 1 MATCH ?
> HSCAN r 7 COUNT 1
> HSCAN r -1
> SET str x
> HSET str a 1
> HMSET str a 1
> HSETNX str a 1
> HGET str a
> HMGET str a
> HDEL str a
> HLEN str
> HEXISTS str a
> HSTRLEN str a
> HGETALL str
> HKEYS str
> HVALS str
> HINCRBY str a 1
> HINCRBYFLOAT str a 1
> HRANDFIELD str
> HRANDFIELD str 1
> HSCAN str 0
> HGET str
> HMGET str
> HDEL str
> HLEN
> HEXISTS str
> HSTRLEN str
> HGETALL
> HKEYS
> HVALS
> HINCRBYFLOAT str a
> HRANDFIELD
> HSCAN str
> HSETNX str a
>? HELLO 3
>~ HGETALL h
> HGETALL nokey
> HRANDFIELD nokey
> HRANDFIELD r 0
>? HRANDFIELD r 2 WITHVALUES
>? HRANDFIELD r -2 WITHVALUES
> HMGET h a nope
> HINCRBYFLOAT n f 1
`

func TestHashesRedis(t *testing.T) { diffAgainstRedis(t, hashScript) }

// TestHashScanLarge checks that HSCAN over a hash too big to be returned
// whole visits every field, in batches near COUNT, and ends with cursor 0.
func TestHashScanLarge(t *testing.T) {
	e, s := newEngine(t)
	const n = 1000
	for i := 0; i < n; i++ {
		e.Do(s, "HSET", "big", fmt.Sprintf("field:%06d", i), "v")
	}
	seen := map[string]int{}
	cursor, calls := "0", 0
	for {
		calls++
		v := parseReply(t, e.Do(s, "HSCAN", "big", cursor, "COUNT", "50"))
		cursor = v.Elems[0].Str
		for i := 0; i < len(v.Elems[1].Elems); i += 2 {
			seen[v.Elems[1].Elems[i].Str]++
		}
		if cursor == "0" || calls > 10*n {
			break
		}
	}
	if len(seen) != n {
		t.Fatalf("HSCAN returned %d distinct fields, want %d", len(seen), n)
	}
	if calls < 2 {
		t.Errorf("HSCAN of %d fields in %d call(s): COUNT ignored", n, calls)
	}
	// Fields whose names differ beyond 8 bytes still progress.
	v := parseReply(t, e.Do(s, "HSCAN", "big", "0", "COUNT", "5", "MATCH", "field:00000*"))
	if len(v.Elems[1].Elems) == 0 && v.Elems[0].Str == "0" {
		t.Errorf("MATCH found nothing: %v", v)
	}
}

// TestHashScanConcurrentWrites: a field present for the whole scan is
// returned even when others are added and removed between calls.
func TestHashScanConcurrentWrites(t *testing.T) {
	e, s := newEngine(t)
	for i := 0; i < 500; i++ {
		e.Do(s, "HSET", "h", fmt.Sprintf("k%04d", i*2), "v")
	}
	seen := map[string]bool{}
	cursor, step := "0", 0
	for {
		v := parseReply(t, e.Do(s, "HSCAN", "h", cursor, "COUNT", "20"))
		cursor = v.Elems[0].Str
		for i := 0; i < len(v.Elems[1].Elems); i += 2 {
			seen[v.Elems[1].Elems[i].Str] = true
		}
		// churn: add odd fields, delete fields not in the stable set
		e.Do(s, "HSET", "h", fmt.Sprintf("k%04d", step*2+1), "v")
		e.Do(s, "HDEL", "h", fmt.Sprintf("k%04d", (step-3)*2+1))
		step++
		if cursor == "0" {
			break
		}
	}
	for i := 0; i < 500; i++ {
		if f := fmt.Sprintf("k%04d", i*2); !seen[f] {
			t.Fatalf("field %s present throughout was not returned", f)
		}
	}
}

// TestHrandfieldCounts checks HRANDFIELD's count semantics on a hash big
// enough for random probing.
func TestHrandfieldCounts(t *testing.T) {
	e, s := newEngine(t)
	args := []string{"HSET", "h"}
	for i := 0; i < 5000; i++ {
		args = append(args, fmt.Sprintf("f%d", i), fmt.Sprint(i))
	}
	e.Do(s, args...)
	v := parseReply(t, e.Do(s, "HRANDFIELD", "h", "100"))
	if len(v.Elems) != 100 {
		t.Fatalf("HRANDFIELD 100: %d fields", len(v.Elems))
	}
	uniq := map[string]bool{}
	for _, f := range v.Elems {
		uniq[f.Str] = true
	}
	if len(uniq) != 100 {
		t.Errorf("HRANDFIELD 100 gave %d distinct fields", len(uniq))
	}
	v = parseReply(t, e.Do(s, "HRANDFIELD", "h", "-300", "WITHVALUES"))
	if len(v.Elems) != 600 {
		t.Fatalf("HRANDFIELD -300 WITHVALUES: %d elements", len(v.Elems))
	}
	for i := 0; i < len(v.Elems); i += 2 {
		if "f"+v.Elems[i+1].Str != v.Elems[i].Str {
			t.Fatalf("field %q has value %q", v.Elems[i].Str, v.Elems[i+1].Str)
		}
	}
	// Many single picks should spread over the hash.
	picks := map[string]bool{}
	for i := 0; i < 500; i++ {
		picks[string(e.Do(s, "HRANDFIELD", "h"))] = true
	}
	t.Logf("500 picks: %d distinct", len(picks))
	if len(picks) < 300 { // uniform picks give about 476
		t.Errorf("500 HRANDFIELD calls gave only %d distinct fields (uniform: ~476)", len(picks))
	}
	if got := string(e.Do(s, "HRANDFIELD", "h", "6000")); !strings.HasPrefix(got, "*5000\r\n") {
		t.Errorf("HRANDFIELD 6000 on 5000 fields: %.20q", got)
	}
}
