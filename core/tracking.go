package core

// Client tracking: server-assisted client-side caching.
// https://redis.io/docs/manual/client-side-caching/
//
// As in Redis 7.0, the table of tracked keys is global and keyed by name
// alone (not by database): a session that read a key with tracking on is
// told when anyone writes that key, once; then the key is forgotten until
// the session reads it again. In BCAST mode nothing is remembered: every
// write of a key under one of the session's prefixes is announced, after
// the command. Invalidations for the session running the command follow
// its reply, as Redis 7.0.15 orders them; others get them as deliveries.

import (
	"sort"
	"strconv"
	"strings"

	"github.com/foliodb/folio/core/resp"
)

func init() {
	register(map[string]Handler{
		"client|tracking":     cmdClientTracking,
		"client|caching":      cmdClientCaching,
		"client|getredir":     cmdClientGetRedir,
		"client|trackinginfo": cmdClientTrackingInfo,
	})
}

// sessionTracking is one session's tracking mode.
type sessionTracking struct {
	on, bcast, optin, optout, noloop bool
	caching                          bool // CLIENT CACHING given for the next command
	brokenRedir                      bool
	redirect                         int64
	prefixes                         []string
}

type bcastPrefix struct {
	clients map[*Session]struct{}
	keys    map[string]*Session // written keys; the writer, or nil when several
	order   []string
}

type pendingInvalidation struct {
	key  []byte
	null bool
}

type trackState struct {
	keys     map[string]map[*Session]struct{}
	prefixes map[string]*bcastPrefix
	clients  int
	self     []pendingInvalidation // for the running session, after its reply
	dirty    []string              // prefixes with keys to broadcast
}

func (e *Engine) trk() *trackState {
	if e.tracking == nil {
		e.tracking = &trackState{keys: map[string]map[*Session]struct{}{}, prefixes: map[string]*bcastPrefix{}}
	}
	return e.tracking
}

// TrackingClients is the number of sessions with tracking on (INFO).
func (e *Engine) TrackingClients() int {
	if e.tracking == nil {
		return 0
	}
	return e.tracking.clients
}

func (s *Session) tracking() *sessionTracking {
	if s.track == nil {
		s.track = &sessionTracking{}
	}
	return s.track
}

func (s *Session) trackingOn() bool { return s.track != nil && s.track.on }

// prefixOverlap reports whether one of a, b is a prefix of the other.
func prefixOverlap(a, b string) bool {
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}

// cmdClientTracking turns tracking of the keys the client reads on or off.
// CLIENT TRACKING <ON | OFF> [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
// https://redis.io/commands/client-tracking
func cmdClientTracking(c *Ctx) error {
	var redir int64
	var bcast, optin, optout, noloop bool
	var prefixes []string
	args := c.Args
	for j := 3; j < len(args); j++ {
		more := len(args) - 1 - j
		opt := strings.ToLower(string(args[j]))
		switch {
		case opt == "redirect" && more > 0:
			j++
			if redir != 0 {
				c.W.Error(msgTrackRedirOnce)
				return nil
			}
			n, err := strconv.ParseInt(string(args[j]), 10, 64)
			if err != nil {
				c.W.Error(msgNotInt)
				return nil
			}
			redir = n
			if c.E.sessions[redir] == nil {
				c.W.Error(msgTrackRedirMissing)
				return nil
			}
		case opt == "bcast":
			bcast = true
		case opt == "optin":
			optin = true
		case opt == "optout":
			optout = true
		case opt == "noloop":
			noloop = true
		case opt == "prefix" && more > 0:
			j++
			prefixes = append(prefixes, string(args[j]))
		default:
			c.W.Error(msgSyntax)
			return nil
		}
	}
	switch strings.ToLower(string(args[2])) {
	case "on":
		t := c.S.tracking()
		switch {
		case !bcast && len(prefixes) > 0:
			c.W.Error(msgTrackPrefixBcast)
			return nil
		case t.on && t.bcast != bcast:
			c.W.Error(msgTrackSwitchBcast)
			return nil
		case bcast && (optin || optout):
			c.W.Error(msgTrackBcastOpt)
			return nil
		case optin && optout:
			c.W.Error(msgTrackBothOpt)
			return nil
		case (optin && t.optout) || (optout && t.optin):
			c.W.Error(msgTrackSwitchOpt)
			return nil
		}
		if bcast {
			for i, p := range prefixes {
				for _, q := range t.prefixes {
					if prefixOverlap(p, q) {
						c.W.Error(format(msgTrackPrefixExisting, p, q))
						return nil
					}
				}
				for _, q := range prefixes[i+1:] {
					if prefixOverlap(p, q) {
						c.W.Error(format(msgTrackPrefixOther, p, q))
						return nil
					}
				}
			}
		}
		c.E.enableTracking(c.S, redir, bcast, optin, optout, noloop, prefixes)
	case "off":
		c.E.disableTracking(c.S)
	default:
		c.W.Error(msgSyntax)
		return nil
	}
	c.W.OK()
	return nil
}

func (e *Engine) enableTracking(s *Session, redir int64, bcast, optin, optout, noloop bool, prefixes []string) {
	ts := e.trk()
	t := s.tracking()
	if !t.on {
		ts.clients++
	}
	t.on = true
	t.brokenRedir, t.bcast, t.optin, t.optout, t.noloop = false, false, false, false, false
	t.redirect = redir
	if bcast {
		t.bcast = true
		if len(prefixes) == 0 {
			prefixes = []string{""}
		}
		for _, p := range prefixes {
			bp := ts.prefixes[p]
			if bp == nil {
				bp = &bcastPrefix{clients: map[*Session]struct{}{}, keys: map[string]*Session{}}
				ts.prefixes[p] = bp
			}
			if _, ok := bp.clients[s]; !ok {
				bp.clients[s] = struct{}{}
				t.prefixes = append(t.prefixes, p)
			}
		}
		sort.Strings(t.prefixes)
	}
	t.optin, t.optout, t.noloop = optin, optout, noloop
}

func (e *Engine) disableTracking(s *Session) {
	t := s.track
	if t == nil || !t.on {
		return
	}
	ts := e.trk()
	for _, p := range t.prefixes {
		if bp := ts.prefixes[p]; bp != nil {
			delete(bp.clients, s)
			if len(bp.clients) == 0 {
				delete(ts.prefixes, p)
			}
		}
	}
	ts.clients--
	s.track = nil
}

// cmdClientCaching marks the next command's keys as tracked (OPTIN) or not
// tracked (OPTOUT).
// CLIENT CACHING <YES | NO>
// https://redis.io/commands/client-caching
func cmdClientCaching(c *Ctx) error {
	t := c.S.track
	if t == nil || !t.on {
		c.W.Error(msgTrackCachingOff)
		return nil
	}
	switch strings.ToLower(string(c.Args[2])) {
	case "yes":
		if !t.optin {
			c.W.Error(msgTrackCachingYes)
			return nil
		}
	case "no":
		if !t.optout {
			c.W.Error(msgTrackCachingNo)
			return nil
		}
	default:
		c.W.Error(msgSyntax)
		return nil
	}
	t.caching = true
	c.W.OK()
	return nil
}

// cmdClientGetRedir returns the client id invalidations are redirected to.
// CLIENT GETREDIR
// https://redis.io/commands/client-getredir
func cmdClientGetRedir(c *Ctx) error {
	if c.S.trackingOn() {
		c.W.Int(c.S.track.redirect)
	} else {
		c.W.Int(-1)
	}
	return nil
}

// cmdClientTrackingInfo reports the session's tracking mode.
// CLIENT TRACKINGINFO
// https://redis.io/commands/client-trackinginfo
func cmdClientTrackingInfo(c *Ctx) error {
	t := c.S.track
	if t == nil {
		t = &sessionTracking{}
	}
	flags := []string{"off"}
	if t.on {
		flags[0] = "on"
	}
	if t.bcast {
		flags = append(flags, "bcast")
	}
	if t.optin {
		flags = append(flags, "optin")
		if t.caching {
			flags = append(flags, "caching-yes")
		}
	}
	if t.optout {
		flags = append(flags, "optout")
		if t.caching {
			flags = append(flags, "caching-no")
		}
	}
	if t.noloop {
		flags = append(flags, "noloop")
	}
	if t.brokenRedir {
		flags = append(flags, "broken_redirect")
	}
	c.W.Map(3)
	c.W.BulkString("flags")
	c.W.Set(len(flags))
	for _, f := range flags {
		c.W.BulkString(f)
	}
	c.W.BulkString("redirect")
	if t.on {
		c.W.Int(t.redirect)
	} else {
		c.W.Int(-1)
	}
	c.W.BulkString("prefixes")
	c.W.Array(len(t.prefixes))
	for _, p := range t.prefixes {
		c.W.BulkString(p)
	}
	return nil
}

// ---- remembering reads ----

// trackingAfter runs after each command: it remembers the keys a read-only
// command read, resets CLIENT CACHING, and, outside EXEC, sends the
// invalidations due to the running session and the BCAST broadcasts.
func (e *Engine) trackingAfter(c *Ctx) {
	s := c.S
	if t := s.track; t != nil && t.on {
		if c.Cmd.Flags["readonly"] && !t.bcast && !((t.optin && !t.caching) || (t.optout && t.caching)) {
			e.rememberKeys(s, c.Cmd, c.Args)
		}
		if !c.inExec && s.multi == nil && !strings.HasPrefix(c.Cmd.Name, "client|") {
			t.caching = false
		}
	}
	if c.inExec || e.tracking == nil {
		return
	}
	ts := e.tracking
	if len(ts.self) > 0 {
		self := ts.self
		ts.self = nil
		if !s.closed {
			for _, p := range self {
				if p.null {
					e.sendInvalidation(s, c.W, nil, true)
				} else {
					e.sendInvalidation(s, c.W, [][]byte{p.key}, false)
				}
			}
		}
	}
	if len(ts.dirty) > 0 {
		e.broadcast(c)
	}
}

func (e *Engine) rememberKeys(s *Session, cmd *Command, args [][]byte) {
	first, last, step := cmd.FirstKey, cmd.LastKey, cmd.Step
	switch cmd.Name {
	case "zunion", "zinter", "zdiff", "zintercard", "sintercard":
		// Movable keys: numkeys key [key ...].
		n, ok := parseLongLong(args[1])
		if !ok || n <= 0 || n > int64(len(args)-2) {
			return
		}
		first, last, step = 2, 1+int(n), 1
	}
	if first <= 0 || step <= 0 {
		return
	}
	if last < 0 {
		last = len(args) + last
	}
	ts := e.trk()
	for i := first; i <= last && i < len(args); i += step {
		k := string(args[i])
		set := ts.keys[k]
		if set == nil {
			set = map[*Session]struct{}{}
			ts.keys[k] = set
		}
		set[s] = struct{}{}
	}
}

// ---- invalidating writes ----

// trackingWrite is called wherever a key is written or deleted.
func (e *Engine) trackingWrite(c *Ctx, key []byte) {
	ts := e.tracking
	if ts == nil || ts.clients == 0 {
		return
	}
	if len(ts.prefixes) > 0 {
		k := string(key)
		for p, bp := range ts.prefixes {
			if !strings.HasPrefix(k, p) {
				continue
			}
			if len(bp.keys) == 0 {
				ts.dirty = append(ts.dirty, p)
			}
			if w, ok := bp.keys[k]; !ok {
				bp.keys[k] = c.S
				bp.order = append(bp.order, k)
			} else if w != c.S {
				bp.keys[k] = nil
			}
		}
		if c.S == nil || c.W == nil {
			e.broadcast(c)
		}
	}
	set := ts.keys[string(key)]
	if set == nil {
		return
	}
	delete(ts.keys, string(key))
	for s := range set {
		t := s.track
		if s.closed || t == nil || !t.on || t.bcast {
			continue
		}
		if t.noloop && s == c.S {
			continue
		}
		if s == c.S && c.rerun == nil && c.W != nil {
			ts.self = append(ts.self, pendingInvalidation{key: append([]byte(nil), key...)})
			continue
		}
		e.sendInvalidation(s, nil, [][]byte{key}, false)
	}
}

// trackingFlush tells every tracking session that all keys are gone
// (FLUSHDB, FLUSHALL) and forgets the tracked keys.
func (e *Engine) trackingFlush(c *Ctx) {
	ts := e.tracking
	if ts == nil {
		return
	}
	ts.keys = map[string]map[*Session]struct{}{}
	if ts.clients == 0 {
		return
	}
	ids := make([]int64, 0, len(e.sessions))
	for id, s := range e.sessions {
		if s.trackingOn() {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		s := e.sessions[id]
		if s == c.S && c.rerun == nil && c.W != nil {
			ts.self = append(ts.self, pendingInvalidation{null: true})
			continue
		}
		e.sendInvalidation(s, nil, nil, true)
	}
}

// broadcast sends the keys written under each BCAST prefix to its sessions.
func (e *Engine) broadcast(c *Ctx) {
	ts := e.tracking
	dirty := ts.dirty
	ts.dirty = nil
	sort.Strings(dirty) // Redis walks its prefix table in order
	for _, p := range dirty {
		bp := ts.prefixes[p]
		if bp == nil {
			continue
		}
		clients := make([]*Session, 0, len(bp.clients))
		for s := range bp.clients {
			clients = append(clients, s)
		}
		sort.Slice(clients, func(i, j int) bool { return clients[i].ID < clients[j].ID })
		for _, s := range clients {
			if s.closed || !s.trackingOn() {
				continue
			}
			var keys [][]byte
			for _, k := range bp.order {
				if s.track.noloop && bp.keys[k] == s {
					continue
				}
				keys = append(keys, []byte(k))
			}
			if len(keys) == 0 {
				continue
			}
			var w *resp.Writer
			if s == c.S && c.rerun == nil {
				w = c.W
			}
			e.sendInvalidation(s, w, keys, false)
		}
		bp.keys = map[string]*Session{}
		bp.order = nil
	}
}

// sendInvalidation writes one invalidation message for tracking session s:
// a RESP3 push, or a Pub/Sub message on __redis__:invalidate for a RESP2
// redirect target in Pub/Sub mode. own is s's reply writer when s is the
// running session; otherwise the message becomes a delivery.
func (e *Engine) sendInvalidation(s *Session, own *resp.Writer, keys [][]byte, null bool) {
	t := s.track
	target := s
	proto := s.Proto
	redirected := false
	if t != nil && t.redirect != 0 {
		r := e.sessions[t.redirect]
		if r == nil || r.closed {
			t.brokenRedir = true
			if s.Proto > 2 {
				w := own
				if w == nil {
					w = e.pendingWriter(s)
				}
				w.Push(2)
				w.BulkString("tracking-redir-broken")
				w.Int(t.redirect)
			}
			return
		}
		target, redirected = r, true
	}
	if target.closed {
		return
	}
	w := own
	if target != s || w == nil {
		w = e.pendingWriter(target)
	}
	switch {
	case target.Proto > 2:
		w.Push(2)
		w.BulkString("invalidate")
	case redirected && target.subscribed():
		w.Push(3)
		w.BulkString("message")
		w.BulkString("__redis__:invalidate")
	default:
		return
	}
	if null {
		// The null of the tracking session's protocol, as Redis sends it.
		if proto > 2 {
			w.B = append(w.B, "_\r\n"...)
		} else {
			w.B = append(w.B, "$-1\r\n"...)
		}
		return
	}
	w.Array(len(keys))
	for _, k := range keys {
		w.Bulk(k)
	}
}

// trackingFlags are the CLIENT LIST flags of tracking: t, R, B.
func (s *Session) trackingFlags() string {
	t := s.track
	if t == nil || !t.on {
		return ""
	}
	f := "t"
	if t.brokenRedir {
		f += "R"
	}
	if t.bcast {
		f += "B"
	}
	return f
}

// trackingRedir is CLIENT LIST's redir field.
func (s *Session) trackingRedir() int64 {
	if !s.trackingOn() {
		return -1
	}
	return s.track.redirect
}

// trackingClose forgets a closing session.
func (e *Engine) trackingClose(s *Session) {
	e.disableTracking(s)
}
