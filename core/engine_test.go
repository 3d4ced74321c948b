package core_test

import (
	"testing"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/store/memstore"
)

func newEngine(t testing.TB) (*core.Engine, *core.Session) {
	t.Helper()
	e, err := core.New(memstore.New(), core.Options{Now: func() int64 { return (time.Unix(1700000000, 0)).UnixMilli() }, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return e, e.NewSession()
}

func TestSmoke(t *testing.T) {
	e, s := newEngine(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"PING"}, "+PONG\r\n"},
		{[]string{"SET", "a", "1"}, "+OK\r\n"},
		{[]string{"GET", "a"}, "$1\r\n1\r\n"},
		{[]string{"GET", "b"}, "$-1\r\n"},
		{[]string{"NOPE", "x"}, "-ERR unknown command 'NOPE', with args beginning with: 'x' \r\n"},
		{[]string{"GET"}, "-ERR wrong number of arguments for 'get' command\r\n"},
		{[]string{"COMMAND", "COUNT"}, ""},
	} {
		got := string(e.Do(s, tc.args...))
		if tc.want != "" && got != tc.want {
			t.Errorf("%q: got %q want %q", tc.args, got, tc.want)
		}
	}
}
