package core_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/core/resp"
)

// Differential tests: the same commands run against Folio and a real
// redis-server started for the test, and the replies must agree. A script
// has one command per line: "> cmd" compares exactly, ">~ cmd" compares
// the top-level aggregate as a multiset, ">? cmd" compares the reply's
// type only (random replies; errors are still compared exactly).

// diffStartRedis starts a redis-server on a free port and returns a connection
// to it, or skips when none is installed (fails with FOLIO_REQUIRE_REDIS=1).
func diffStartRedis(t testing.TB) (net.Conn, *resp.Reader) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("FOLIO_REQUIRE_REDIS") == "1" {
			t.Fatal("redis-server not found and FOLIO_REQUIRE_REDIS=1")
		}
		t.Skip("redis-server not installed: differential test skipped")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var conn net.Conn
	for i := 0; i < 100; i++ {
		conn, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn, resp.NewReader(bufio.NewReader(conn))
}

// diffSplitLine splits a line like redis-cli: spaces separate, double
// quotes group (with \" \\ \n \xHH escapes), single quotes group.
func diffSplitLine(line string) []string {
	var out []string
	for i := 0; i < len(line); {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i >= len(line) {
			break
		}
		var b strings.Builder
		switch line[i] {
		case '"':
			i++
			for i < len(line) && line[i] != '"' {
				if line[i] == '\\' && i+1 < len(line) {
					i++
					switch line[i] {
					case 'n':
						b.WriteByte('\n')
					case 'x':
						var v byte
						fmt.Sscanf(line[i+1:i+3], "%02x", &v)
						b.WriteByte(v)
						i += 2
					default:
						b.WriteByte(line[i])
					}
				} else {
					b.WriteByte(line[i])
				}
				i++
			}
			i++
		case '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			b.WriteString(line[i+1 : i+1+j])
			i += j + 2
		default:
			for i < len(line) && line[i] != ' ' {
				b.WriteByte(line[i])
				i++
			}
		}
		out = append(out, b.String())
	}
	return out
}

func diffShow(v resp.Value) string {
	var b strings.Builder
	var enc func(v resp.Value)
	enc = func(v resp.Value) {
		if v.Null {
			fmt.Fprintf(&b, "%c<null>", v.Kind)
			return
		}
		switch v.Kind {
		case resp.KindInt, resp.KindBool:
			fmt.Fprintf(&b, "%c%d ", v.Kind, v.Int)
		case resp.KindArray, resp.KindSet, resp.KindMap, resp.KindPush:
			fmt.Fprintf(&b, "%c[", v.Kind)
			for _, e := range v.Elems {
				enc(e)
				b.WriteString(", ")
			}
			b.WriteString("]")
		default:
			fmt.Fprintf(&b, "%c%q", v.Kind, v.Str)
		}
	}
	enc(v)
	return b.String()
}

// diffCanonical sorts the top level of an unordered aggregate.
func diffCanonical(v resp.Value) string {
	if v.Kind != resp.KindArray && v.Kind != resp.KindSet && v.Kind != resp.KindMap {
		return diffShow(v)
	}
	var parts []string
	step := 1
	if v.Kind == resp.KindMap {
		step = 2
	}
	for i := 0; i+step <= len(v.Elems); i += step {
		s := diffShow(v.Elems[i])
		if step == 2 {
			s += "=>" + diffShow(v.Elems[i+1])
		}
		parts = append(parts, s)
	}
	sort.Strings(parts)
	return fmt.Sprintf("%c%d{%s}", v.Kind, len(parts), strings.Join(parts, ", "))
}

// diffAgainstRedis plays script against Folio and a real redis-server.
func diffAgainstRedis(t *testing.T, script string) {
	t.Helper()
	conn, rd := diffStartRedis(t)
	e, s := newEngine(t)
	for n, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		mode := byte('=')
		switch {
		case strings.HasPrefix(line, ">~ "):
			mode = '~'
		case strings.HasPrefix(line, ">? "):
			mode = '?'
		case strings.HasPrefix(line, "> "):
		default:
			t.Fatalf("line %d: not a command: %q", n+1, line)
		}
		args := diffSplitLine(line[strings.IndexByte(line, ' ')+1:])
		if _, err := conn.Write(resp.AppendCommand(nil, args...)); err != nil {
			t.Fatal(err)
		}
		want, err := rd.Read()
		if err != nil {
			t.Fatal(err)
		}
		raw := e.Do(s, args...)
		got, err := resp.NewReader(bytes.NewReader(raw)).Read()
		if err != nil {
			t.Fatalf("line %d %q: folio reply %q: %v", n+1, line, raw, err)
		}
		var g, w string
		switch {
		case mode == '?' && want.Kind != resp.KindError:
			g, w = fmt.Sprintf("%c null=%v", got.Kind, got.Null), fmt.Sprintf("%c null=%v", want.Kind, want.Null)
		case mode == '~':
			g, w = diffCanonical(got), diffCanonical(want)
		default:
			g, w = diffShow(got), diffShow(want)
		}
		if g != w {
			t.Errorf("line %d %q:\nreal: %s\nfolio: %s", n+1, line, w, g)
		}
	}
}

func parseReply(t *testing.T, raw []byte) resp.Value {
	t.Helper()
	v, err := resp.NewReader(bytes.NewReader(raw)).Read()
	if err != nil {
		t.Fatalf("reply %q: %v", raw, err)
	}
	return v
}
