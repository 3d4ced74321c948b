package wasm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/foliodb/folio/wasm"
)

func TestBlocking(t *testing.T) {
	db := open(t)
	a, _ := db.NewSession()
	b, _ := db.NewSession()
	got := make(chan string, 1)
	go func() {
		r, err := a.Raw(ctx, "BZPOPMIN", "z", "0")
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(r)
	}()
	select {
	case r := <-got:
		t.Fatalf("BZPOPMIN on an empty key returned at once: %q", r)
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := b.Do(ctx, "ZADD", "z", "1", "m"); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r != "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n" {
			t.Fatalf("woken BZPOPMIN: %q", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("BZPOPMIN not woken by ZADD from another session")
	}
	// A timeout answers the null reply after the deadline.
	start := time.Now()
	r, err := a.Raw(ctx, "BZPOPMIN", "nothing", "0.2")
	if err != nil || string(r) != "*-1\r\n" {
		t.Fatalf("BZPOPMIN timeout: %q %v", r, err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("BZPOPMIN timed out after %v, want 200ms", d)
	}
}

func TestPubSubClient(t *testing.T) {
	db := open(t)
	c := db.Client()
	defer c.Close()
	sub := c.Subscribe(ctx, "news")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil { // the subscribe confirmation
		t.Fatal(err)
	}
	if n, err := c.Publish(ctx, "news", "hello").Result(); err != nil || n != 1 {
		t.Fatalf("PUBLISH: %d %v", n, err)
	}
	select {
	case m := <-sub.Channel():
		if m.Channel != "news" || m.Payload != "hello" {
			t.Fatalf("message: %+v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message delivered")
	}
}

func TestCloseWakesBlocked(t *testing.T) {
	db, err := wasm.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := db.NewSession()
	done := make(chan error, 1)
	go func() {
		_, err := s.Raw(ctx, "BZPOPMIN", "z", "0")
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	db.Close()
	select {
	case err := <-done:
		if !errors.Is(err, wasm.ErrClosed) {
			t.Fatalf("blocked call after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake a blocked call")
	}
}

func TestContextCancelsBlocked(t *testing.T) {
	db := open(t)
	c, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := db.Raw(c, "BZPOPMIN", "z", "0"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want DeadlineExceeded, got %v", err)
	}
	// The session is usable again and no longer waits on z.
	db.Do(ctx, "ZADD", "z", "1", "m")
	if v, err := db.Do(ctx, "ZCARD", "z"); err != nil || v != int64(1) {
		t.Fatalf("ZCARD after the cancelled wait: %v %v", v, err)
	}
}
