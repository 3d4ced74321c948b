package resp

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

func TestRequestReader(t *testing.T) {
	big := strings.Repeat("v", 10000)
	in := "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10000\r\n" + big + "\r\n" +
		"PING  \"a b\"\r\n" +
		"*2\r\n$3\r\nGET\r\n$001\r\nk\r\n" +
		"*0\r\n*1\r\n$4\r\nPING\r\n"
	rr := NewRequestReader(bufio.NewReaderSize(strings.NewReader(in), 64))
	want := [][]string{{"SET", "k", big}, {"PING", "a b"}, {"GET", "k"}, {"PING"}}
	for n, w := range want {
		args, err := rr.Read()
		if err != nil {
			t.Fatal(err)
		}
		if len(args) != len(w) {
			t.Fatalf("got %d args, want %q", len(args), w)
		}
		for i := range w {
			if string(args[i]) != w[i] {
				t.Fatalf("arg %d: got %.20q, want %.20q", i, args[i], w[i])
			}
			if n != 1 && cap(args[i]) != len(args[i]) { // n 1 is inline
				t.Fatalf("arg %d has room after it (cap %d): appending to it would clobber the next", i, cap(args[i]))
			}
		}
	}
	for _, bad := range []struct{ in, msg string }{
		{"*x\r\n", "ERR Protocol error: invalid multibulk length"},
		{"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"},
		{"*1\r\n$+a\r\n", "ERR Protocol error: invalid bulk length"},
		{"*1\r\n:1\r\n", "ERR Protocol error: expected '$', got ':'"},
	} {
		rr := NewRequestReader(bufio.NewReader(strings.NewReader(bad.in)))
		_, err := rr.Read()
		if e, ok := err.(*ErrRequest); !ok || e.Msg != bad.msg {
			t.Errorf("%q: got %v, want %q", bad.in, err, bad.msg)
		}
	}
}

// BenchmarkRequestRead reads a 16-command pipeline of redis-benchmark SETs:
// go test ./core/resp -run '^$' -bench RequestRead -benchmem
func BenchmarkRequestRead(b *testing.B) {
	one := "*3\r\n$3\r\nSET\r\n$16\r\nkey:000000012345\r\n$3\r\nxxx\r\n"
	in := []byte(strings.Repeat(one, 16))
	src := bytes.NewReader(in)
	rr := NewRequestReader(bufio.NewReaderSize(src, 16<<10))
	b.ReportAllocs()
	b.SetBytes(int64(len(one)))
	for i := 0; i < b.N; i += 16 {
		src.Reset(in)
		for j := 0; j < 16; j++ {
			if _, err := rr.Read(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
