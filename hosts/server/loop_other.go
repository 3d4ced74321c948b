//go:build !linux

package server

// Without epoll every connection has a goroutine of its own.
type eventLoop struct{}

func newEventLoop(*Server) *eventLoop { return nil }
func (*eventLoop) add(*conn) bool     { return false }
func (*eventLoop) run()               {}
func (*eventLoop) wake()              {}
func shutdownFD(int)                  {}

func totalSystemMemory() uint64 { return 0 }
