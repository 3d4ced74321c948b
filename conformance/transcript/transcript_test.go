package transcript

import (
	"reflect"
	"testing"
)

const sample = `# a comment
> SET greeting "hello world"
+OK

> GET nl
$5
a
b

# between commands
>~ SMEMBERS s
*3
$1
a
$4
x
y
$0

>? SPOP s
$1
b
>! SET k v
> HGETALL h
*4
$1
a
$1
1
$1
b
$1
2
`

func TestParse(t *testing.T) {
	steps, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Cmd: []string{"SET", "greeting", "hello world"}, Mode: Exact, Want: "+OK\n", Line: 2},
		{Cmd: []string{"GET", "nl"}, Mode: Exact, Want: "$5\na\nb\n\n", Line: 5},
		{Cmd: []string{"SMEMBERS", "s"}, Mode: Unordered, Want: "*3\n$1\na\n$4\nx\ny\n$0\n\n", Line: 11},
		{Cmd: []string{"SPOP", "s"}, Mode: TypeOnly, Want: "$1\nb\n", Line: 20},
		{Cmd: []string{"SET", "k", "v"}, Mode: NoReply, Want: "", Line: 23},
		{Cmd: []string{"HGETALL", "h"}, Mode: Exact, Want: "*4\n$1\na\n$1\n1\n$1\nb\n$1\n2\n", Line: 24},
	}
	if len(steps) != len(want) {
		t.Fatalf("got %d steps, want %d: %+v", len(steps), len(want), steps)
	}
	for i := range want {
		steps[i].Text = ""
		if !reflect.DeepEqual(steps[i], want[i]) {
			t.Errorf("step %d:\n got %+v\nwant %+v", i, steps[i], want[i])
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, bad := range []string{
		"+OK\n",                // reply without command
		"> GET a\n$5\nab\n",    // bulk shorter than its length
		"> GET \"a\n",          // unbalanced quote
		"> GET a\n*2\n$1\na\n", // truncated aggregate
		"> GET a\nnot resp\n",  // not RESP
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		mode      Mode
		want, got string
		ok        bool
	}{
		{Exact, "+OK\n", "+OK\n", true},
		{Exact, "$1\na\n", "$1\nb\n", false},
		{Unordered, "*3\n$1\na\n$1\nb\n$1\nc\n", "*3\n$1\nc\n$1\na\n$1\nb\n", true},
		{Unordered, "*3\n$1\na\n$1\nb\n$1\nc\n", "*3\n$1\nc\n$1\na\n$1\na\n", false},
		{Unordered, "*2\n$1\na\n$1\nb\n", "*3\n$1\nc\n$1\na\n$1\nb\n", false},
		{Unordered, "~2\n$1\na\n$1\nb\n", "*2\n$1\nb\n$1\na\n", false},
		// Nested replies stay ordered.
		{Unordered, "*1\n*2\n$1\na\n$1\nb\n", "*1\n*2\n$1\nb\n$1\na\n", false},
		// Map pairs move together, never apart.
		{Unordered, "%2\n$1\na\n:1\n$1\nb\n:2\n", "%2\n$1\nb\n:2\n$1\na\n:1\n", true},
		{Unordered, "%2\n$1\na\n:1\n$1\nb\n:2\n", "%2\n$1\na\n:2\n$1\nb\n:1\n", false},
		{TypeOnly, "$1\na\n", "$3\nxyz\n", true},
		{TypeOnly, "$1\na\n", ":1\n", false},
		{TypeOnly, "$1\na\n", "$1\na\n$1\na\n", false},
		{NoReply, "", "-ERR anything\n", true},
	} {
		err := Compare(tc.mode, tc.want, tc.got)
		if (err == nil) != tc.ok {
			t.Errorf("Compare(%v, %q, %q) = %v, want ok=%v", tc.mode, tc.want, tc.got, err, tc.ok)
		}
	}
	// RESP2 HGETALL under >~ compares field/value pairs.
	st := Step{Cmd: []string{"HGETALL", "h"}, Mode: Unordered, Want: "*4\n$1\na\n$1\n1\n$1\nb\n$1\n2\n"}
	if err := st.Check([]byte("*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n")); err != nil {
		t.Errorf("reordered pairs: %v", err)
	}
	if err := st.Check([]byte("*4\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n1\r\n")); err == nil {
		t.Error("swapped values accepted")
	}
}

func TestSplitQuote(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
	}{
		{`SET a b`, []string{"SET", "a", "b"}},
		{`  SET   "a b"  'c d' `, []string{"SET", "a b", "c d"}},
		{`SET "\x00\xff\n\"" 'it\'s'`, []string{"SET", "\x00\xff\n\"", "it's"}},
		{`SET "" ''`, []string{"SET", "", ""}},
	} {
		got, err := Split(tc.line)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Split(%q) = %q, %v; want %q", tc.line, got, err, tc.want)
		}
	}
	for _, bad := range []string{`GET "a`, `GET 'a`, `GET "a"b`} {
		if _, err := Split(bad); err == nil {
			t.Errorf("Split(%q) accepted", bad)
		}
	}
	for _, a := range []string{"", "plain", "a b", "\x00\x7f\xff", `q"'\`, "\r\n\t"} {
		got, err := Split("X " + Quote(a))
		if err != nil || len(got) != 2 || got[1] != a {
			t.Errorf("Quote(%q) = %s reads back as %q, %v", a, Quote(a), got, err)
		}
	}
}

func FuzzQuoteSplit(f *testing.F) {
	for _, s := range []string{"", "a", "a b", "\x00\"'\\", "\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Split("CMD " + Quote(s))
		if err != nil || len(got) != 2 || got[1] != s {
			t.Fatalf("Quote(%q) = %s reads back as %q, %v", s, Quote(s), got, err)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("> GET a\n$3\na\nb\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		steps, err := Parse(data)
		if err != nil {
			return
		}
		for _, st := range steps {
			// A recorded reply always compares equal to itself.
			if err := Compare(st.Mode, st.Want, st.Want); err != nil {
				t.Fatalf("step %+v: reply does not match itself: %v", st, err)
			}
		}
	})
}
