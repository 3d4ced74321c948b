package native_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/foliodb/folio/hosts/native"
)

func TestDoAndClient(t *testing.T) {
	ctx := context.Background()
	db, err := native.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Do(ctx, "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	v, err := db.Do(ctx, "GET", "k")
	if err != nil || v != "v" {
		t.Fatalf("GET: %v %v", v, err)
	}
	_, err = db.Do(ctx, "GET")
	if !errors.Is(err, native.ErrGeneric) {
		t.Fatalf("want ERR, got %v", err)
	}
	c := db.Client()
	defer c.Close()
	if err := c.Set(ctx, "x", "y", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, "x").Result(); err != nil || got != "y" {
		t.Fatalf("client GET: %q %v", got, err)
	}
}

// TestDoArguments checks Do's argument conversion: mixed kinds, byte
// slices held as they are, values that outgrow the reused buffer.
func TestDoArguments(t *testing.T) {
	db, err := native.Open(":memory:", native.WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	big := strings.Repeat("x", 100000)
	for i := 0; i < 3; i++ {
		if _, err := db.Do(ctx, "MSET", "s", "str", []byte("b"), []byte("bytes"), "i", 42, "i64", int64(-7), "f", 1.5, "big", big); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.Do(ctx, "MGET", "s", "b", "i", "i64", "f", "big")
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"str", "bytes", "42", "-7", "1.5", big}
	g := got.([]any)
	for i := range want {
		if g[i] != want[i] {
			t.Fatalf("MGET %d: got %.30q, want %.30q", i, g[i], want[i])
		}
	}
	if v, err := db.Do(ctx, "SET", "k", "v"); v != "OK" || err != nil {
		t.Fatalf("SET: %v %v", v, err)
	}
}
