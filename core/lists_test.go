package core

import (
	"bufio"
	"bytes"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/conformance/transcript"
	"github.com/foliodb/folio/core/resp"
)

// TestListsModel runs random list operations against the engine and a
// slice model; it exercises the shifting paths of LINSERT and LREM from
// both ends and pushes at both ends past sequence number zero.
func TestListsModel(t *testing.T) {
	e, s := testEngine(t)
	rng := rand.New(rand.NewPCG(7, 11))
	var model []string
	val := func() string { return strconv.Itoa(rng.IntN(6)) }
	check := func(step int, op string) {
		t.Helper()
		want := "*" + strconv.Itoa(len(model)) + "\r\n"
		for _, v := range model {
			want += "$" + strconv.Itoa(len(v)) + "\r\n" + v + "\r\n"
		}
		if got := string(e.Do(s, "LRANGE", "k", "0", "-1")); got != want {
			t.Fatalf("step %d after %s:\n got %q\nwant %q", step, op, got, want)
		}
		if len(model) == 0 {
			if got := string(e.Do(s, "GET", "k")); got != "$-1\r\n" {
				t.Fatalf("step %d after %s: emptied list not deleted: GET %q", step, op, got)
			}
		}
	}
	for step := 0; step < 3000; step++ {
		var op string
		switch rng.IntN(20) {
		case 0, 1, 2, 3, 4:
			v := val()
			op = "LPUSH " + v
			e.Do(s, "LPUSH", "k", v)
			model = append([]string{v}, model...)
		case 5, 6, 7, 8, 9:
			v := val()
			op = "RPUSH " + v
			e.Do(s, "RPUSH", "k", v)
			model = append(model, v)
		case 10, 11:
			n := rng.IntN(3)
			op = "LPOP/RPOP " + strconv.Itoa(n)
			if rng.IntN(2) == 0 {
				e.Do(s, "LPOP", "k", strconv.Itoa(n))
				model = model[min(n, len(model)):]
			} else {
				e.Do(s, "RPOP", "k", strconv.Itoa(n))
				model = model[:len(model)-min(n, len(model))]
			}
		case 12, 13, 14:
			pivot, v := val(), val()
			where := []string{"BEFORE", "AFTER"}[rng.IntN(2)]
			op = "LINSERT " + where + " " + pivot + " " + v
			e.Do(s, "LINSERT", "k", where, pivot, v)
			for i, x := range model {
				if x == pivot {
					if where == "AFTER" {
						i++
					}
					model = append(model[:i], append([]string{v}, model[i:]...)...)
					break
				}
			}
		case 15, 16:
			count, v := rng.IntN(5)-2, val()
			op = "LREM " + strconv.Itoa(count) + " " + v
			e.Do(s, "LREM", "k", strconv.Itoa(count), v)
			limit := count
			if limit < 0 {
				limit = -limit
			}
			idx := []int{}
			for j := range model {
				i := j
				if count < 0 {
					i = len(model) - 1 - j
				}
				if model[i] == v && (limit == 0 || len(idx) < limit) {
					idx = append(idx, i)
				}
			}
			gone := map[int]bool{}
			for _, i := range idx {
				gone[i] = true
			}
			var next []string
			for i, x := range model {
				if !gone[i] {
					next = append(next, x)
				}
			}
			model = next
		case 17:
			a, b := rng.IntN(8)-4, rng.IntN(8)-4
			op = "LTRIM " + strconv.Itoa(a) + " " + strconv.Itoa(b)
			e.Do(s, "LTRIM", "k", strconv.Itoa(a), strconv.Itoa(b))
			n := len(model)
			if a < 0 {
				a += n
			}
			if b < 0 {
				b += n
			}
			if a < 0 {
				a = 0
			}
			if a > b || a >= n {
				model = nil
			} else {
				model = model[a:min(b+1, n)]
			}
		default:
			if len(model) > 0 {
				i := rng.IntN(len(model))
				v := val()
				op = "LSET " + strconv.Itoa(i) + " " + v
				e.Do(s, "LSET", "k", strconv.Itoa(i-len(model)*rng.IntN(2)), v)
				model[i] = v
			}
		}
		check(step, op)
	}
}

// TestListsBlocking parks blocking list commands on empty keys and serves
// them with pushes from another session, in the order they blocked.
func TestListsBlocking(t *testing.T) {
	e, a := testEngine(t)
	b, p := e.NewSession(), e.NewSession()
	do := func(s *Session, args ...string) (string, bool) {
		var w resp.Writer
		bs := make([][]byte, len(args))
		for i, x := range args {
			bs[i] = []byte(x)
		}
		out := e.Exec(s, bs, &w)
		return string(w.B), out.Blocked != nil
	}
	deliveries := func() map[*Session]string {
		m := map[*Session]string{}
		for _, d := range e.TakeDeliveries() {
			m[d.Session] += string(d.Data)
		}
		return m
	}
	if got, blocked := do(a, "BLPOP", "l1", "l2", "0"); got != "" || !blocked {
		t.Fatalf("BLPOP on empty lists: %q blocked=%v", got, blocked)
	}
	if got, blocked := do(b, "BLMOVE", "l2", "dst", "RIGHT", "LEFT", "0"); got != "" || !blocked {
		t.Fatalf("BLMOVE on an empty list: %q blocked=%v", got, blocked)
	}
	// One element for two waiters on l2: the first to block gets it.
	if got, _ := do(p, "RPUSH", "l2", "x"); got != ":1\r\n" {
		t.Fatalf("RPUSH: %q", got)
	}
	d := deliveries()
	if d[a] != "*2\r\n$2\r\nl2\r\n$1\r\nx\r\n" || d[b] != "" {
		t.Fatalf("after the first push: %v", d)
	}
	do(p, "RPUSH", "l2", "y")
	if d := deliveries(); d[b] != "$1\r\ny\r\n" {
		t.Fatalf("BLMOVE served: %v", d)
	}
	if got, _ := do(p, "LRANGE", "dst", "0", "-1"); got != "*1\r\n$1\r\ny\r\n" {
		t.Fatalf("dst: %q", got)
	}
	if got, _ := do(p, "GET", "l2"); got != "$-1\r\n" {
		t.Fatalf("l2 not deleted after the served pops: %q", got)
	}
	// BLMPOP with a count.
	if _, blocked := do(a, "BLMPOP", "0", "2", "m1", "m2", "RIGHT", "COUNT", "2"); !blocked {
		t.Fatal("BLMPOP did not block")
	}
	do(p, "RPUSH", "m2", "a", "b", "c")
	if d := deliveries(); d[a] != "*2\r\n$2\r\nm2\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n" {
		t.Fatalf("BLMPOP served: %v", d)
	}
	// A timeout passes: the timeout reply is a null array.
	if _, blocked := do(b, "BRPOP", "nope", "0.5"); !blocked {
		t.Fatal("BRPOP did not block")
	}
	e.now = func() int64 { return (time.Unix(1700000001, 0)).UnixMilli() }
	e.ExpireBlocked()
	if d := deliveries(); d[b] != "*-1\r\n" {
		t.Fatalf("BRPOP timed out: %v", d)
	}
}

// TestListsKeyspaceEvents runs list commands (and SORT STORE) against a
// real redis-server and the engine with keyspace events on, and compares
// the events each fires, in order.
func TestListsKeyspaceEvents(t *testing.T) {
	r, err := transcript.StartRedis()
	if errors.Is(err, transcript.ErrNoRedis) && os.Getenv("FOLIO_REQUIRE_REDIS") != "1" {
		t.Skip("redis-server not installed: skipping the differential test")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	lr, err := transcript.Dial(r.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer lr.Close()
	rdo := func(args []string) {
		bs := make([][]byte, len(args))
		for i, a := range args {
			bs[i] = []byte(a)
		}
		if _, err := lr.Do(bs); err != nil {
			t.Fatalf("%q: %v", args, err)
		}
	}
	addr := r.Addr
	sub, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	subr := bufio.NewReader(sub)
	e, s := testEngine(t)
	fs := e.NewSession()
	setup := [][]string{{"CONFIG", "SET", "notify-keyspace-events", "KEA"}}
	for _, c := range setup {
		rdo(c)
		e.Do(s, c...)
	}
	sub.Write(resp.AppendCommand(nil, "PSUBSCRIBE", "__keyevent@0__:*"))
	subrd := resp.NewReader(subr)
	if _, err := subrd.Read(); err != nil {
		t.Fatal(err)
	}
	e.Do(fs, "PSUBSCRIBE", "__keyevent@0__:*")
	e.TakeDeliveries()

	events := func(raw []byte) []string {
		var out []string
		rd := resp.NewReader(bytes.NewReader(raw))
		for {
			v, err := rd.Read()
			if err != nil {
				return out
			}
			if len(v.Elems) == 4 && v.Elems[0].Str == "pmessage" {
				ev := strings.TrimPrefix(v.Elems[2].Str, "__keyevent@0__:")
				out = append(out, ev+" "+v.Elems[3].Str)
			}
		}
	}
	redisEvents := func() []string {
		// A PING on the subscriber connection marks the end of the events.
		sub.Write(resp.AppendCommand(nil, "PING"))
		var out []string
		for {
			sub.SetReadDeadline(time.Now().Add(5 * time.Second))
			v, err := subrd.Read()
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Elems) > 0 && v.Elems[0].Str == "pong" {
				return out
			}
			if len(v.Elems) == 4 && v.Elems[0].Str == "pmessage" {
				out = append(out, strings.TrimPrefix(v.Elems[2].Str, "__keyevent@0__:")+" "+v.Elems[3].Str)
			}
		}
	}
	total := 0
	for _, c := range [][]string{
		{"RPUSH", "l", "a", "b", "c"},
		{"LPUSH", "l", "z"},
		{"LPUSHX", "l", "y"},
		{"RPUSHX", "nolist", "y"},
		{"LINSERT", "l", "BEFORE", "b", "x"},
		{"LINSERT", "l", "BEFORE", "nothere", "x"},
		{"LSET", "l", "0", "q"},
		{"LREM", "l", "0", "x"},
		{"LREM", "l", "0", "nothere"},
		{"LTRIM", "l", "0", "-1"},
		{"LTRIM", "l", "1", "-1"},
		{"LPOP", "l"},
		{"RPOP", "l", "2"},
		{"LPOP", "l", "0"},
		{"RPUSH", "l", "a", "b"},
		{"LMOVE", "l", "m", "LEFT", "RIGHT"},
		{"LMOVE", "m", "m", "LEFT", "RIGHT"},
		{"RPOPLPUSH", "l", "m"},
		{"RPUSH", "l", "a", "b", "c"},
		{"LMPOP", "2", "nolist", "l", "RIGHT", "COUNT", "2"},
		{"BLPOP", "nolist", "l", "0"},
		{"BLMOVE", "m", "l", "RIGHT", "LEFT", "0"},
		{"BRPOPLPUSH", "m", "l", "0"},
		{"BLMPOP", "0", "1", "l", "LEFT", "COUNT", "10"},
		{"RPUSH", "l", "3", "1", "2"},
		{"SORT", "l", "STORE", "sorted"},
		{"SORT", "nolist", "STORE", "sorted"},
		{"LTRIM", "l", "5", "10"},
		{"RPUSH", "l", "a", "b"},
		{"LREM", "l", "0", "a"},
		{"LREM", "l", "0", "b"},
	} {
		rdo(c)
		want := redisEvents()
		total += len(want)
		e.Do(s, c...)
		var got []string
		for _, d := range e.TakeDeliveries() {
			got = append(got, events(d.Data)...)
		}
		if strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("%q:\nredis: %q\nfolio: %q", c, want, got)
		}
	}
	if total < 30 {
		t.Fatalf("only %d events from redis: the test is not seeing them", total)
	}
}
