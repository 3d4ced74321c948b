package core

// A differential check against a real redis-server: the command lines of a
// conformance transcript are played against Redis and against the engine,
// and the replies must agree (exactly, as a multiset for ">~", by type for
// ">?"). It needs /usr/bin/redis-server (Debian's 7.0); without it the test
// is skipped, unless FOLIO_REQUIRE_REDIS=1.

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store/memstore"
)

type redisConn struct {
	c net.Conn
	r *bufio.Reader
}

// startRedis starts a redis-server on a free port for the test.
func startRedis(t *testing.T) *redisConn {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("FOLIO_REQUIRE_REDIS") == "1" {
			t.Fatal("redis-server not found and FOLIO_REQUIRE_REDIS=1")
		}
		t.Skip("redis-server not installed: skipping the differential test")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	var conn net.Conn
	for i := 0; i < 100; i++ {
		if conn, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &redisConn{c: conn, r: bufio.NewReader(conn)}
}

func encodeCommand(args []string) []byte {
	b := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b
}

func (rc *redisConn) do(t *testing.T, args []string) []byte {
	t.Helper()
	if _, err := rc.c.Write(encodeCommand(args)); err != nil {
		t.Fatal(err)
	}
	rc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	raw, err := readRaw(rc.r)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return raw
}

// readRaw reads one RESP2/RESP3 reply and returns its bytes.
func readRaw(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return nil, err
	}
	out := line
	body := strings.TrimRight(string(line[1:]), "\r\n")
	switch line[0] {
	case '$', '=', '!':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return out, nil
		}
		buf := make([]byte, n+2)
		if _, err := io_ReadFull(r, buf); err != nil {
			return nil, err
		}
		return append(out, buf...), nil
	case '*', '~', '>', '%':
		n, _ := strconv.Atoi(body)
		if line[0] == '%' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			e, err := readRaw(r)
			if err != nil {
				return nil, err
			}
			out = append(out, e...)
		}
	}
	return out, nil
}

func io_ReadFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// topElements splits an aggregate reply into its elements (map pairs as
// one element each), for unordered comparison.
func topElements(raw []byte) (string, []string) {
	r := bufio.NewReader(bytes.NewReader(raw))
	head, _ := r.ReadString('\n')
	n, _ := strconv.Atoi(strings.TrimSpace(head[1:]))
	var elems []string
	for i := 0; i < n; i++ {
		e, _ := readRaw(r)
		if head[0] == '%' {
			v, _ := readRaw(r)
			e = append(e, v...)
		}
		elems = append(elems, string(e))
	}
	sort.Strings(elems)
	return head, elems
}

// splitArgs splits a command line as redis-cli (sdssplitargs) does.
func splitArgs(line string) ([]string, error) {
	var args []string
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			return args, nil
		}
		var cur []byte
		inq, insq := false, false
		for ; i < len(line); i++ {
			ch := line[i]
			if inq {
				if ch == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHexDigit(line[i+2]) && isHexDigit(line[i+3]) {
					v, _ := strconv.ParseUint(line[i+2:i+4], 16, 8)
					cur = append(cur, byte(v))
					i += 3
				} else if ch == '\\' && i+1 < len(line) {
					i++
					switch line[i] {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, line[i])
					}
				} else if ch == '"' {
					if i+1 < len(line) && line[i+1] != ' ' {
						return nil, fmt.Errorf("closing quote must be followed by a space")
					}
					inq = false
					i++
					break
				} else {
					cur = append(cur, ch)
				}
				continue
			}
			if insq {
				if ch == '\\' && i+1 < len(line) && line[i+1] == '\'' {
					cur = append(cur, '\'')
					i++
				} else if ch == '\'' {
					if i+1 < len(line) && line[i+1] != ' ' {
						return nil, fmt.Errorf("closing quote must be followed by a space")
					}
					insq = false
					i++
					break
				} else {
					cur = append(cur, ch)
				}
				continue
			}
			if ch == ' ' || ch == '\t' {
				break
			}
			if ch == '"' && len(cur) == 0 {
				inq = true
				continue
			}
			if ch == '\'' && len(cur) == 0 {
				insq = true
				continue
			}
			cur = append(cur, ch)
		}
		if inq || insq {
			return nil, fmt.Errorf("unbalanced quotes")
		}
		args = append(args, string(cur))
	}
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

type transcriptCmd struct {
	line int
	mode string // ">", ">~", ">?", ">!"
	args []string
}

func readTranscript(t *testing.T, path string) []transcriptCmd {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cmds []transcriptCmd
	for i, l := range strings.Split(string(data), "\n") {
		for _, mode := range []string{">~ ", ">? ", ">! ", "> "} {
			if strings.HasPrefix(l, mode) {
				args, err := splitArgs(l[len(mode):])
				if err != nil {
					t.Fatalf("%s:%d: %v", path, i+1, err)
				}
				cmds = append(cmds, transcriptCmd{i + 1, strings.TrimSpace(mode), args})
				break
			}
		}
	}
	return cmds
}

// diffTranscript plays a transcript's commands against Redis and a fresh
// engine and reports every difference.
func diffTranscript(t *testing.T, name string) {
	rc := startRedis(t)
	path := filepath.Join("..", "conformance", "testdata", name)
	e, err := New(memstore.New(), Options{Now: time.Now, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession()
	rc.do(t, []string{"FLUSHALL"})
	for _, cmd := range readTranscript(t, path) {
		want := rc.do(t, cmd.args)
		got := e.Do(s, cmd.args...)
		if bytes.HasPrefix(got, []byte("-ERR unknown command")) {
			got = fakeCollection(t, e, s, cmd.args)
		}
		ok := true
		switch cmd.mode {
		case ">":
			ok = bytes.Equal(want, got)
		case ">~":
			hw, ew := topElements(want)
			hg, eg := topElements(got)
			ok = hw == hg && strings.Join(ew, "\x00") == strings.Join(eg, "\x00")
		case ">?":
			ok = len(want) > 0 && len(got) > 0 && want[0] == got[0]
		}
		if !ok {
			t.Errorf("%s:%d %q:\nredis: %q\nfolio: %q", name, cmd.line, cmd.args, want, got)
		}
	}
}

// fakeCollection stands in for the collection commands other files
// implement (RPUSH, SADD, HSET, ZADD) until they land, so the transcripts'
// WRONGTYPE, COPY and OBJECT lines have a collection to work on. It writes
// the natural layout: list elements by sequence number, set members,
// hash fields and zset members as sub keys.
func fakeCollection(t *testing.T, e *Engine, s *Session, args []string) []byte {
	t.Helper()
	name := strings.ToLower(args[0])
	var typ byte
	var elems [][2]string
	switch name {
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
	c := &Ctx{E: e, S: s, writable: true, Now: e.now().UnixMilli(), W: &resp.Writer{}}
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
