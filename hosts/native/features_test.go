package native_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/hosts/native"
)

func open(t *testing.T) *native.DB {
	t.Helper()
	db, err := native.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestAtomicRollsBackEveryWrite(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	db.Do(ctx, "SET", "a", "1")
	err := db.Atomic(ctx, func(b *native.Batch) error {
		b.Do("SET", "a", "2")
		b.Do("SET", "b", "x")
		_, err := b.Do("INCR", "b") // fails: not an integer
		return err
	})
	if err == nil {
		t.Fatal("atomic batch with a failing command succeeded")
	}
	if v, _ := db.Do(ctx, "GET", "a"); v != "1" {
		t.Fatalf("a = %v after rollback, want 1", v)
	}
	if v, _ := db.Do(ctx, "GET", "b"); v != nil {
		t.Fatalf("b = %v after rollback, want nil", v)
	}
	// An error ignored by fn still fails the batch.
	err = db.Atomic(ctx, func(b *native.Batch) error {
		b.Do("SET", "a", "3")
		b.Do("NOSUCHCOMMAND")
		return nil
	})
	if err == nil {
		t.Fatal("ignored error did not fail the batch")
	}
	if v, _ := db.Do(ctx, "GET", "a"); v != "1" {
		t.Fatalf("a = %v, want 1", v)
	}
	if err := db.Atomic(ctx, func(b *native.Batch) error {
		_, err := b.Do("SET", "a", "4")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.Do(ctx, "GET", "a"); v != "4" {
		t.Fatalf("a = %v, want 4", v)
	}
}

func TestMultiWatchAcrossSessions(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	s1, s2 := db.NewSession(), db.NewSession()
	s1.Do(ctx, "WATCH", "k")
	s2.Do(ctx, "SET", "k", "other")
	s1.Do(ctx, "MULTI")
	s1.Do(ctx, "SET", "k", "mine")
	v, err := s1.Do(ctx, "EXEC")
	if err != nil || v != nil {
		t.Fatalf("EXEC after a watched write: %v %v, want nil (aborted)", v, err)
	}
	s1.Do(ctx, "MULTI")
	s1.Do(ctx, "SET", "k", "mine")
	s1.Do(ctx, "GET")
	if _, err := s1.Do(ctx, "EXEC"); !errors.Is(err, native.ErrExecAbort) {
		t.Fatalf("want EXECABORT, got %v", err)
	}
}

func TestSubscribe(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	sub, err := db.PSubscribe(ctx, "news.*")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	n, err := db.Do(ctx, "PUBLISH", "news.tech", "hello")
	if err != nil || n != int64(1) {
		t.Fatalf("PUBLISH: %v %v", n, err)
	}
	select {
	case m := <-sub.Channel():
		if m.Channel != "news.tech" || m.Payload != "hello" || m.Pattern != "news.*" {
			t.Fatalf("message %+v", m)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no message")
	}
	// go-redis PubSub through the in-process client.
	c := db.Client()
	defer c.Close()
	ps := c.Subscribe(ctx, "chat")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(ctx, "chat", "hi").Err(); err != nil {
		t.Fatal(err)
	}
	m, err := ps.ReceiveMessage(ctx)
	if err != nil || m.Payload != "hi" {
		t.Fatalf("go-redis message: %+v %v", m, err)
	}
}

func TestVirtualClockExpiryAndBlocking(t *testing.T) {
	ctx := context.Background()
	clk := native.NewClock(time.Unix(1700000000, 0))
	db, err := native.Open(":memory:", native.WithVirtualClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Do(ctx, "SET", "k", "v", "EX", 10)
	clk.Advance(9 * time.Second)
	if v, _ := db.Do(ctx, "GET", "k"); v != "v" {
		t.Fatalf("GET before expiry: %v", v)
	}
	clk.Advance(2 * time.Second)
	if v, _ := db.Do(ctx, "GET", "k"); v != nil {
		t.Fatalf("GET after expiry: %v", v)
	}
	if n, _ := db.Do(ctx, "DBSIZE"); n != int64(0) {
		t.Fatalf("DBSIZE after ExpireNow: %v", n)
	}
	// A blocking command waits until another session pushes.
	s := db.NewSession()
	done := make(chan any, 1)
	go func() {
		v, err := s.Do(ctx, "BLPOP", "q", 0)
		if err != nil {
			v = err
		}
		done <- v
	}()
	for {
		info, _ := db.Do(ctx, "INFO", "clients")
		if strings.Contains(info.(string), "blocked_clients:1") {
			break
		}
		time.Sleep(time.Millisecond)
	}
	db.Do(ctx, "RPUSH", "q", "job")
	if v := <-done; fmt.Sprint(v) != "[q job]" {
		t.Fatalf("BLPOP: %v", v)
	}
	// Its timeout follows the virtual clock; a cancelled context ends it.
	go func() {
		v, err := s.Do(ctx, "BLPOP", "q", 5)
		if err != nil {
			v = err
		}
		done <- v
	}()
	time.Sleep(20 * time.Millisecond)
	clk.Advance(6 * time.Second)
	if v := <-done; v != nil {
		t.Fatalf("BLPOP timeout: %v", v)
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		_, err := s.Do(cctx, "BLPOP", "q", 0)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if v := <-done; v != context.Canceled {
		t.Fatalf("cancelled BLPOP: %v", v)
	}
	if info, _ := db.Do(ctx, "INFO", "clients"); !strings.Contains(info.(string), "blocked_clients:0") {
		t.Fatalf("a cancelled wait left a blocked client: %v", info)
	}
}
