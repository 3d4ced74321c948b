package server_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/foliodb/folio/conformance/transcript"
	"github.com/foliodb/folio/hosts/server/foliotest"
)

// TestWakeupLatency measures how long a client blocked in BLPOP over TCP
// waits between another client's LPUSH being sent and its own reply
// arriving. It logs p50/p99 (the target is p99 < 1 ms) and asserts only
// that every round was served.
//
//	go test ./hosts/server -run TestWakeupLatency -v
func TestWakeupLatency(t *testing.T) {
	s := foliotest.Run(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	blocker := redis.NewClient(&redis.Options{Addr: s.Addr(), ReadTimeout: -1})
	defer blocker.Close()
	pusher := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer pusher.Close()

	rounds := 2000
	if testing.Short() {
		rounds = 200
	}
	got := make(chan time.Time)
	errc := make(chan error, 1)
	go func() {
		for i := 0; i < rounds; i++ {
			if _, err := blocker.BLPop(ctx, 0, "wake").Result(); err != nil {
				errc <- err
				return
			}
			got <- time.Now()
		}
	}()
	lat := make([]time.Duration, 0, rounds)
	for i := 0; i < rounds; i++ {
		// Wait until the blocker is parked, so each round measures a wake-up.
		for {
			info, err := pusher.Info(ctx, "clients").Result()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(info, "blocked_clients:1\r\n") {
				break
			}
			select {
			case err := <-errc:
				t.Fatal(err)
			default:
			}
		}
		start := time.Now()
		if err := pusher.LPush(ctx, "wake", "x").Err(); err != nil {
			t.Fatal(err)
		}
		select {
		case at := <-got:
			lat = append(lat, at.Sub(start))
		case err := <-errc:
			t.Fatal(err)
		case <-ctx.Done():
			t.Fatalf("round %d: the blocked client was not woken", i)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	t.Logf("BLPOP wake-up over TCP, %d rounds: p50 %v, p99 %v, max %v (target p99 < 1ms)", len(lat), p(0.50), p(0.99), lat[len(lat)-1])
}

// TestFanOutVsRedis publishes to 1,000 go-redis subscribers over TCP and
// compares messages delivered per second with a real redis-server in the
// same run. Gated by FOLIO_BENCH=1 (it opens 2,000 connections).
//
//	FOLIO_BENCH=1 go test ./hosts/server -run TestFanOutVsRedis -v
func TestFanOutVsRedis(t *testing.T) {
	if os.Getenv("FOLIO_BENCH") != "1" {
		t.Skip("set FOLIO_BENCH=1 to run the fan-out figure")
	}
	const subscribers, messages = 1000, 50
	folio := foliotest.Run(t)
	folioRate := fanOut(t, folio.Addr(), subscribers, messages)

	r, err := transcript.StartRedis()
	if errors.Is(err, transcript.ErrNoRedis) || errors.Is(err, exec.ErrNotFound) {
		if os.Getenv("FOLIO_REQUIRE_REDIS") == "1" {
			t.Fatal(err)
		}
		t.Logf("folio: %.0f messages/s to %d subscribers", folioRate, subscribers)
		t.Skip("redis-server not installed: no ratio")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	redisRate := fanOut(t, r.Addr, subscribers, messages)
	t.Logf("PUBLISH fan-out to %d subscribers x %d messages: folio %.0f msg/s, redis-server %.0f msg/s, ratio %.2f",
		subscribers, messages, folioRate, redisRate, folioRate/redisRate)
}

// fanOut subscribes n go-redis clients to one channel, publishes m
// messages and returns deliveries per second until the last subscriber has
// all of them.
func fanOut(t *testing.T, addr string, n, m int) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	pub := redis.NewClient(&redis.Options{Addr: addr})
	defer pub.Close()
	subs := make([]*redis.PubSub, n)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	errs := make(chan error, n)
	for i := range subs {
		c := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 1})
		defer c.Close()
		ps := c.Subscribe(ctx, "fan")
		if _, err := ps.Receive(ctx); err != nil { // the subscribe confirmation
			t.Fatal(err)
		}
		subs[i] = ps
		defer ps.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			for k := 0; k < m; k++ {
				msg, err := ps.ReceiveMessage(ctx)
				if err != nil {
					errs <- err
					return
				}
				if want := fmt.Sprint(k); msg.Payload != want {
					errs <- fmt.Errorf("got %q, want %q", msg.Payload, want)
					return
				}
			}
		}()
	}
	if got := pub.PubSubNumSub(ctx, "fan").Val()["fan"]; got != int64(n) {
		t.Fatalf("%s: %d subscribers registered, want %d", addr, got, n)
	}
	close(ready)
	start := time.Now()
	for k := 0; k < m; k++ {
		if got, err := pub.Publish(ctx, "fan", fmt.Sprint(k)).Result(); err != nil || got != int64(n) {
			t.Fatalf("PUBLISH: %d receivers, %v", got, err)
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	return float64(n*m) / elapsed.Seconds()
}
