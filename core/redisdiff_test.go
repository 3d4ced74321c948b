package core_test

// A differential runner for conformance transcripts: it plays a file's
// command lines against a real redis-server and against the engine, and
// fails on the first reply that differs. It serves lists_test.go and
// sort_test.go until the conformance runner lands.

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

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
)

// startRedis starts a redis-server on a free 127.0.0.1 port and returns
// a connection to it; the server is stopped when the test ends. It skips
// the test when redis-server is missing, unless FOLIO_REQUIRE_REDIS=1.
func startRedis(t *testing.T) net.Conn {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("FOLIO_REQUIRE_REDIS") == "1" {
			t.Fatal("redis-server not found and FOLIO_REQUIRE_REDIS=1")
		}
		t.Skip("redis-server not found: differential test skipped")
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
		if conn, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// splitCommand splits an inline command as redis-cli does (sdssplitargs):
// double quotes with \n, \r, \t, \xHH escapes, single quotes.
func splitCommand(line string) ([]string, error) {
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
		switch line[i] {
		case '"':
			i++
			for {
				if i >= len(line) {
					return nil, fmt.Errorf("unbalanced quotes in %q", line)
				}
				ch := line[i]
				if ch == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]) {
					var b byte
					fmt.Sscanf(line[i+2:i+4], "%02x", &b)
					cur = append(cur, b)
					i += 4
					continue
				}
				if ch == '\\' && i+1 < len(line) {
					switch line[i+1] {
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
						cur = append(cur, line[i+1])
					}
					i += 2
					continue
				}
				if ch == '"' {
					i++
					break
				}
				cur = append(cur, ch)
				i++
			}
		case '\'':
			i++
			for {
				if i >= len(line) {
					return nil, fmt.Errorf("unbalanced quotes in %q", line)
				}
				if line[i] == '\\' && i+1 < len(line) && line[i+1] == '\'' {
					cur = append(cur, '\'')
					i += 2
					continue
				}
				if line[i] == '\'' {
					i++
					break
				}
				cur = append(cur, line[i])
				i++
			}
		default:
			for i < len(line) && line[i] != ' ' && line[i] != '\t' {
				cur = append(cur, line[i])
				i++
			}
		}
		args = append(args, string(cur))
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// canon renders a reply with its RESP kinds; unordered sorts the
// top-level elements (map pairs for maps).
func canon(v resp.Value, unordered bool) string {
	if v.Null {
		return fmt.Sprintf("%c(null)", v.Kind)
	}
	switch v.Kind {
	case resp.KindArray, resp.KindSet, resp.KindPush, resp.KindMap:
		var parts []string
		step := 1
		if v.Kind == resp.KindMap {
			step = 2
		}
		for i := 0; i < len(v.Elems); i += step {
			p := canon(v.Elems[i], false)
			if step == 2 {
				p += "=>" + canon(v.Elems[i+1], false)
			}
			parts = append(parts, p)
		}
		if unordered {
			sort.Strings(parts)
		}
		return fmt.Sprintf("%c[%s]", v.Kind, strings.Join(parts, ", "))
	case resp.KindInt, resp.KindBool:
		return fmt.Sprintf("%c%d", v.Kind, v.Int)
	}
	return fmt.Sprintf("%c%q", v.Kind, v.Str)
}

// diffTranscript plays the command lines of a transcript file against a
// fresh redis-server and a fresh engine and fails on any difference.
// Commands the engine does not have yet are skipped (and counted), so the
// transcript can use them before their group lands.
func diffTranscript(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	conn := startRedis(t)
	rr := resp.NewReader(bufio.NewReader(conn))
	redisDo := func(args []string) resp.Value {
		if _, err := conn.Write(resp.AppendCommand(nil, args...)); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		v, err := rr.Read()
		if err != nil {
			t.Fatalf("redis %q: %v", args, err)
		}
		return v
	}
	redisDo([]string{"FLUSHALL"})
	e, s := newEngine(t)
	skipped := map[string]int{}
	compared := 0
	inSkippedMulti := false // MULTI is not in the engine: skip through EXEC
	for n, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, ">") {
			continue
		}
		mode, rest, _ := strings.Cut(line, " ")
		args, err := splitCommand(rest)
		if err != nil || len(args) == 0 {
			t.Fatalf("%s:%d: bad command line %q", path, n+1, line)
		}
		want := redisDo(args)
		if inSkippedMulti {
			inSkippedMulti = !strings.EqualFold(args[0], "exec") && !strings.EqualFold(args[0], "discard")
			skipped[strings.ToUpper(args[0])]++
			continue
		}
		raw := e.Do(s, args...)
		got, err := resp.NewReader(bytes.NewReader(raw)).Read()
		if err != nil {
			t.Fatalf("%s:%d: %q: engine reply %q: %v", path, n+1, args, raw, err)
		}
		if got.Kind == resp.KindError && strings.HasPrefix(got.Str, "ERR unknown command") {
			skipped[strings.ToUpper(args[0])]++
			inSkippedMulti = strings.EqualFold(args[0], "multi")
			continue
		}
		compared++
		switch mode {
		case ">!":
			continue
		case ">?":
			if got.Kind != want.Kind {
				t.Errorf("%s:%d: %s\n redis kind %c\n folio kind %c", path, n+1, rest, want.Kind, got.Kind)
			}
			continue
		}
		w, g := canon(want, mode == ">~"), canon(got, mode == ">~")
		if w != g {
			t.Errorf("%s:%d: %s\n redis: %s\n folio: %s", path, n+1, rest, w, g)
		}
	}
	if len(skipped) > 0 {
		t.Logf("%d replies compared; commands not in the engine yet, skipped: %v", compared, skipped)
	}
	if compared == 0 {
		t.Fatal("nothing compared")
	}
	_ = core.LayoutVersion
}
