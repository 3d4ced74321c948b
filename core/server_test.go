package core_test

import (
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/store/memstore"
)

// Replies below were taken from redis-server 7.0.15.
func TestServerCommands(t *testing.T) {
	e, s := newEngine(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"AUTH", "x"}, "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"},
		{[]string{"AUTH", "a", "b"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"AUTH", "default", "x"}, "+OK\r\n"},
		{[]string{"AUTH", "a", "b", "c"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "SETINFO", "lib-name", "x"}, "-ERR unknown subcommand 'SETINFO'. Try CLIENT HELP.\r\n"},
		{[]string{"CLIENT", "NO-TOUCH", "on"}, "-ERR unknown subcommand 'NO-TOUCH'. Try CLIENT HELP.\r\n"},
		{[]string{"CLIENT", "ID"}, ":1\r\n"},
		{[]string{"CLIENT", "NO-EVICT", "maybe"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "NO-EVICT", "on"}, "+OK\r\n"},
		{[]string{"CLIENT", "SETNAME", "a b"}, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$-1\r\n"},
		{[]string{"CLIENT", "SETNAME", "me"}, "+OK\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$2\r\nme\r\n"},
		{[]string{"CLIENT", "KILL", "1.2.3.4:5"}, "-ERR No such client\r\n"},
		{[]string{"CLIENT", "KILL", "ID", "999"}, ":0\r\n"},
		{[]string{"CLIENT", "KILL", "ID", "abc"}, "-ERR client-id should be greater than 0\r\n"},
		{[]string{"CLIENT", "KILL", "ID", "1", "foo"}, "-ERR syntax error\r\n"},
		{[]string{"CLIENT", "KILL", "TYPE", "foo"}, "-ERR Unknown client type 'foo'\r\n"},
		{[]string{"CLIENT", "LIST", "TYPE", "foo"}, "-ERR Unknown client type 'foo'\r\n"},
		{[]string{"CLIENT", "LIST", "ID", "abc"}, "-ERR Invalid client ID\r\n"},
		{[]string{"CONFIG", "GET", "nope"}, "*0\r\n"},
		{[]string{"CONFIG", "SET", "nope", "1"}, "-ERR Unknown option or number of arguments for CONFIG SET - 'nope'\r\n"},
		{[]string{"CONFIG", "SET", "maxclients", "abc"}, "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer\r\n"},
		{[]string{"CONFIG", "SET", "databases", "3"}, "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "5", "timeout", "6"}, "-ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter\r\n"},
		{[]string{"CONFIG", "SET", "timeout", "5", "maxclients"}, "-ERR syntax error\r\n"},
		{[]string{"CONFIG", "SET", "loglevel", "foo"}, "-ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning\r\n"},
		{[]string{"CONFIG", "SET", "maxmemory", "1x"}, "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value\r\n"},
		{[]string{"CONFIG", "SET", "appendonly", "maybe"}, "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'\r\n"},
		{[]string{"CONFIG", "SET", "save", "abc"}, "-ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters\r\n"},
		{[]string{"CONFIG", "SET", "port", "99999"}, "-ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive\r\n"},
		{[]string{"CONFIG", "SET", "proto-max-bulk-len", "10"}, "-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive\r\n"},
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "Z"}, "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n"},
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "KEA", "maxmemory", "1mb"}, "+OK\r\n"},
		{[]string{"CONFIG", "GET", "notify-keyspace-events"}, "*2\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n"},
		{[]string{"CONFIG", "GET", "maxmemory", "*max*bulk*"}, "*4\r\n$9\r\nmaxmemory\r\n$7\r\n1048576\r\n$18\r\nproto-max-bulk-len\r\n$9\r\n536870912\r\n"},
		{[]string{"CONFIG", "REWRITE"}, "-ERR The server is running without a config file\r\n"},
		{[]string{"CONFIG", "RESETSTAT"}, "+OK\r\n"},
		{[]string{"SHUTDOWN", "foo"}, "-ERR syntax error\r\n"},
		{[]string{"TIME"}, "*2\r\n$10\r\n1700000000\r\n$1\r\n0\r\n"},
		{[]string{"RESET"}, "+RESET\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$-1\r\n"},
	} {
		got := string(e.Do(s, tc.args...))
		if got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.args, got, tc.want)
		}
	}
}

func TestAuthRequired(t *testing.T) {
	e, err := core.New(memstore.New(), core.Options{Now: func() int64 { return time.Now().UnixMilli() }, RequirePass: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession()
	for _, tc := range [][2]string{
		{"GET a", "-NOAUTH Authentication required.\r\n"},
		{"AUTH no", "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{"AUTH pw", "+OK\r\n"},
		{"GET a", "$-1\r\n"},
		{"RESET", "+RESET\r\n"},
		{"GET a", "-NOAUTH Authentication required.\r\n"},
		{"AUTH default pw", "+OK\r\n"},
		{"CONFIG SET requirepass ''", "+OK\r\n"},
	} {
		args := strings.Fields(tc[0])
		if args[len(args)-1] == "''" {
			args[len(args)-1] = ""
		}
		if got := string(e.Do(s, args...)); got != tc[1] {
			t.Errorf("%s: got %q want %q", tc[0], got, tc[1])
		}
	}
	if got := string(e.Do(e.NewSession(), "GET", "a")); got != "$-1\r\n" {
		t.Errorf("after clearing requirepass a new session got %q", got)
	}
}

func TestInfo(t *testing.T) {
	e, s := newEngine(t)
	e.InfoHook = func(section string) string {
		if section == "memory" {
			return "used_memory:12345\r\n"
		}
		return ""
	}
	e.Do(s, "SET", "a", "1")
	e.Do(s, "SET", "b", "1")
	e.Do(s, "SELECT", "3")
	e.Do(s, "SET", "c", "1")
	got := string(e.Do(s, "INFO"))
	for _, want := range []string{"# Server\r\nredis_version:7.0.15\r\n", "connected_clients:1\r\n", "used_memory:12345\r\n", "total_commands_processed:5\r\n", "# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("INFO lacks %q:\n%s", want, got)
		}
	}
	got = string(e.Do(s, "INFO", "keyspace"))
	if strings.Contains(got, "# Server") || !strings.Contains(got, "# Keyspace") {
		t.Errorf("INFO keyspace: %q", got)
	}
	e.Do(s, "HELLO", "3")
	if got := string(e.Do(s, "INFO", "server")); !strings.HasPrefix(got, "=") || !strings.Contains(got, "txt:# Server") {
		t.Errorf("RESP3 INFO is not verbatim: %q", got[:20])
	}
}

func TestClientListSubscriptions(t *testing.T) {
	e, s := newEngine(t)
	e.Do(s, "HELLO", "3")
	e.Do(s, "SUBSCRIBE", "a", "b")
	e.Do(s, "PSUBSCRIBE", "p*")
	got := string(e.Do(s, "CLIENT", "INFO"))
	for _, want := range []string{" flags=P ", " sub=2 psub=1 ssub=0 ", " resp=3"} {
		if !strings.Contains(got, want) {
			t.Errorf("CLIENT INFO lacks %q: %s", want, got)
		}
	}
}
