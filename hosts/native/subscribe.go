package native

import (
	"context"
	"strings"
	"sync"

	"github.com/foliodb/folio/core/resp"
)

// Message is one pub/sub message.
type Message struct {
	Channel string
	Pattern string // set for pattern subscriptions
	Payload string
}

// Subscription receives messages for its channels and patterns.
type Subscription struct {
	s    *Session
	ch   chan Message
	once sync.Once
	stop chan struct{}
}

// Subscribe subscribes to channels; names holding glob characters are not
// special here: use PSubscribe for patterns.
func (db *DB) Subscribe(ctx context.Context, channels ...string) (*Subscription, error) {
	return db.subscribe(ctx, "SUBSCRIBE", channels)
}

// PSubscribe subscribes to channel patterns.
func (db *DB) PSubscribe(ctx context.Context, patterns ...string) (*Subscription, error) {
	return db.subscribe(ctx, "PSUBSCRIBE", patterns)
}

func (db *DB) subscribe(ctx context.Context, cmd string, names []string) (*Subscription, error) {
	s := db.NewSession()
	args := []any{cmd}
	for _, n := range names {
		args = append(args, n)
	}
	if _, err := s.Raw(ctx, args...); err != nil {
		s.Close()
		return nil, err
	}
	sub := &Subscription{s: s, ch: make(chan Message, 256), stop: make(chan struct{})}
	go sub.run()
	return sub, nil
}

// Channel returns the messages; it is closed by Close.
func (sub *Subscription) Channel() <-chan Message { return sub.ch }

// Close unsubscribes and closes the channel.
func (sub *Subscription) Close() error {
	sub.once.Do(func() {
		close(sub.stop)
		sub.s.Close()
	})
	return nil
}

func (sub *Subscription) run() {
	defer close(sub.ch)
	for {
		select {
		case <-sub.stop:
			return
		case <-sub.s.sink.notify:
		}
		for _, b := range sub.s.sink.take() {
			rd := resp.NewReader(strings.NewReader(string(b)))
			for {
				v, err := rd.Read()
				if err != nil {
					break
				}
				var m Message
				switch {
				case len(v.Elems) == 3 && v.Elems[0].Str == "message":
					m = Message{Channel: v.Elems[1].Str, Payload: v.Elems[2].Str}
				case len(v.Elems) == 4 && v.Elems[0].Str == "pmessage":
					m = Message{Pattern: v.Elems[1].Str, Channel: v.Elems[2].Str, Payload: v.Elems[3].Str}
				default:
					continue
				}
				select {
				case sub.ch <- m:
				case <-sub.stop:
					return
				}
			}
		}
	}
}
