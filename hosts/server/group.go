package server

import (
	"runtime"
	"time"

	"github.com/tidwall/redcon"
)

// Group commit. With a store that implements store.Grouper (the SQLite
// store), the commands of every connection run inside one open group until
// the committer goroutine commits it; then all their replies go out. A
// commit costs the same for one write as for a thousand, so under load
// each commit carries the writes of many connections, as Redis's
// appendfsync always batches the writes of one event-loop turn.
//
// Nothing produced inside a group leaves the server before the group is
// durable: a connection waits for the commit before it writes its replies,
// and bytes queued for a push client (pub/sub, MONITOR, a served blocked
// command) are held back until then (conn.enqueue).

// group is one open group commit.
type group struct {
	done chan struct{} // closed once the group is committed or lost
	err  error         // the commit's error; set before done is closed
	held []*conn       // push clients with output held for this group
}

// joinGroup returns the open group, opening one if none is, or nil when
// the store has no group commit (or cannot open one now: the commands then
// commit one by one). Called with the engine locked.
func (s *Server) joinGroup() *group {
	if s.grouper == nil {
		return nil
	}
	if s.grp != nil {
		s.stats.groupBatches.Add(1)
		return s.grp
	}
	if err := s.grouper.BeginGroup(); err != nil {
		s.logf(levelWarning, "group commit: %v", err)
		return nil
	}
	s.grp = &group{done: make(chan struct{})}
	s.stats.groupBatches.Add(1)
	select {
	case s.commitWake <- struct{}{}:
	default:
	}
	return s.grp
}

// While connections keep joining the open group, the committer waits for
// more, up to maxGather after it was woken; it commits once no connection
// joined for gatherQuiet. A commit costs about the same for one batch as
// for fifty, so under load each commit carries many connections' writes,
// and a lone client waits at most gatherQuiet more.
const (
	maxGather   = 1 * time.Millisecond
	gatherQuiet = 30 * time.Microsecond
)

// committer commits open groups until stop is closed, then commits the
// last one.
func (s *Server) committer(stop <-chan struct{}) {
	defer s.cwg.Done()
	for {
		select {
		case <-s.commitWake:
		case <-stop:
			s.mu.Lock()
			s.commitLocked()
			s.mu.Unlock()
			return
		}
		start := time.Now()
		joins, quietSince := s.stats.groupBatches.Load(), start
		for {
			runtime.Gosched()
			now := time.Now()
			if j := s.stats.groupBatches.Load(); j != joins || s.waiting.Load() > 0 {
				joins, quietSince = j, now
			}
			if now.Sub(quietSince) >= gatherQuiet || now.Sub(start) >= maxGather {
				break
			}
		}
		s.mu.Lock()
		s.commitLocked()
		s.mu.Unlock()
	}
}

// commitLocked commits the open group, if any, and releases what waited
// for it. If the commit fails, none of the group's writes happened: the
// engine reloads its cached state, connections waiting for the group
// answer their commands with the error, and push clients with held output
// are disconnected rather than told of writes that were lost. Called with
// the engine locked.
func (s *Server) commitLocked() {
	g := s.grp
	if g == nil {
		return
	}
	s.grp = nil
	g.err = s.grouper.EndGroup()
	s.stats.groupCommits.Add(1)
	if g.err != nil {
		s.logf(levelWarning, "group commit failed: %v", g.err)
		s.eng.Reload()
	}
	for _, c := range g.held {
		c.release(g.err == nil)
	}
	close(g.done)
}

// awaitGroup waits until g is durable. If it was lost, the n replies
// starting at out.B[start:] are replaced by the error, so no write is
// acknowledged that was not made durable.
func (c *conn) awaitGroup(g *group, start, n int) {
	<-g.done
	if g.err == nil {
		return
	}
	c.out.B = c.out.B[:start]
	for i := 0; i < n; i++ {
		c.out.B = redcon.AppendError(c.out.B, "ERR store failure: "+g.err.Error())
	}
}
