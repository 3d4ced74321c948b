package server_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/foliodb/folio/hosts/server"
	"github.com/foliodb/folio/hosts/server/foliotest"
)

func client(t *testing.T, s *foliotest.Server, proto int) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: proto, DisableIdentity: true})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestGoRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			s := foliotest.Run(t)
			rdb := client(t, s, proto)
			ctx := context.Background()
			if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
				t.Fatalf("GET k = %q, %v", v, err)
			}
			if _, err := rdb.Get(ctx, "nope").Result(); !errors.Is(err, redis.Nil) {
				t.Fatalf("GET nope: %v, want redis.Nil", err)
			}
			if v, err := rdb.Echo(ctx, "hi").Result(); err != nil || v != "hi" {
				t.Fatalf("ECHO = %q, %v", v, err)
			}
			rdb.Set(ctx, "n", "1", 0)
			cfg, err := rdb.ConfigGet(ctx, "maxclients").Result()
			if err != nil || cfg["maxclients"] != "10000" {
				t.Fatalf("CONFIG GET maxclients = %v, %v", cfg, err)
			}
			info, err := rdb.Info(ctx, "keyspace", "clients").Result()
			if err != nil || !strings.Contains(info, "db0:keys=2,expires=0") || !strings.Contains(info, "connected_clients:1") {
				t.Fatalf("INFO = %q, %v", info, err)
			}
			id, err := rdb.ClientID(ctx).Result()
			if err != nil || id <= 0 {
				t.Fatalf("CLIENT ID = %d, %v", id, err)
			}
			err = rdb.Do(ctx, "CLIENT", "SETINFO", "lib-name", "x").Err()
			if err == nil || err.Error() != "ERR unknown subcommand 'SETINFO'. Try CLIENT HELP." {
				t.Fatalf("CLIENT SETINFO: %v", err)
			}
			// A pipeline goes out in one write and comes back in order.
			cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i := 0; i < 500; i++ {
					p.Set(ctx, fmt.Sprint("p", i), i, 0)
					p.Get(ctx, fmt.Sprint("p", i))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 500; i++ {
				if v := cmds[2*i+1].(*redis.StringCmd).Val(); v != fmt.Sprint(i) {
					t.Fatalf("pipelined GET p%d = %q", i, v)
				}
			}
		})
	}
}

func TestFastForward(t *testing.T) {
	s := foliotest.Run(t)
	rdb := client(t, s, 2)
	ctx := context.Background()
	rdb.Set(ctx, "k", "v", 10*time.Second)
	if err := rdb.PTTL(ctx, "k").Err(); err != nil && strings.Contains(err.Error(), "unknown command") {
		t.Skip("expiry commands are not in this build yet: ", err)
	}
	s.FastForward(9 * time.Second)
	if v := rdb.Get(ctx, "k").Val(); v != "v" {
		t.Fatalf("before expiry GET = %q", v)
	}
	s.FastForward(2 * time.Second)
	if err := rdb.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("after expiry GET: %v", err)
	}
	s.SetTime(time.Unix(1700000000, 0))
	tm, err := rdb.Time(ctx).Result()
	if err != nil || tm.Unix() != 1700000000 {
		t.Fatalf("TIME = %v, %v", tm, err)
	}
}

// raw is a bare TCP client for protocol tests.
type raw struct {
	t  *testing.T
	nc net.Conn
	rd *bufio.Reader
}

func dial(t *testing.T, addr string) *raw {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &raw{t: t, nc: nc, rd: bufio.NewReader(nc)}
}

func (r *raw) send(s string) {
	r.t.Helper()
	if _, err := r.nc.Write([]byte(s)); err != nil {
		r.t.Fatal(err)
	}
}

func (r *raw) line() string {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	l, err := r.rd.ReadString('\n')
	if err != nil {
		r.t.Fatalf("reading a reply: %v (got %q)", err, l)
	}
	return l
}

// closed asserts that the server closed the connection.
func (r *raw) closed() {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	rest, err := io.ReadAll(r.rd)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		r.t.Fatalf("connection not closed by the server: %v (read %q)", err, rest)
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func TestProtocolLimits(t *testing.T) {
	for _, tc := range []struct {
		name, send, reply string
	}{
		{"multibulk count", "*2000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"multibulk not a number", "*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"bulk length", "*1\r\n$999999999999\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"negative bulk length", "*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"no dollar", "*1\r\nabc\r\n", "-ERR Protocol error: expected '$', got 'a'\r\n"},
		{"unbalanced quotes", "SET \"a b\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{"huge inline", strings.Repeat("a", 70<<10), "-ERR Protocol error: too big inline request\r\n"},
		{"huge count line", "*" + strings.Repeat("1", 70<<10), "-ERR Protocol error: too big mbulk count string\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := foliotest.Run(t)
			before := heapAlloc()
			c := dial(t, s.Addr())
			c.send("*1\r\n$4\r\nPING\r\n" + tc.send)
			if got := c.line(); got != "+PONG\r\n" {
				t.Fatalf("command before the attack: %q", got)
			}
			if got := c.line(); got != tc.reply {
				t.Fatalf("got %q want %q", got, tc.reply)
			}
			c.closed()
			if after := heapAlloc(); after > before+8<<20 {
				t.Fatalf("heap grew from %d to %d", before, after)
			}
		})
	}
}

// A bulk over proto-max-bulk-len is refused before any of it is read.
func TestProtoMaxBulkLen(t *testing.T) {
	s := foliotest.Run(t, foliotest.WithConfig(func(c *server.Config) { c.ProtoMaxBulkLen = 1 << 20 }))
	c := dial(t, s.Addr())
	c.send(fmt.Sprintf("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n", 1<<20+1))
	if got := c.line(); got != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Fatalf("got %q", got)
	}
	c.closed()
	// At the limit it is accepted.
	c = dial(t, s.Addr())
	c.send(fmt.Sprintf("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n%s\r\n", 1<<20, strings.Repeat("x", 1<<20)))
	if got := c.line(); got != "+OK\r\n" {
		t.Fatalf("got %q", got)
	}
}

// A client that streams a command larger than client-query-buffer-limit
// is disconnected (Redis closes it without a reply), and the server does
// not keep its bytes.
func TestQueryBufferLimit(t *testing.T) {
	s := foliotest.Run(t, foliotest.WithConfig(func(c *server.Config) { c.ClientQueryBufferLimit = 1 << 20 }))
	before := heapAlloc()
	c := dial(t, s.Addr())
	// Many small arguments: each within proto-max-bulk-len, together over
	// the query buffer limit.
	go func() {
		c.nc.Write([]byte("*100000\r\n"))
		arg := []byte("$100\r\n" + strings.Repeat("y", 100) + "\r\n")
		for i := 0; i < 100000; i++ {
			if _, err := c.nc.Write(arg); err != nil {
				return
			}
		}
	}()
	c.closed()
	if after := heapAlloc(); after > before+8<<20 {
		t.Fatalf("heap grew from %d to %d", before, after)
	}
	rdb := client(t, s, 2)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("server unusable after the attack: %v", err)
	}
}

// A client that pipelines requests and never reads the replies stops being
// read once its socket is full: server memory stays bounded.
func TestSlowReader(t *testing.T) {
	s := foliotest.Run(t)
	rdb := client(t, s, 2)
	ctx := context.Background()
	rdb.Set(ctx, "big", strings.Repeat("z", 256<<10), 0)
	before := heapAlloc()
	c := dial(t, s.Addr())
	var sent int
	done := make(chan struct{})
	go func() {
		defer close(done)
		req := []byte(strings.Repeat("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n", 100))
		c.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
		for i := 0; i < 100; i++ { // asks for 10000 * 256 KiB = 2.5 GB of replies
			n, err := c.nc.Write(req)
			sent += n
			if err != nil {
				return
			}
		}
	}()
	<-done
	after := heapAlloc()
	if after > before+64<<20 {
		t.Fatalf("heap grew from %d to %d for a client that does not read", before, after)
	}
	// Others are still served.
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("sent %d request bytes; heap %d -> %d", sent, before, after)
}

// A MONITOR client that does not read is disconnected at the output
// buffer limit.
func TestMonitorOutputLimit(t *testing.T) {
	s := foliotest.Run(t, foliotest.WithConfig(func(c *server.Config) { c.PushBufferLimit = 1 << 20 }))
	mon := dial(t, s.Addr())
	mon.send("MONITOR\r\n")
	if got := mon.line(); got != "+OK\r\n" {
		t.Fatalf("MONITOR: %q", got)
	}
	rdb := client(t, s, 2)
	ctx := context.Background()
	rdb.Set(ctx, "first", "1", 0)
	if got := mon.line(); !strings.Contains(got, `"set" "first" "1"`) {
		t.Fatalf("monitor line %q", got)
	}
	val := strings.Repeat("m", 64<<10)
	for i := 0; i < 400; i++ { // 25 MB of feed
		if err := rdb.Set(ctx, "k", val, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	n, _ := rdb.Do(ctx, "CLIENT", "LIST").Text()
	if strings.Contains(n, "flags=O") {
		// The writer may still be draining into the socket; give it time.
		time.Sleep(500 * time.Millisecond)
		n, _ = rdb.Do(ctx, "CLIENT", "LIST").Text()
	}
	if strings.Contains(n, "flags=O") {
		t.Fatalf("the monitor that does not read is still connected:\n%s", n)
	}
}

func TestAuth(t *testing.T) {
	s := foliotest.Run(t, foliotest.WithConfig(func(c *server.Config) { c.RequirePass = "secret" }))
	c := dial(t, s.Addr())
	c.send("GET k\r\n")
	if got := c.line(); got != "-NOAUTH Authentication required.\r\n" {
		t.Fatalf("got %q", got)
	}
	c.send("AUTH wrong\r\n")
	if got := c.line(); got != "-WRONGPASS invalid username-password pair or user is disabled.\r\n" {
		t.Fatalf("got %q", got)
	}
	// Before AUTH, Redis refuses large requests.
	c.send("*11\r\n")
	if got := c.line(); got != "-ERR Protocol error: unauthenticated multibulk length\r\n" {
		t.Fatalf("got %q", got)
	}
	c.closed()
	c = dial(t, s.Addr())
	c.send("*2\r\n$3\r\nGET\r\n$20000\r\n")
	if got := c.line(); got != "-ERR Protocol error: unauthenticated bulk length\r\n" {
		t.Fatalf("got %q", got)
	}
	c.closed()
	// AUTH pipelined ahead of a large command lifts the limit.
	c = dial(t, s.Addr())
	c.send("AUTH secret\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20000\r\n" + strings.Repeat("v", 20000) + "\r\n")
	if got := c.line() + c.line(); got != "+OK\r\n+OK\r\n" {
		t.Fatalf("got %q", got)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: "secret"})
	defer rdb.Close()
	if v, err := rdb.Get(context.Background(), "k").Result(); err != nil || len(v) != 20000 {
		t.Fatalf("GET k = %d bytes, %v", len(v), err)
	}
}

func TestClientListKill(t *testing.T) {
	s := foliotest.Run(t)
	a := dial(t, s.Addr())
	a.send("CLIENT SETNAME alice\r\n")
	a.line()
	b := dial(t, s.Addr())
	b.send("CLIENT LIST\r\n")
	head := b.line()
	var n int
	fmt.Sscanf(head, "$%d", &n)
	body := make([]byte, n+2)
	io.ReadFull(b.rd, body)
	if !strings.Contains(string(body), "name=alice") || strings.Count(string(body), "id=") != 2 {
		t.Fatalf("CLIENT LIST:\n%s", body)
	}
	b.send("CLIENT KILL " + a.nc.LocalAddr().String() + "\r\n")
	if got := b.line(); got != "+OK\r\n" {
		t.Fatalf("CLIENT KILL: %q", got)
	}
	a.closed()
	b.send("CLIENT KILL ID 1 SKIPME no\r\nPING\r\n")
	if got := b.line(); got != ":0\r\n" && got != ":1\r\n" {
		t.Fatalf("CLIENT KILL ID: %q", got)
	}
	if got := b.line(); got != "+PONG\r\n" {
		t.Fatalf("PING: %q", got)
	}
	b.send("CLIENT KILL SKIPME no\r\nPING\r\n")
	if got := b.line(); got != ":1\r\n" {
		t.Fatalf("CLIENT KILL SKIPME no: %q", got)
	}
	b.closed()
}

func TestShutdown(t *testing.T) {
	s := foliotest.Run(t)
	c := dial(t, s.Addr())
	c.send("SHUTDOWN NOSAVE\r\n")
	c.closed()
	select {
	case <-s.Server().Done():
	case <-time.After(5 * time.Second):
		t.Fatal("server still running after SHUTDOWN")
	}
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		// The listener may linger a moment while closing.
		time.Sleep(200 * time.Millisecond)
		if nc, err := net.Dial("tcp", s.Addr()); err == nil {
			nc.Close()
			t.Fatal("server still accepts connections after SHUTDOWN")
		}
	}
}

func TestTimeoutAndMaxClients(t *testing.T) {
	s := foliotest.Run(t, foliotest.WithConfig(func(c *server.Config) { c.Timeout = 1; c.MaxClients = 2 }))
	a := dial(t, s.Addr())
	b := dial(t, s.Addr())
	a.send("PING\r\n")
	a.line()
	b.send("SUBSCRIBE ch\r\n")
	for i := 0; i < 6; i++ {
		b.line()
	}
	c := dial(t, s.Addr())
	if got := c.line(); got != "-ERR max number of clients reached\r\n" {
		t.Fatalf("third client: %q", got)
	}
	c.closed()
	start := time.Now()
	a.closed()
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("idle client closed after %v", d)
	}
	// Subscribers are exempt from the timeout, as in Redis.
	time.Sleep(1500 * time.Millisecond)
	b.send("PING\r\n")
	if got := b.line(); got != "*2\r\n" {
		t.Fatalf("subscriber after the timeout: %q", got)
	}
}

func TestInlineAndPipeline(t *testing.T) {
	s := foliotest.Run(t)
	c := dial(t, s.Addr())
	var req bytes.Buffer
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&req, "*2\r\n$4\r\nECHO\r\n$%d\r\n%d\r\n", len(fmt.Sprint(i)), i)
	}
	req.WriteString("SET \"a b\" 'c d'\r\nGET \"a b\"\r\n\r\n")
	// Split the pipeline at awkward places.
	data := req.Bytes()
	for i := 0; i < len(data); i += 7 {
		end := min(i+7, len(data))
		c.send(string(data[i:end]))
	}
	for i := 0; i < 1000; i++ {
		if got := c.line() + c.line(); got != fmt.Sprintf("$%d\r\n%d\r\n", len(fmt.Sprint(i)), i) {
			t.Fatalf("reply %d: %q", i, got)
		}
	}
	if got := c.line(); got != "+OK\r\n" {
		t.Fatalf("inline SET: %q", got)
	}
	if got := c.line() + c.line(); got != "$3\r\nc d\r\n" {
		t.Fatalf("inline GET: %q", got)
	}
}

func TestMonitor(t *testing.T) {
	s := foliotest.Run(t)
	mon := dial(t, s.Addr())
	mon.send("MONITOR\r\n")
	mon.line()
	c := dial(t, s.Addr())
	c.send("SET \"k\\n\" v\r\n")
	c.line()
	got := mon.line()
	if !strings.HasPrefix(got, "+") || !strings.HasSuffix(got, `"SET" "k\n" "v"`+"\r\n") || !strings.Contains(got, "[0 127.0.0.1:") {
		t.Fatalf("monitor line %q", got)
	}
}

func requireRedisTools(t *testing.T, tool string) string {
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("FOLIO_REQUIRE_REDIS") == "1" {
			t.Fatalf("%s not installed and FOLIO_REQUIRE_REDIS=1", tool)
		}
		t.Skipf("%s not installed", tool)
	}
	return p
}

func TestRedisCLI(t *testing.T) {
	cli := requireRedisTools(t, "redis-cli")
	s := foliotest.Run(t)
	host, port, _ := net.SplitHostPort(s.Addr())
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"-h", host, "-p", port}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if got := run("", "SET", "a", "1"); got != "OK\n" {
		t.Fatalf("SET: %q", got)
	}
	if got := run("GET a\nECHO 2\nCLIENT GETNAME\n"); got != "1\n2\n\n" {
		t.Fatalf("stdin: %q", got)
	}
	if got := run("", "-3", "HELLO", "3"); !strings.Contains(got, "proto") || !strings.Contains(got, "3") {
		t.Fatalf("HELLO 3: %q", got)
	}
	if got := run("", "-3", "CONFIG", "GET", "databases"); got != "databases 16\n" {
		t.Fatalf("-3 CONFIG GET: %q", got)
	}
	if got := run("", "INFO", "server"); !strings.Contains(got, "redis_version:7.0.15") {
		t.Fatalf("INFO: %q", got)
	}
}

// The protocol errors above are Redis's own: play the same attacks against
// a real redis-server.
func TestProtocolErrorsMatchRedis(t *testing.T) {
	rs := requireRedisTools(t, "redis-server")
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(rs, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; ; i++ {
		if nc, err := net.Dial("tcp", addr); err == nil {
			nc.Close()
			break
		}
		if i > 100 {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	s := foliotest.Run(t)
	var mu sync.Mutex
	for _, attack := range []string{
		"*abc\r\n",
		"*1\r\n$999999999999\r\n",
		"*1\r\n$-5\r\n",
		"*1\r\nabc\r\n",
		"SET \"a b\r\n",
		strings.Repeat("a", 70<<10),
	} {
		get := func(addr string) string {
			c := dial(t, addr)
			c.send(attack)
			return c.line()
		}
		mu.Lock()
		want, got := get(addr), get(s.Addr())
		mu.Unlock()
		if got != want {
			t.Errorf("%.20q: redis %q folio %q", attack, want, got)
		}
	}
}

func TestPubSub(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("RESP%d", proto), func(t *testing.T) {
			s := foliotest.Run(t)
			ctx := context.Background()
			sub := client(t, s, proto)
			pub := client(t, s, proto)
			ps := sub.Subscribe(ctx, "news")
			defer ps.Close()
			if _, err := ps.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if n, err := pub.Publish(ctx, "news", "hello").Result(); err != nil || n != 1 {
				t.Fatalf("PUBLISH = %d, %v", n, err)
			}
			msg, err := ps.ReceiveMessage(ctx)
			if err != nil || msg.Payload != "hello" {
				t.Fatalf("message %v, %v", msg, err)
			}
			// Keyspace events reach the subscriber through the server too.
			if err := pub.ConfigSet(ctx, "notify-keyspace-events", "KEA").Err(); err != nil {
				t.Fatal(err)
			}
			if err := ps.Subscribe(ctx, "__keyevent@0__:set"); err != nil {
				t.Fatal(err)
			}
			if m, err := ps.Receive(ctx); err != nil || m.(*redis.Subscription).Count != 2 {
				t.Fatalf("SUBSCRIBE: %v, %v", m, err)
			}
			pub.Set(ctx, "k", "v", 0)
			msg, err = ps.ReceiveMessage(ctx)
			if err != nil || msg.Channel != "__keyevent@0__:set" || msg.Payload != "k" {
				t.Fatalf("keyspace event %v, %v", msg, err)
			}
		})
	}
}

// A subscriber that stops reading is disconnected at PushBufferLimit.
func TestSubscriberOutputLimit(t *testing.T) {
	s := foliotest.Run(t, foliotest.WithConfig(func(c *server.Config) { c.PushBufferLimit = 1 << 20 }))
	sub := dial(t, s.Addr())
	sub.send("SUBSCRIBE ch\r\n")
	for i := 0; i < 3; i++ {
		sub.line()
	}
	before := heapAlloc()
	pub := client(t, s, 2)
	ctx := context.Background()
	val := strings.Repeat("p", 64<<10)
	var receivers int64 = 1
	for i := 0; i < 400 && receivers == 1; i++ {
		receivers = pub.Publish(ctx, "ch", val).Val()
	}
	if receivers != 0 {
		t.Fatal("a subscriber that does not read still receives after 25 MB")
	}
	if after := heapAlloc(); after > before+16<<20 {
		t.Fatalf("heap grew from %d to %d", before, after)
	}
}

func TestBlockingOverTCP(t *testing.T) {
	s := foliotest.Run(t)
	ctx := context.Background()
	a := client(t, s, 2)
	b := client(t, s, 2)
	got := make(chan []string, 1)
	go func() { got <- a.BLPop(ctx, 0, "q").Val() }()
	time.Sleep(100 * time.Millisecond)
	b.RPush(ctx, "q", "x")
	select {
	case v := <-got:
		if len(v) != 2 || v[1] != "x" {
			t.Fatalf("BLPOP = %v", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("BLPOP was not served")
	}
	// The timeout runs on the server's (virtual) clock.
	errc := make(chan error, 1)
	go func() { errc <- a.BLPop(ctx, time.Second, "empty").Err() }()
	for blockedClients(b.Info(ctx, "clients").Val()) != 1 {
		time.Sleep(5 * time.Millisecond)
	}
	s.FastForward(2 * time.Second)
	select {
	case err := <-errc:
		if !errors.Is(err, redis.Nil) {
			t.Fatalf("BLPOP timeout: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("BLPOP not answered after its deadline passed")
	}
	// A blocked client that hangs up leaves no waiter behind.
	nc := dial(t, s.Addr())
	nc.send("BLPOP gone 0\r\n")
	for blockedClients(b.Info(ctx, "clients").Val()) != 1 {
		time.Sleep(5 * time.Millisecond)
	}
	nc.nc.Close()
	deadline := time.Now().Add(3 * time.Second)
	for blockedClients(b.Info(ctx, "clients").Val()) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a blocked client that hung up is still counted")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// CONFIG SET of the server's own parameters takes effect at once.
func TestConfigSetLive(t *testing.T) {
	s := foliotest.Run(t)
	a := dial(t, s.Addr())
	a.send("CONFIG SET maxclients 1 proto-max-bulk-len 2mb\r\n")
	if got := a.line(); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET: %q", got)
	}
	b := dial(t, s.Addr())
	if got := b.line(); got != "-ERR max number of clients reached\r\n" {
		t.Fatalf("second client: %q", got)
	}
	a.send("CONFIG GET proto-max-bulk-len\r\n")
	if got := a.line() + a.line() + a.line() + a.line() + a.line(); got != "*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n2097152\r\n" {
		t.Fatalf("CONFIG GET: %q", got)
	}
	a.send(fmt.Sprintf("*2\r\n$4\r\nECHO\r\n$%d\r\n", 2<<20+1))
	if got := a.line(); got != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Fatalf("bulk over the new limit: %q", got)
	}
	a.closed()
	// a's slot frees once the server has noticed the close.
	var c *raw
	for i := 0; ; i++ {
		c = dial(t, s.Addr())
		c.nc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := c.rd.ReadString('\n'); err == nil && i < 100 {
			time.Sleep(10 * time.Millisecond)
			continue // refused: still at maxclients
		}
		break
	}
	c.send("CONFIG SET port 1\r\n")
	if got := c.line(); !strings.HasPrefix(got, "-ERR CONFIG SET failed (possibly related to argument 'port')") {
		t.Fatalf("CONFIG SET port: %q", got)
	}
}
