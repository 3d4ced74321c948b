package core

// Pub/Sub and the delivery of keyspace notifications.
// https://redis.io/commands/?group=pubsub
//
// The engine never sends: a message for another session is appended to that
// session's pending output, and the host drains it with TakeDeliveries after
// each call. A message for the running session goes straight into its reply,
// before the command's own reply, as Redis orders them.

import (
	"sort"
	"strconv"
	"strings"

	"github.com/foliodb/folio/core/resp"
)

func init() {
	register(map[string]Handler{
		"subscribe":            cmdSubscribe,
		"unsubscribe":          cmdUnsubscribe,
		"psubscribe":           cmdPsubscribe,
		"punsubscribe":         cmdPunsubscribe,
		"ssubscribe":           cmdSsubscribe,
		"sunsubscribe":         cmdSunsubscribe,
		"publish":              cmdPublish,
		"spublish":             cmdPublish,
		"pubsub|channels":      cmdPubsubChannels,
		"pubsub|shardchannels": cmdPubsubChannels,
		"pubsub|numsub":        cmdPubsubNumsub,
		"pubsub|shardnumsub":   cmdPubsubNumsub,
		"pubsub|numpat":        cmdPubsubNumpat,
	})
}

type subKind int

const (
	subChannel subKind = iota
	subPattern
	subShard
)

var subNames = [3][2]string{{"subscribe", "unsubscribe"}, {"psubscribe", "punsubscribe"}, {"ssubscribe", "sunsubscribe"}}

type pubsub struct {
	subs    [3]map[string]map[*Session]struct{}
	pending []*Session
}

func (e *Engine) ps() *pubsub {
	if e.pubsub == nil {
		e.pubsub = &pubsub{}
		for i := range e.pubsub.subs {
			e.pubsub.subs[i] = map[string]map[*Session]struct{}{}
		}
	}
	return e.pubsub
}

type sessionSubs struct {
	names [3]map[string]struct{}
	out   resp.Writer // pending pushes for the host to send
}

func (s *Session) subsOf(k subKind) map[string]struct{} {
	if s.subs == nil {
		s.subs = &sessionSubs{}
	}
	if s.subs.names[k] == nil {
		s.subs.names[k] = map[string]struct{}{}
	}
	return s.subs.names[k]
}

// Subscribed reports whether the session has any subscription.
func (s *Session) Subscribed() bool { return s.subscribed() }

func (s *Session) subscribed() bool {
	return s.subs != nil && (len(s.subs.names[0])+len(s.subs.names[1])+len(s.subs.names[2])) > 0
}

// subCount is the count Redis replies after (un)subscribing: channels plus
// patterns, or shard channels alone.
func (s *Session) subCount(k subKind) int64 {
	if s.subs == nil {
		return 0
	}
	if k == subShard {
		return int64(len(s.subs.names[subShard]))
	}
	return int64(len(s.subs.names[subChannel]) + len(s.subs.names[subPattern]))
}

// Delivery is output for a session other than the one whose command ran.
type Delivery struct {
	Session *Session
	Data    []byte
}

// TakeDeliveries returns and clears the pending output of every session
// (pub/sub messages, invalidations). The host sends each to its client.
func (e *Engine) TakeDeliveries() []Delivery {
	if e.pubsub == nil || len(e.pubsub.pending) == 0 {
		return nil
	}
	out := make([]Delivery, 0, len(e.pubsub.pending))
	for _, s := range e.pubsub.pending {
		if s.subs != nil && len(s.subs.out.B) > 0 && !s.closed {
			out = append(out, Delivery{Session: s, Data: s.subs.out.B})
			s.subs.out.B = nil
		}
	}
	e.pubsub.pending = e.pubsub.pending[:0]
	return out
}

// writerFor returns where output for target goes while c runs.
func (c *Ctx) writerFor(target *Session) *resp.Writer {
	if target == c.S && c.rerun == nil && c.W != nil {
		return c.W
	}
	return c.E.pendingWriter(target)
}

func (c *Ctx) subscribe(k subKind) {
	ps := c.E.ps()
	for _, ch := range c.Args[1:] {
		name := string(ch)
		mine := c.S.subsOf(k)
		if _, ok := mine[name]; !ok {
			mine[name] = struct{}{}
			set := ps.subs[k][name]
			if set == nil {
				set = map[*Session]struct{}{}
				ps.subs[k][name] = set
			}
			set[c.S] = struct{}{}
		}
		c.W.Push(3)
		c.W.BulkString(subNames[k][0])
		c.W.Bulk(ch)
		c.W.Int(c.S.subCount(k))
	}
}

func (c *Ctx) unsubscribe(k subKind) {
	names := c.Args[1:]
	if len(names) == 0 {
		var all []string
		if c.S.subs != nil {
			for n := range c.S.subs.names[k] {
				all = append(all, n)
			}
		}
		sort.Strings(all)
		if len(all) == 0 {
			c.W.Push(3)
			c.W.BulkString(subNames[k][1])
			c.W.Null()
			c.W.Int(c.S.subCount(k))
			return
		}
		for _, n := range all {
			names = append(names, []byte(n))
		}
	}
	for _, ch := range names {
		c.E.unsub(c.S, k, string(ch))
		c.W.Push(3)
		c.W.BulkString(subNames[k][1])
		c.W.Bulk(ch)
		c.W.Int(c.S.subCount(k))
	}
}

func (e *Engine) unsub(s *Session, k subKind, name string) {
	if s.subs == nil {
		return
	}
	delete(s.subs.names[k], name)
	ps := e.ps()
	if set := ps.subs[k][name]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(ps.subs[k], name)
		}
	}
}

// dropSubscriptions removes every subscription of s (on close and RESET).
func (e *Engine) dropSubscriptions(s *Session) {
	if s.subs == nil {
		return
	}
	for k := range s.subs.names {
		for n := range s.subs.names[k] {
			e.unsub(s, subKind(k), n)
		}
	}
	s.subs.out.B = nil
}

// cmdSubscribe listens for messages on channels.
// SUBSCRIBE channel [channel ...]
// https://redis.io/commands/subscribe
func cmdSubscribe(c *Ctx) error { c.subscribe(subChannel); return nil }

// cmdPsubscribe listens for messages on channels matching patterns.
// PSUBSCRIBE pattern [pattern ...]
// https://redis.io/commands/psubscribe
func cmdPsubscribe(c *Ctx) error { c.subscribe(subPattern); return nil }

// cmdSsubscribe listens for messages on shard channels.
// SSUBSCRIBE shardchannel [shardchannel ...]
// https://redis.io/commands/ssubscribe
func cmdSsubscribe(c *Ctx) error { c.subscribe(subShard); return nil }

// cmdUnsubscribe stops listening on channels (all when none given).
// UNSUBSCRIBE [channel [channel ...]]
// https://redis.io/commands/unsubscribe
func cmdUnsubscribe(c *Ctx) error { c.unsubscribe(subChannel); return nil }

// cmdPunsubscribe stops listening on patterns.
// PUNSUBSCRIBE [pattern [pattern ...]]
// https://redis.io/commands/punsubscribe
func cmdPunsubscribe(c *Ctx) error { c.unsubscribe(subPattern); return nil }

// cmdSunsubscribe stops listening on shard channels.
// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
// https://redis.io/commands/sunsubscribe
func cmdSunsubscribe(c *Ctx) error { c.unsubscribe(subShard); return nil }

// cmdPublish posts a message to a channel (SPUBLISH: to a shard channel).
// PUBLISH channel message
// https://redis.io/commands/publish
func cmdPublish(c *Ctx) error {
	k := subChannel
	if c.Cmd.Name == "spublish" {
		k = subShard
	}
	c.W.Int(c.publish(k, c.Args[1], c.Args[2]))
	return nil
}

// publish delivers msg to channel's subscribers and, for plain channels, to
// matching patterns; it returns the number of receivers.
func (c *Ctx) publish(k subKind, channel, msg []byte) int64 {
	if c.E.pubsub == nil {
		return 0
	}
	ps := c.E.pubsub
	var n int64
	kind := "message"
	if k == subShard {
		kind = "smessage"
	}
	for s := range ps.subs[k][string(channel)] {
		w := c.writerFor(s)
		w.Push(3)
		w.BulkString(kind)
		w.Bulk(channel)
		w.Bulk(msg)
		n++
	}
	if k == subChannel {
		for pat, set := range ps.subs[subPattern] {
			if !globMatch([]byte(pat), channel, false) {
				continue
			}
			for s := range set {
				w := c.writerFor(s)
				w.Push(4)
				w.BulkString("pmessage")
				w.BulkString(pat)
				w.Bulk(channel)
				w.Bulk(msg)
				n++
			}
		}
	}
	return n
}

// cmdPubsubChannels lists active channels.
// PUBSUB CHANNELS [pattern]
// https://redis.io/commands/pubsub-channels
func cmdPubsubChannels(c *Ctx) error {
	k := subChannel
	if c.Cmd.Name == "pubsub|shardchannels" {
		k = subShard
	}
	var out []string
	if c.E.pubsub != nil {
		for ch := range c.E.pubsub.subs[k] {
			if len(c.Args) < 3 || globMatch(c.Args[2], []byte(ch), false) {
				out = append(out, ch)
			}
		}
	}
	sort.Strings(out)
	c.W.Array(len(out))
	for _, ch := range out {
		c.W.BulkString(ch)
	}
	return nil
}

// cmdPubsubNumsub counts subscribers of channels.
// PUBSUB NUMSUB [channel ...]
// https://redis.io/commands/pubsub-numsub
func cmdPubsubNumsub(c *Ctx) error {
	k := subChannel
	if c.Cmd.Name == "pubsub|shardnumsub" {
		k = subShard
	}
	c.W.Array(2 * (len(c.Args) - 2))
	for _, ch := range c.Args[2:] {
		c.W.Bulk(ch)
		var n int
		if c.E.pubsub != nil {
			n = len(c.E.pubsub.subs[k][string(ch)])
		}
		c.W.Int(int64(n))
	}
	return nil
}

// cmdPubsubNumpat counts pattern subscriptions.
// PUBSUB NUMPAT
// https://redis.io/commands/pubsub-numpat
func cmdPubsubNumpat(c *Ctx) error {
	var n int
	if c.E.pubsub != nil {
		n = len(c.E.pubsub.subs[subPattern])
	}
	c.W.Int(int64(n))
	return nil
}

// ---- keyspace notifications ----

func (e *Engine) logicalDB(phys uint32) int {
	for i, p := range e.dbmap {
		if p == phys {
			return i
		}
	}
	return -1
}

// notifyDB publishes a keyspace event when notify-keyspace-events selects
// its class.
func (e *Engine) notifyDB(c *Ctx, db uint32, class byte, event string, key []byte) {
	flags := e.notifyFlags
	if flags == "" || e.pubsub == nil {
		return
	}
	if strings.IndexByte(flags, class) < 0 && !(strings.IndexByte(flags, 'A') >= 0 && class != notifyNew && class != 'm') {
		return
	}
	keyspace := strings.IndexByte(flags, 'K') >= 0
	keyevent := strings.IndexByte(flags, 'E') >= 0
	if !keyspace && !keyevent {
		return
	}
	ldb := e.logicalDB(db)
	if ldb < 0 {
		return
	}
	n := strconv.Itoa(ldb)
	if keyspace {
		ch := append([]byte("__keyspace@"+n+"__:"), key...)
		c.publish(subChannel, ch, []byte(event))
	}
	if keyevent {
		ch := []byte("__keyevent@" + n + "__:" + event)
		c.publish(subChannel, ch, key)
	}
}
