package native

import (
	"sync"
	"time"
)

// Clock is a virtual clock for tests: keys expire and blocking commands
// time out when the test says so, not when the wall clock does.
//
//	clk := native.NewClock(time.Unix(1700000000, 0))
//	db, _ := native.Open(":memory:", native.WithVirtualClock(clk))
//	db.Do(ctx, "SET", "k", "v", "EX", 10)
//	clk.Advance(11 * time.Second) // GET k now answers nil
type Clock struct {
	mu  sync.Mutex
	now time.Time
	dbs []*DB
}

// NewClock returns a clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward and fires deadlines that passed.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves the clock to t and fires deadlines that passed.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	dbs := append([]*DB(nil), c.dbs...)
	c.mu.Unlock()
	for _, db := range dbs {
		db.housekeep()
	}
}

// WithVirtualClock runs the database on clk.
func WithVirtualClock(clk *Clock) Option {
	return func(c *config) { c.now = clk.Now; c.virtual = clk }
}

// ExpireNow runs active expiry at once (with a virtual clock nothing runs
// in the background): keys whose time passed are deleted and their
// notifications sent.
func (db *DB) ExpireNow() { db.housekeep() }
