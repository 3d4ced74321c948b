package server_test

import (
	"context"
	"strconv"
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

// TestHundredClientsBlockedOnOneList: 100 go-redis clients block in BLPOP
// on one list, one after another; one RPUSH of 100 elements serves them in
// the order they blocked (client i gets element i).
func TestHundredClientsBlockedOnOneList(t *testing.T) {
	srv := foliotest.Run(t)
	ctx := context.Background()
	const n = 100
	got := make([]string, n)
	var wg sync.WaitGroup
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer admin.Close()
	for i := 0; i < n; i++ {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr(), ReadTimeout: -1, PoolSize: 1})
		defer c.Close()
		if err := c.Ping(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			v, err := c.BLPop(ctx, 0, "jobs").Result()
			if err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			got[i] = v[1]
		}(i)
		deadline := time.Now().Add(5 * time.Second)
		for blockedClients(admin.Info(ctx, "clients").Val()) != i+1 {
			if time.Now().After(deadline) {
				t.Fatalf("client %d did not block", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	elems := make([]any, n)
	for i := range elems {
		elems[i] = i
	}
	if err := admin.RPush(ctx, "jobs", elems...).Err(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, v := range got {
		if v != strconv.Itoa(i) {
			t.Fatalf("client %d (the %d-th to block) got %q: not first-come first-served: %v", i, i+1, v, got)
		}
	}
	if b := blockedClients(admin.Info(ctx, "clients").Val()); b != 0 {
		t.Fatalf("blocked_clients = %d after serving everyone", b)
	}
}

// TestClientUnblock: CLIENT UNBLOCK ends a BLPOP with its timeout reply,
// or with the UNBLOCKED error.
func TestClientUnblock(t *testing.T) {
	srv := foliotest.Run(t)
	ctx := context.Background()
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer admin.Close()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), ReadTimeout: -1, PoolSize: 1})
	defer c.Close()
	id, err := c.ClientID(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"TIMEOUT", "ERROR"} {
		done := make(chan error, 1)
		go func() { done <- c.BLPop(ctx, 0, "never").Err() }()
		for blockedClients(admin.Info(ctx, "clients").Val()) != 1 {
			time.Sleep(time.Millisecond)
		}
		if n, err := admin.Do(ctx, "CLIENT", "UNBLOCK", id, mode).Int(); err != nil || n != 1 {
			t.Fatalf("CLIENT UNBLOCK %s: %d %v", mode, n, err)
		}
		err := <-done
		if mode == "TIMEOUT" && err != redis.Nil {
			t.Fatalf("unblocked with TIMEOUT: %v, want nil reply", err)
		}
		if mode == "ERROR" && (err == nil || err.Error() != "UNBLOCKED client unblocked via CLIENT UNBLOCK") {
			t.Fatalf("unblocked with ERROR: %v", err)
		}
	}
	if n, _ := admin.Do(ctx, "CLIENT", "UNBLOCK", id).Int(); n != 0 {
		t.Fatalf("CLIENT UNBLOCK of a client that is not blocked: %d", n)
	}
}
