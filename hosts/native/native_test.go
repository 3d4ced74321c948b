package native_test

import (
	"context"
	"errors"
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
