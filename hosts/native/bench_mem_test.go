package native_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/foliodb/folio/conformance/transcript"
	"github.com/foliodb/folio/hosts/native"
	"github.com/redis/go-redis/v9"
)

// Benchmarks of the in-process paths on the memory store, and of the same
// loop through go-redis to a real redis-server on loopback. Run them with
// `make bench`.

func openMem(b *testing.B) *native.DB {
	b.Helper()
	db, err := native.Open(":memory:", native.WithSeed(1))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if _, err := db.Do(ctx, "SET", "key", "value"); err != nil {
		b.Fatal(err)
	}
	return db
}

func BenchmarkDoGet(b *testing.B) {
	db := openMem(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.Do(ctx, "GET", "key"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDoSet(b *testing.B) {
	db := openMem(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.Do(ctx, "SET", "key", "value"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClientGet(b *testing.B) {
	c := openMem(b).Client()
	defer c.Close()
	benchGet(b, c)
}

func BenchmarkClientSet(b *testing.B) {
	c := openMem(b).Client()
	defer c.Close()
	benchSet(b, c)
}

func BenchmarkRedisGet(b *testing.B) {
	c := redisClient(b)
	benchGet(b, c)
}

func BenchmarkRedisSet(b *testing.B) {
	c := redisClient(b)
	benchSet(b, c)
}

func benchGet(b *testing.B, c *redis.Client) {
	ctx := context.Background()
	if err := c.Set(ctx, "key", "value", 0).Err(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Get(ctx, "key").Err(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSet(b *testing.B, c *redis.Client) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Set(ctx, "key", "value", 0).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// redisClient starts a redis-server for the benchmark and returns a
// go-redis client to it, or skips.
func redisClient(b *testing.B) *redis.Client {
	b.Helper()
	r, err := transcript.StartRedis()
	if err != nil {
		if errors.Is(err, transcript.ErrNoRedis) && os.Getenv("FOLIO_REQUIRE_REDIS") != "1" {
			b.Skipf("skipping: %v", err)
		}
		b.Fatal(err)
	}
	b.Cleanup(r.Close)
	c := redis.NewClient(&redis.Options{Addr: r.Addr, Protocol: 2})
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkInProcessVsRedis runs one GET+SET round of each path in turn, so
// that both see the same machine load, and reports how many times faster
// than go-redis to redis-server on loopback the in-process paths are: Do
// (the library call) and Client (go-redis wired in-process).
func BenchmarkInProcessVsRedis(b *testing.B) {
	ctx := context.Background()
	db := openMem(b)
	local := db.Client()
	defer local.Close()
	remote := redisClient(b)
	if err := remote.Set(ctx, "key", "value", 0).Err(); err != nil {
		b.Fatal(err)
	}
	const batch = 64
	var tDo, tClient, tRedis time.Duration
	rounds := 0
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		for range batch {
			db.Do(ctx, "SET", "key", "value")
			db.Do(ctx, "GET", "key")
		}
		t1 := time.Now()
		for range batch {
			local.Set(ctx, "key", "value", 0)
			local.Get(ctx, "key")
		}
		t2 := time.Now()
		for range batch {
			remote.Set(ctx, "key", "value", 0)
			remote.Get(ctx, "key")
		}
		t3 := time.Now()
		tDo += t1.Sub(t0)
		tClient += t2.Sub(t1)
		tRedis += t3.Sub(t2)
		rounds++
	}
	ops := float64(rounds * batch * 2)
	b.ReportMetric(float64(tDo.Nanoseconds())/ops, "do-ns/op")
	b.ReportMetric(float64(tClient.Nanoseconds())/ops, "client-ns/op")
	b.ReportMetric(float64(tRedis.Nanoseconds())/ops, "redis-ns/op")
	b.ReportMetric(float64(tRedis)/float64(tDo), "do-x-faster")
	b.ReportMetric(float64(tRedis)/float64(tClient), "client-x-faster")
}
