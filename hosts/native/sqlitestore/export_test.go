package sqlitestore

import "time"

// Held reports whether the store holds a read snapshot between
// transactions (for tests).
func (s *Store) Held() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// SetIdleHold sets how long an unused snapshot is held (for tests).
func (s *Store) SetIdleHold(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idleHold = d
	s.idle.Stop()
	s.idleArmed = false
}
