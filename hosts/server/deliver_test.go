package server_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/foliodb/folio/hosts/server/foliotest"
)

func TestPubSubOverTCP(t *testing.T) {
	srv := foliotest.Run(t)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr(), Protocol: proto})
		ps := c.PSubscribe(ctx, "news.*")
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		pub := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		if n, err := pub.Publish(ctx, "news.tech", "hello").Result(); err != nil || n != 1 {
			t.Fatalf("RESP%d PUBLISH: %d %v", proto, n, err)
		}
		m, err := ps.ReceiveMessage(ctx)
		if err != nil || m.Payload != "hello" || m.Channel != "news.tech" || m.Pattern != "news.*" {
			t.Fatalf("RESP%d message %+v %v", proto, m, err)
		}
		ps.Close()
		pub.Close()
		c.Close()
	}
}

func TestBlockingServedInOrderOverTCP(t *testing.T) {
	srv := foliotest.Run(t)
	ctx := context.Background()
	const n = 20
	got := make([]int, n) // the score each client received
	var wg sync.WaitGroup
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer admin.Close()
	for i := 0; i < n; i++ {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr(), ReadTimeout: -1})
		defer c.Close()
		c.Ping(ctx)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v, err := c.BZPopMin(ctx, 0, "q").Result()
			if err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			got[i] = int(v.Score)
		}(i)
		// Wait until this client is parked before the next one blocks.
		deadline := time.Now().Add(5 * time.Second)
		for {
			info := admin.Info(ctx, "clients").Val()
			if blockedClients(info) == i+1 || time.Now().After(deadline) {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	for i := 0; i < n; i++ {
		admin.ZAdd(ctx, "q", redis.Z{Score: float64(i), Member: i})
	}
	wg.Wait()
	// FIFO: the i-th client to block gets the i-th element added. (The
	// order in which the clients' goroutines see their replies is the Go
	// scheduler's, so it is not what is checked.)
	for i, v := range got {
		if v != i {
			t.Fatalf("blocked clients served out of order: client i got %v", got)
		}
	}
	// A timeout answers nil.
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer c.Close()
	done := make(chan error, 1)
	go func() { done <- c.BZPopMin(ctx, 5*time.Second, "empty").Err() }()
	for blockedClients(admin.Info(ctx, "clients").Val()) != 1 {
		time.Sleep(2 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("answered before its timeout on the virtual clock: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	srv.FastForward(6 * time.Second)
	select {
	case err := <-done:
		if err != redis.Nil {
			t.Fatalf("timeout reply: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no timeout reply after the virtual clock passed the deadline")
	}
}

func blockedClients(info string) int {
	const key = "blocked_clients:"
	for i := 0; i+len(key) <= len(info); i++ {
		if info[i:i+len(key)] == key {
			n := 0
			for j := i + len(key); j < len(info) && info[j] >= '0' && info[j] <= '9'; j++ {
				n = n*10 + int(info[j]-'0')
			}
			return n
		}
	}
	return -1
}
