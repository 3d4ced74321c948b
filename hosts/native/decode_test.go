package native

import (
	"bufio"
	"reflect"
	"strings"
	"testing"

	"github.com/foliodb/folio/core/resp"
)

// parseValue must decode exactly as resp.Reader does.
func TestParseValueMatchesReader(t *testing.T) {
	for _, raw := range []string{
		"+OK\r\n", "-ERR x y\r\n", ":42\r\n", ":-1\r\n", "$5\r\nhe\r\nl\r\n", "$0\r\n\r\n", "$-1\r\n", "*-1\r\n",
		"*3\r\n$1\r\na\r\n:1\r\n*1\r\n+x\r\n", "%1\r\n$1\r\nk\r\n,1.5\r\n", "~2\r\n$1\r\na\r\n$1\r\nb\r\n",
		"_\r\n", "#t\r\n", "#f\r\n", "=8\r\ntxt:abcd\r\n", "(123\r\n", ">2\r\n$1\r\na\r\n$1\r\nb\r\n",
		"|1\r\n+k\r\n+v\r\n:5\r\n",
	} {
		want, err := resp.NewReader(bufio.NewReader(strings.NewReader(raw))).Read()
		if err != nil {
			t.Fatalf("%q: reader: %v", raw, err)
		}
		got, n, err := parseValue([]byte(raw))
		if err != nil || n != len(raw) || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: parseValue = %+v, %d, %v; reader = %+v", raw, got, n, err, want)
		}
	}
	for _, bad := range []string{"", "+OK", "$5\r\nab\r\n", "*2\r\n:1\r\n", ":x\r\n", "?\r\n"} {
		if _, _, err := parseValue([]byte(bad)); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}
