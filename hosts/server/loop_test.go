package server_test

import (
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/foliodb/folio/hosts/server"
	"github.com/foliodb/folio/hosts/server/foliotest"
)

// Both ways of serving connections give the same replies, including a
// connection that leaves the event loop for a goroutine (SUBSCRIBE) and a
// blocking command served by another client.
func TestServingModes(t *testing.T) {
	for _, perConn := range []bool{false, true} {
		s := foliotest.Run(t, foliotest.WithConfig(func(c *server.Config) { c.GoroutinePerConn = perConn }))
		ctx := context.Background()
		rc := redis.NewClient(&redis.Options{Addr: s.Addr()})
		if err := rc.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if v, err := rc.Get(ctx, "k").Result(); err != nil || v != "v" {
			t.Fatalf("per-conn %v: GET = %q, %v", perConn, v, err)
		}
		sub := rc.Subscribe(ctx, "ch")
		if _, err := sub.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		if err := rc.Publish(ctx, "ch", "hi").Err(); err != nil {
			t.Fatal(err)
		}
		if m, err := sub.ReceiveMessage(ctx); err != nil || m.Payload != "hi" {
			t.Fatalf("per-conn %v: message %v, %v", perConn, m, err)
		}
		sub.Close()
		done := make(chan []string, 1)
		go func() {
			v, _ := rc.BLPop(ctx, 5*time.Second, "list").Result()
			done <- v
		}()
		time.Sleep(100 * time.Millisecond)
		rc.RPush(ctx, "list", "x")
		if v := <-done; len(v) != 2 || v[1] != "x" {
			t.Fatalf("per-conn %v: BLPOP = %v", perConn, v)
		}
		rc.Close()
	}
}

// A client that sends requests and never reads the replies: the loop stops
// reading from it once the socket takes no more replies, so the server's
// memory stays bounded; other clients are served meanwhile.
func TestLoopClientNotReading(t *testing.T) {
	s := foliotest.Run(t)
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer rc.Close()
	rc.Set(ctx, "big", strings.Repeat("x", 1<<20), 0)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// 40 MB of requests for 1 MB replies each: far more than the socket
	// buffers hold, so the writes stop once the server stops reading.
	const total = 1 << 20
	req := []byte(strings.Repeat("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n", 1024))
	nc.SetWriteDeadline(time.Now().Add(3 * time.Second))
	sent := 0
	for sent < total {
		if _, err := nc.Write(req); err != nil {
			break // the server stopped reading: the socket buffers are full
		}
		sent += 1024
	}
	if sent >= total {
		t.Fatalf("the server read %d requests of 1 MB replies from a client that reads nothing", sent)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grow := int64(after.HeapAlloc) - int64(before.HeapAlloc); grow > 256<<20 {
		t.Fatalf("heap grew by %d MB for a client that reads nothing", grow>>20)
	}
	if err := rc.Ping(ctx).Err(); err != nil {
		t.Fatalf("another client: %v", err)
	}
	t.Logf("%d requests taken before the server stopped reading", sent)
}
