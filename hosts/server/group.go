package server

import (
	"github.com/tidwall/redcon"

	"github.com/foliodb/folio/core/store"
)

// beginGroup opens a group commit for a batch of c's commands when the
// store supports it (the SQLite store) and c's replies go out in order from
// its own goroutine (not through the delivery queue). Called with the engine
// locked.
func (s *Server) beginGroup(c *conn) store.Grouper {
	g, ok := s.st.(store.Grouper)
	if !ok || c.queued {
		return nil
	}
	if err := g.BeginGroup(); err != nil {
		s.logf(levelWarning, "group commit: %v", err)
		return nil
	}
	return g
}

// endGroup commits the group. If the commit fails, none of the batch's
// writes happened: every reply of the group is replaced by the error, so
// no write is acknowledged that was not made durable.
func (s *Server) endGroup(c *conn, g store.Grouper, start, n int) {
	err := g.EndGroup()
	if err == nil {
		return
	}
	s.logf(levelWarning, "group commit failed: %v", err)
	c.out.B = c.out.B[:start]
	for i := 0; i < n; i++ {
		c.out.B = redcon.AppendError(c.out.B, "ERR store failure: "+err.Error())
	}
	// The engine cached state the lost group wrote (the database map).
	s.eng.Reload()
}
