package wasmhost_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/foliodb/folio/hosts/server"
	"github.com/foliodb/folio/hosts/server/wasmhost"
	"github.com/redis/go-redis/v9"
)

// start serves a fresh memory database with the wasm engine on a free
// 127.0.0.1 port and returns its address.
func start(t *testing.T) string {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Port = 0
	cfg.DB = ":memory:"
	cfg.Engine = "wasm"
	cfg.Log = io.Discard
	srv, err := wasmhost.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != server.ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return ln.Addr().String()
}

func client(t *testing.T, addr string, proto int) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, DisableIdentity: true})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func TestSetGetPipeline(t *testing.T) {
	ctx := context.Background()
	rdb := client(t, start(t), 2)
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := rdb.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET k = %q, %v", got, err)
	}
	if err := rdb.Get(ctx, "missing").Err(); err != redis.Nil {
		t.Fatalf("GET missing: %v, want redis.Nil", err)
	}
	pipe := rdb.Pipeline()
	var incrs []*redis.IntCmd
	for i := 0; i < 100; i++ {
		incrs = append(incrs, pipe.Incr(ctx, "n"))
	}
	get := pipe.Get(ctx, "n")
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	for i, c := range incrs {
		if c.Val() != int64(i+1) {
			t.Fatalf("INCR %d = %d", i, c.Val())
		}
	}
	if get.Val() != "100" {
		t.Fatalf("GET n = %q", get.Val())
	}
}

func TestResp3Map(t *testing.T) {
	ctx := context.Background()
	rdb := client(t, start(t), 3)
	if err := rdb.HSet(ctx, "h", "a", "1", "b", "2").Err(); err != nil {
		t.Fatal(err)
	}
	// HELLO 3 was sent on connect; HGETALL is a RESP3 map.
	v, err := rdb.Do(ctx, "HGETALL", "h").Result()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := v.(map[interface{}]interface{})
	if !ok || len(m) != 2 || m["a"] != "1" || m["b"] != "2" {
		t.Fatalf("HGETALL = %#v, want a RESP3 map {a:1 b:2}", v)
	}
	hello, err := rdb.Do(ctx, "HELLO", "3").Result()
	if err != nil {
		t.Fatal(err)
	}
	if hm, ok := hello.(map[interface{}]interface{}); !ok || hm["proto"] != int64(3) {
		t.Fatalf("HELLO 3 = %#v", hello)
	}
}

func TestBLPOPWokenByRPUSH(t *testing.T) {
	ctx := context.Background()
	addr := start(t)
	a, b := client(t, addr, 2), client(t, addr, 2)
	got := make(chan []string, 1)
	errc := make(chan error, 1)
	go func() {
		v, err := a.BLPop(ctx, 5*time.Second, "q").Result()
		if err != nil {
			errc <- err
			return
		}
		got <- v
	}()
	time.Sleep(100 * time.Millisecond) // let BLPOP block
	if err := b.RPush(ctx, "q", "x").Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-got:
		if len(v) != 2 || v[0] != "q" || v[1] != "x" {
			t.Fatalf("BLPOP = %q", v)
		}
	case err := <-errc:
		t.Fatal(err)
	case <-time.After(3 * time.Second):
		t.Fatal("BLPOP was not woken by RPUSH")
	}
	// A blocked client that times out gets a nil reply.
	start := time.Now()
	if err := a.Do(ctx, "BLPOP", "empty", "0.2").Err(); err != redis.Nil {
		t.Fatalf("BLPOP timeout: %v, want redis.Nil", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("BLPOP returned after %v", d)
	}
}

func TestPubSub(t *testing.T) {
	ctx := context.Background()
	addr := start(t)
	pub := client(t, addr, 2)
	for _, proto := range []int{2, 3} {
		sub := client(t, addr, proto).Subscribe(ctx, "ch")
		if _, err := sub.Receive(ctx); err != nil { // the subscribe confirmation
			t.Fatal(err)
		}
		n, err := pub.Publish(ctx, "ch", "hello").Result()
		if err != nil || n != 1 {
			t.Fatalf("PUBLISH = %d, %v", n, err)
		}
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		msg, err := sub.ReceiveMessage(rctx)
		cancel()
		if err != nil {
			t.Fatalf("RESP%d: %v", proto, err)
		}
		if msg.Channel != "ch" || msg.Payload != "hello" {
			t.Fatalf("RESP%d: message %+v", proto, msg)
		}
		sub.Close()
		time.Sleep(50 * time.Millisecond) // let the unsubscribed session close
	}
}

func TestRequirePassRefused(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.DB = ":memory:"
	cfg.RequirePass = "secret"
	if srv, err := wasmhost.New(cfg); err == nil {
		srv.Close()
		t.Fatal("New accepted requirepass")
	}
}
