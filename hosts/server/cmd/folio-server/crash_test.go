package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/foliodb/folio/hosts/native"
)

// TestCrashKeepsAcknowledgedWrites runs the real folio-server on a SQLite
// file under a write load from several connections (pipelined, so group
// commit is exercised), kills it with SIGKILL at random moments, and after
// each kill checks on the reopened file that every acknowledged write is
// there and that no MULTI/EXEC pair is half applied.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "folio-server")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "crash.db")
	rng := rand.New(rand.NewPCG(1, 2))
	const kills = 20
	acked := map[string]string{}
	var ackedPairs []string
	totalAcked := 0
	for round := 0; round < kills; round++ {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		cmd := exec.Command(bin, "--port", itoa(port), "--db", file, "--loglevel", "warning")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		ctx := context.Background()
		ready := false
		for i := 0; i < 400 && !ready; i++ {
			c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
			ready = c.Ping(ctx).Err() == nil
			c.Close()
			if !ready {
				time.Sleep(10 * time.Millisecond)
			}
		}
		if !ready {
			cmd.Process.Kill()
			t.Fatal("server did not start")
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, PoolSize: 1})
				defer c.Close()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					key := fmt.Sprintf("r%d:w%d:n%d", round, w, n)
					if n%3 == 0 {
						// A transaction of two keys: both or neither.
						_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
							p.Set(ctx, key+":a", "1", 0)
							p.Set(ctx, key+":b", "1", 0)
							return nil
						})
						if err != nil {
							return
						}
						mu.Lock()
						ackedPairs = append(ackedPairs, key)
						mu.Unlock()
						continue
					}
					cmds, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
						for j := 0; j < 8; j++ {
							p.Set(ctx, fmt.Sprintf("%s:%d", key, j), key, 0)
						}
						return nil
					})
					if err != nil {
						return
					}
					mu.Lock()
					for j, cmd := range cmds {
						if cmd.Err() == nil {
							acked[fmt.Sprintf("%s:%d", key, j)] = key
						}
					}
					mu.Unlock()
				}
			}(w)
		}
		time.Sleep(time.Duration(50+rng.IntN(250)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		close(stop)
		wg.Wait()

		db, err := native.Open(file)
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		lost := 0
		for k, v := range acked {
			got, err := db.Do(ctx, "GET", k)
			if err != nil || got != v {
				lost++
			}
		}
		for _, k := range ackedPairs {
			a, _ := db.Do(ctx, "EXISTS", k+":a", k+":b")
			if a != int64(2) {
				t.Errorf("round %d: acknowledged MULTI/EXEC %s: %v of 2 keys", round, k, a)
			}
		}
		// Unacknowledged transactions are all or nothing too.
		keys, _ := db.Do(ctx, "KEYS", fmt.Sprintf("r%d:*:a", round))
		for _, k := range keys.([]any) {
			base := k.(string)[:len(k.(string))-2]
			if n, _ := db.Do(ctx, "EXISTS", base+":b"); n != int64(1) {
				t.Errorf("round %d: half-applied transaction %s", round, base)
			}
		}
		db.Close()
		if lost > 0 {
			t.Fatalf("round %d: %d acknowledged writes lost", round, lost)
		}
		totalAcked = len(acked) + len(ackedPairs)
	}
	t.Logf("%d SIGKILLs, %d acknowledged writes checked after each, 0 lost", kills, totalAcked)
}
