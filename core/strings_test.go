package core

import (
	"strconv"
	"strings"
	"testing"

	"github.com/foliodb/folio/core/resp"
)

func TestStringsTranscript(t *testing.T) { playPending(t, "strings.txt") }

// TestStringReplies pins replies verified against redis-server 7.0.15, so
// they are checked even where Redis is not installed.
func TestStringReplies(t *testing.T) {
	e, s := testEngine(t)
	runSteps(t, e, s, []step{
		{[]string{"SET", "k", "v", "EX", "0"}, "-ERR invalid expire time in 'set' command\r\n"},
		{[]string{"SET", "k", "v", "PX", "9223372036854775000"}, "-ERR invalid expire time in 'set' command\r\n"},
		{[]string{"SET", "k", "v", "KEEPTTL", "EX", "1"}, "-ERR syntax error\r\n"},
		{[]string{"SET", "k", "v", "EX", "10", "EX", "20"}, "+OK\r\n"},
		{[]string{"GETEX", "k", "EX", "0"}, "-ERR invalid expire time in 'getex' command\r\n"},
		{[]string{"GETEX", "nokey", "EX", "0"}, "$-1\r\n"},
		{[]string{"SETEX", "k", "0", "v"}, "-ERR invalid expire time in 'setex' command\r\n"},
		{[]string{"INCRBYFLOAT", "f", "1.5"}, "$3\r\n1.5\r\n"},
		{[]string{"INCRBYFLOAT", "f", "1e300"}, "$301\r\n1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144\r\n"},
		{[]string{"INCRBYFLOAT", "g", "0.1"}, "$3\r\n0.1\r\n"},
		{[]string{"INCRBYFLOAT", "g", "0.2"}, "$3\r\n0.3\r\n"},
		{[]string{"INCRBYFLOAT", "h", "10"}, "$2\r\n10\r\n"},
		{[]string{"OBJECT", "ENCODING", "h"}, "$6\r\nembstr\r\n"},
		{[]string{"INCRBYFLOAT", "h", "0x10"}, "$2\r\n26\r\n"},
		{[]string{"INCRBYFLOAT", "h", "-.5e1"}, "$2\r\n21\r\n"},
		{[]string{"INCRBYFLOAT", "h", "inf"}, "-ERR increment would produce NaN or Infinity\r\n"},
		{[]string{"INCRBYFLOAT", "h", " 1"}, "-ERR value is not a valid float\r\n"},
		{[]string{"INCRBYFLOAT", "h", "1e5000"}, "-ERR value is not a valid float\r\n"},
		{[]string{"DECRBY", "h", "-9223372036854775808"}, "-ERR decrement would overflow\r\n"},
		{[]string{"SET", "n", "9223372036854775807"}, "+OK\r\n"},
		{[]string{"INCR", "n"}, "-ERR increment or decrement would overflow\r\n"},
		{[]string{"SET", "n", "-0"}, "+OK\r\n"},
		{[]string{"INCR", "n"}, "-ERR value is not an integer or out of range\r\n"},
		{[]string{"SETRANGE", "n", "-1", "x"}, "-ERR offset is out of range\r\n"},
		{[]string{"SETRANGE", "n", "536870912", "x"}, "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{[]string{"SETRANGE", "p", "3", "x"}, ":4\r\n"},
		{[]string{"GET", "p"}, "$4\r\n\x00\x00\x00x\r\n"},
		{[]string{"OBJECT", "ENCODING", "p"}, "$3\r\nraw\r\n"},
		{[]string{"GETRANGE", "p", "-1", "-5"}, "$0\r\n\r\n"},
		{[]string{"MSET", "key1", "ohmytext", "key2", "mynewtext"}, "+OK\r\n"},
		{[]string{"LCS", "key1", "key2"}, "$6\r\nmytext\r\n"},
		{[]string{"LCS", "key1", "key2", "LEN"}, ":6\r\n"},
		{[]string{"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"}, "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n"},
		{[]string{"LCS", "key1", "key2", "LEN", "IDX"}, "-ERR If you want both the length and indexes, please just use IDX.\r\n"},
		{[]string{"MSET", "a"}, "-ERR wrong number of arguments for 'mset' command\r\n"},
	})
}

// FuzzParseLongLong checks parseLongLong against its definition: Redis's
// string2ll accepts exactly the canonical decimal form of an int64.
func FuzzParseLongLong(f *testing.F) {
	for _, s := range []string{"0", "-0", "01", "+1", " 1", "1 ", "-9223372036854775808", "9223372036854775808", "", "-", "12a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseLongLong([]byte(s))
		n, err := strconv.ParseInt(s, 10, 64)
		canonical := err == nil && strconv.FormatInt(n, 10) == s
		if ok != canonical || ok && v != n {
			t.Fatalf("parseLongLong(%q) = %d, %v; canonical %v", s, v, ok, canonical)
		}
	})
}

// FuzzParseLongDouble checks that INCRBYFLOAT's parser never panics, and
// that what it accepts formats and re-parses to the same value.
func FuzzParseLongDouble(f *testing.F) {
	for _, s := range []string{"1.5", "0x1p3", "inf", "-infinity", ".5", "1.", "1e4932", "1e-4950", "0x", "1e", " 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseLongDouble([]byte(s))
		if !ok || v.IsInf() {
			return
		}
		out := formatLongDouble(v)
		w, ok := parseLongDouble([]byte(out))
		if !ok {
			t.Fatalf("%q formats as %q, which does not parse", s, out)
		}
		if formatLongDouble(w) != out {
			t.Fatalf("%q: %q re-formats as %q", s, out, formatLongDouble(w))
		}
	})
}

// BenchmarkStringCommands measures one command through Exec on the memory
// store: go test ./core -run XXX -bench StringCommands -benchtime 200000x
func BenchmarkStringCommands(b *testing.B) {
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"SET", []string{"SET", "key:%d", "value"}},
		{"GET", []string{"GET", "key:%d"}},
		{"INCR", []string{"INCR", "n:%d"}},
		{"SETEX", []string{"SETEX", "t:%d", "100", "v"}},
		{"EXISTS", []string{"EXISTS", "key:%d"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e, s := testEngine(b)
			for i := 0; i < 1000; i++ {
				e.Do(s, "SET", "key:"+strconv.Itoa(i), "value")
			}
			args := make([][]byte, len(bc.args))
			var w resp.Writer
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j, a := range bc.args {
					if strings.Contains(a, "%d") {
						a = strings.Replace(a, "%d", strconv.Itoa(i%1000), 1)
					}
					args[j] = []byte(a)
				}
				w.B = w.B[:0]
				e.Exec(s, args, &w)
			}
		})
	}
}
