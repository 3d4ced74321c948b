package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"

	"github.com/foliodb/folio/hosts/server/foliotest"
)

// TestRueidisClientSideCaching runs rueidis in its default client-side
// caching mode (RESP3 CLIENT TRACKING with invalidation pushes) against a
// folio-server: a cached read, a write by another client, and the next read
// sees the new value because the server invalidated the cached one.
func TestRueidisClientSideCaching(t *testing.T) {
	s := foliotest.Run(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	reader, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{s.Addr()}, DisableRetry: true})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	writer, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{s.Addr()}, DisableCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()

	if err := writer.Do(ctx, writer.B().Set().Key("k").Value("v1").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	get := func() (string, bool) {
		t.Helper()
		r := reader.DoCache(ctx, reader.B().Get().Key("k").Cache(), time.Minute)
		v, err := r.ToString()
		if err != nil {
			t.Fatal(err)
		}
		return v, r.IsCacheHit()
	}
	if v, hit := get(); v != "v1" || hit {
		t.Fatalf("first read: %q (cache hit %v), want v1 from the server", v, hit)
	}
	if v, hit := get(); v != "v1" || !hit {
		t.Fatalf("second read: %q (cache hit %v), want v1 from the cache", v, hit)
	}

	if err := writer.Do(ctx, writer.B().Set().Key("k").Value("v2").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	// The invalidation is pushed asynchronously; it arrives promptly.
	deadline := time.Now().Add(2 * time.Second)
	for {
		v, hit := get()
		if v == "v2" {
			if hit {
				t.Logf("v2 served from the re-filled cache")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after another client's SET the cached read still says %q", v)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if v, hit := get(); v != "v2" || !hit {
		t.Fatalf("read after refill: %q (cache hit %v), want v2 from the cache", v, hit)
	}

	// A delete invalidates too.
	if err := writer.Do(ctx, writer.B().Del().Key("k").Build()).Error(); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(2 * time.Second)
	for {
		r := reader.DoCache(ctx, reader.B().Get().Key("k").Cache(), time.Minute)
		if rueidis.IsRedisNil(r.Error()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after DEL the cached read still says %v", r)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTrackingRedirectRESP2 is the RESP2 form of tracking over TCP: the
// invalidations of a go-redis connection are redirected to another
// connection subscribed to __redis__:invalidate, as Pub/Sub messages.
func TestTrackingRedirectRESP2(t *testing.T) {
	s := foliotest.Run(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	target, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	target.SetDeadline(time.Now().Add(5 * time.Second))
	rd := bufio.NewReader(target)
	readAll := func(n int) string { // n RESP lines
		t.Helper()
		var b strings.Builder
		for i := 0; i < n; i++ {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("after %q: %v", b.String(), err)
			}
			b.WriteString(line)
		}
		return b.String()
	}
	fmt.Fprint(target, "CLIENT ID\r\n")
	id := strings.TrimSpace(strings.TrimPrefix(readAll(1), ":"))
	fmt.Fprint(target, "SUBSCRIBE __redis__:invalidate\r\n")
	readAll(6)

	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2})
	defer rdb.Close()
	conn := rdb.Conn() // tracking belongs to one connection
	defer conn.Close()
	if err := conn.Do(ctx, "CLIENT", "TRACKING", "ON", "REDIRECT", id).Err(); err != nil {
		t.Fatal(err)
	}
	if err := conn.Get(ctx, "k").Err(); err != redis.Nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	want := "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n"
	if got := readAll(8); got != want {
		t.Fatalf("redirect target got %q, want %q", got, want)
	}
}
