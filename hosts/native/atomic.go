package native

import (
	"context"
	"errors"
	"strings"

	"github.com/foliodb/folio/core/resp"
)

// Batch runs commands inside DB.Atomic.
type Batch struct {
	s   *Session
	ctx context.Context
	err error
}

// Do runs one command in the batch. An error reply fails the whole batch:
// Atomic rolls back every write, whatever fn does with the error.
func (b *Batch) Do(args ...any) (any, error) {
	if b.err != nil {
		return nil, b.err
	}
	if err := b.ctx.Err(); err != nil {
		b.err = err
		return nil, err
	}
	bs := make([][]byte, len(args))
	for i, a := range args {
		bs[i] = toBytes(a)
	}
	b.s.w.B = b.s.w.B[:0]
	b.s.db.eng.Exec(b.s.s, bs, &b.s.w)
	v, err := resp.NewReader(strings.NewReader(string(b.s.w.B))).Read()
	if err != nil {
		b.err = err
		return nil, err
	}
	out, err := toGo(v)
	if err != nil {
		b.err = err
	}
	return out, err
}

// ErrAtomicMulti is returned when an atomic batch leaves a MULTI open.
var ErrAtomicMulti = errors.New("native: MULTI left open in an atomic batch")

// Atomic runs fn as an all-or-nothing batch on a fresh session: every
// command fn runs through b applies in one store transaction, and if any
// command fails (an error reply, a store error) or fn returns an error,
// every write of the batch is rolled back. Other callers wait until it ends.
//
//	err := db.Atomic(ctx, func(b *native.Batch) error {
//		b.Do("DECRBY", "stock:42", 1)
//		_, err := b.Do("LPUSH", "orders", "42")
//		return err
//	})
func (db *DB) Atomic(ctx context.Context, fn func(b *Batch) error) error {
	s := db.NewSession()
	defer s.Close()
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return ErrClosed
	}
	b := &Batch{s: s, ctx: ctx}
	err := db.eng.Atomic(func() error {
		if err := fn(b); err != nil {
			return err
		}
		if b.err != nil {
			return b.err
		}
		if s.s.InMulti() {
			return ErrAtomicMulti
		}
		return nil
	})
	db.dispatchLocked()
	return err
}
