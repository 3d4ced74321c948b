package native_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/foliodb/folio/hosts/native"
)

// Open a database file, run commands, and use go-redis in process.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "folio-example")
	defer os.RemoveAll(dir)

	db, err := native.Open(filepath.Join(dir, "app.db")) // or ":memory:"
	if err != nil {
		panic(err)
	}
	defer db.Close()

	db.Do(ctx, "SET", "greeting", "hello")
	v, _ := db.Do(ctx, "GET", "greeting")
	fmt.Println(v)

	db.Do(ctx, "RPUSH", "queue", "a", "b", "c")
	items, _ := db.Do(ctx, "LRANGE", "queue", 0, -1)
	fmt.Println(items)

	_, err = db.Do(ctx, "INCR", "greeting")
	fmt.Println(errors.Is(err, native.ErrGeneric), err)

	_, err = db.Do(ctx, "LPUSH", "greeting", "x")
	fmt.Println(errors.Is(err, native.ErrWrongType))

	rdb := db.Client() // a go-redis client, no TCP
	defer rdb.Close()
	n, _ := rdb.Incr(ctx, "visits").Result()
	fmt.Println(n)
	// Output:
	// hello
	// [a b c]
	// true ERR value is not an integer or out of range
	// true
	// 1
}

// An all-or-nothing batch: when any command fails, every write rolls back.
func ExampleDB_Atomic() {
	ctx := context.Background()
	db, _ := native.Open(":memory:")
	defer db.Close()
	db.Do(ctx, "SET", "stock", "1")
	err := db.Atomic(ctx, func(b *native.Batch) error {
		b.Do("DECR", "stock")
		_, err := b.Do("HSET", "stock", "f", "v") // WRONGTYPE: the DECR is undone
		return err
	})
	v, _ := db.Do(ctx, "GET", "stock")
	fmt.Println(errors.Is(err, native.ErrWrongType), v)
	// Output: true 1
}
