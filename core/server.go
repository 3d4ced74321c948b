package core

// Connection and server management commands.
// https://redis.io/commands/?group=connection
// https://redis.io/commands/?group=server

import (
	"errors"
	"sort"
	"strconv"
	"strings"
)

func init() {
	register(map[string]Handler{
		"ping":          cmdPing,
		"echo":          cmdEcho,
		"select":        cmdSelect,
		"quit":          cmdQuit,
		"hello":         cmdHello,
		"command":       cmdCommand,
		"command|count": cmdCommandCount,
		"command|info":  cmdCommandInfo,
		"command|docs":  cmdCommandDocs,
		"command|list":  cmdCommandList,

		"auth":             cmdAuth,
		"reset":            cmdReset,
		"time":             cmdTime,
		"client|id":        cmdClientID,
		"client|setname":   cmdClientSetName,
		"client|getname":   cmdClientGetName,
		"client|info":      cmdClientInfo,
		"client|list":      cmdClientList,
		"client|kill":      cmdClientKill,
		"client|no-evict":  cmdClientNoEvict,
		"client|help":      cmdClientHelp,
		"config|get":       cmdConfigGet,
		"config|set":       cmdConfigSet,
		"config|resetstat": cmdConfigResetStat,
		"config|rewrite":   cmdConfigRewrite,
		"info":             cmdInfo,
		"monitor":          cmdMonitor,
		"shutdown":         cmdShutdown,
	})
}

// cmdPing returns PONG or its argument.
// PING [message]
// https://redis.io/commands/ping
func cmdPing(c *Ctx) error {
	if c.S.Proto == 2 && c.S.subscribed() && len(c.Args) <= 2 {
		c.W.Array(2)
		c.W.BulkString("pong")
		if len(c.Args) == 2 {
			c.W.Bulk(c.Args[1])
		} else {
			c.W.BulkString("")
		}
		return nil
	}
	switch len(c.Args) {
	case 1:
		c.W.Status("PONG")
	case 2:
		c.W.Bulk(c.Args[1])
	default:
		c.W.Error(format(msgWrongArity, "ping"))
	}
	return nil
}

// cmdEcho returns its argument.
// ECHO message
// https://redis.io/commands/echo
func cmdEcho(c *Ctx) error {
	c.W.Bulk(c.Args[1])
	return nil
}

// cmdSelect changes the session's database.
// SELECT index
// https://redis.io/commands/select
func cmdSelect(c *Ctx) error {
	n, err := strconv.Atoi(string(c.Args[1]))
	if err != nil {
		c.W.Error(msgNotInt)
		return nil
	}
	if n < 0 || n >= c.E.ndb {
		c.W.Error(msgInvalidDB)
		return nil
	}
	c.S.DB = n
	c.W.OK()
	return nil
}

// cmdQuit replies OK and asks the host to close the connection.
// QUIT
// https://redis.io/commands/quit
func cmdQuit(c *Ctx) error {
	c.W.OK()
	c.out.Close = true
	return nil
}

// cmdHello switches protocol, authenticates and names the connection.
// HELLO [protover [AUTH username password] [SETNAME clientname]]
// https://redis.io/commands/hello
func cmdHello(c *Ctx) error {
	proto := c.S.Proto
	args := c.Args[1:]
	if len(args) > 0 {
		v, err := strconv.ParseInt(string(args[0]), 10, 64)
		if err != nil {
			c.W.Error("ERR Protocol version is not an integer or out of range")
			return nil
		}
		if v != 2 && v != 3 {
			c.W.Error("NOPROTO unsupported protocol version")
			return nil
		}
		proto = int(v)
		args = args[1:]
	}
	var name []byte
	setName := false
	for i := 0; i < len(args); i++ {
		more := len(args) - i - 1
		switch strings.ToLower(string(args[i])) {
		case "auth":
			if more < 2 {
				c.W.Error(format("ERR Syntax error in HELLO option '%s'", string(args[i])))
				return nil
			}
			if !c.E.checkAuth(string(args[i+1]), string(args[i+2])) {
				c.W.Error(msgWrongPass)
				return nil
			}
			c.S.Authed = true
			i += 2
		case "setname":
			if more < 1 {
				c.W.Error(format("ERR Syntax error in HELLO option '%s'", string(args[i])))
				return nil
			}
			name = args[i+1]
			setName = true
			i++
		default:
			c.W.Error(format("ERR Syntax error in HELLO option '%s'", string(args[i])))
			return nil
		}
	}
	if !c.S.Authed {
		c.W.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return nil
	}
	if setName {
		if !validClientName(name) {
			c.W.Error("ERR Client names cannot contain spaces, newlines or special characters.")
			return nil
		}
		c.S.Name = string(name)
	}
	c.S.Proto = proto
	c.W.Proto = proto
	w := c.W
	w.Map(7)
	w.BulkString("server")
	w.BulkString("redis")
	w.BulkString("version")
	w.BulkString(redisVersion)
	w.BulkString("proto")
	w.Int(int64(proto))
	w.BulkString("id")
	w.Int(c.S.ID)
	w.BulkString("mode")
	w.BulkString("standalone")
	w.BulkString("role")
	w.BulkString("master")
	w.BulkString("modules")
	w.Array(0)
	return nil
}

func validClientName(b []byte) bool {
	for _, ch := range b {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

func (e *Engine) checkAuth(user, pass string) bool {
	if user != "default" {
		return false
	}
	return e.requirePass == "" || pass == e.requirePass
}

// cmdCommand lists every command with its details.
// COMMAND
// https://redis.io/commands/command
func cmdCommand(c *Ctx) error {
	names := topCommands()
	c.W.Array(len(names))
	for _, n := range names {
		writeValue(c.W, commands[n].info)
	}
	return nil
}

func topCommands() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func findCommand(name string) *Command {
	name = strings.ToLower(name)
	if p, s, ok := strings.Cut(name, "|"); ok {
		if pc := commands[p]; pc != nil {
			return pc.Subs[s]
		}
		return nil
	}
	return commands[name]
}

// cmdCommandCount returns the number of commands.
// COMMAND COUNT
// https://redis.io/commands/command-count
func cmdCommandCount(c *Ctx) error {
	c.W.Int(int64(len(commands)))
	return nil
}

// cmdCommandInfo returns details of the named commands.
// COMMAND INFO [command-name ...]
// https://redis.io/commands/command-info
func cmdCommandInfo(c *Ctx) error {
	if len(c.Args) == 2 {
		return cmdCommand(c)
	}
	c.W.Array(len(c.Args) - 2)
	for _, a := range c.Args[2:] {
		if cmd := findCommand(string(a)); cmd != nil {
			writeValue(c.W, cmd.info)
		} else {
			c.W.Null() // addReplyNull: $-1 in RESP2
		}
	}
	return nil
}

// cmdCommandDocs returns the documentation of the named commands.
// COMMAND DOCS [command-name ...]
// https://redis.io/commands/command-docs
func cmdCommandDocs(c *Ctx) error {
	var names []string
	if len(c.Args) == 2 {
		names = topCommands()
	} else {
		for _, a := range c.Args[2:] {
			if findCommand(string(a)) != nil {
				names = append(names, strings.ToLower(string(a)))
			}
		}
	}
	c.W.Map(len(names))
	for _, n := range names {
		c.W.BulkString(n)
		writeValue(c.W, findCommand(n).docs)
	}
	return nil
}

// cmdCommandList lists command names.
// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
// https://redis.io/commands/command-list
func cmdCommandList(c *Ctx) error {
	names := topCommands()
	var keep func(*Command) bool
	if len(c.Args) > 2 {
		if len(c.Args) != 5 || !strings.EqualFold(string(c.Args[2]), "filterby") {
			c.W.Error(msgSyntax)
			return nil
		}
		arg := string(c.Args[4])
		switch strings.ToLower(string(c.Args[3])) {
		case "module":
			keep = func(*Command) bool { return false }
		case "aclcat":
			keep = func(cmd *Command) bool {
				for _, cat := range cmd.info.Elems[6].Elems {
					if strings.EqualFold(strings.TrimPrefix(cat.Str, "@"), arg) {
						return true
					}
				}
				return false
			}
		case "pattern":
			keep = func(cmd *Command) bool { return globMatch([]byte(arg), []byte(cmd.Name), true) }
		default:
			c.W.Error(msgSyntax)
			return nil
		}
	}
	var out []string
	for _, n := range names {
		cmd := commands[n]
		if keep == nil || keep(cmd) {
			out = append(out, n)
		}
		if keep != nil {
			for _, s := range cmd.Subs {
				if keep(s) {
					out = append(out, s.Name)
				}
			}
		}
	}
	c.W.Array(len(out))
	for _, n := range out {
		c.W.BulkString(n)
	}
	return nil
}

// The host side of a session. A host keeps a value in Session.Host; the
// commands below use whichever of these interfaces it implements, so the
// engine stays free of sockets.
type (
	// HostKiller closes its connection (CLIENT KILL of another client).
	HostKiller interface{ Kill() }
	// HostClientInfo reports connection figures for CLIENT LIST and INFO.
	HostClientInfo interface{ ClientInfo() ClientInfo }
	// HostMonitor turns the connection into a MONITOR feed (on=true) or
	// back (RESET).
	HostMonitor interface{ SetMonitor(on bool) }
	// HostShutdown stops the server (SHUTDOWN). It returns an error when the
	// server cannot stop; otherwise the connection is closed without reply.
	HostShutdown interface{ Shutdown(save bool) error }
)

// ClientInfo holds a connection's figures as CLIENT LIST shows them.
type ClientInfo struct {
	Fd       int
	Qbuf     int64
	QbufFree int64
	Obl      int64
	Oll      int64
	Omem     int64
	TotMem   int64
	Events   string
	Monitor  bool
}

// cmdAuth authenticates the connection.
// AUTH [username] password
// https://redis.io/commands/auth
func cmdAuth(c *Ctx) error {
	switch len(c.Args) {
	case 2:
		if c.E.requirePass == "" {
			c.W.Error(msgAuthNotSet)
			return nil
		}
		if string(c.Args[1]) != c.E.requirePass {
			c.W.Error(msgWrongPass)
			return nil
		}
	case 3:
		if !c.E.checkAuth(string(c.Args[1]), string(c.Args[2])) {
			c.W.Error(msgWrongPass)
			return nil
		}
	default:
		c.W.Error(msgSyntax)
		return nil
	}
	c.S.Authed = true
	c.W.OK()
	return nil
}

// cmdReset returns the connection to its initial state.
// RESET
// https://redis.io/commands/reset
func cmdReset(c *Ctx) error {
	s := c.S
	s.multi = nil
	c.E.unwatchAll(s)
	c.E.dropSubscriptions(s)
	c.E.disableTracking(s)
	s.DB = 0
	s.Proto = 2
	s.Name = ""
	s.NoEvict = false
	s.NoTouch = false
	s.Authed = c.E.requirePass == ""
	if m, ok := s.Host.(HostMonitor); ok {
		m.SetMonitor(false)
	}
	c.W.Proto = 2
	c.W.Status("RESET")
	return nil
}

// cmdTime returns the server's clock as seconds and microseconds.
// TIME
// https://redis.io/commands/time
func cmdTime(c *Ctx) error {
	now := c.E.now()
	c.W.Array(2)
	c.W.BulkInt(now / 1000)
	c.W.BulkInt(now % 1000 * 1000)
	return nil
}

// cmdClientID returns the connection's id.
// CLIENT ID
// https://redis.io/commands/client-id
func cmdClientID(c *Ctx) error {
	c.W.Int(c.S.ID)
	return nil
}

// cmdClientSetName names the connection; an empty name removes it.
// CLIENT SETNAME connection-name
// https://redis.io/commands/client-setname
func cmdClientSetName(c *Ctx) error {
	if !validClientName(c.Args[2]) {
		c.W.Error(msgBadClientName)
		return nil
	}
	c.S.Name = string(c.Args[2])
	c.W.OK()
	return nil
}

// cmdClientGetName returns the connection's name.
// CLIENT GETNAME
// https://redis.io/commands/client-getname
func cmdClientGetName(c *Ctx) error {
	if c.S.Name == "" {
		c.W.Null()
	} else {
		c.W.BulkString(c.S.Name)
	}
	return nil
}

// cmdClientInfo describes the connection in CLIENT LIST's format.
// CLIENT INFO
// https://redis.io/commands/client-info
func cmdClientInfo(c *Ctx) error {
	c.W.Verbatim("txt", c.E.clientLine(c.S, c.Now)+"\n")
	return nil
}

// cmdClientList describes every connection, one line each.
// CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]
// https://redis.io/commands/client-list
func cmdClientList(c *Ctx) error {
	var ids map[int64]bool
	typ := ""
	args := c.Args[2:]
	for len(args) > 0 {
		switch {
		case strings.EqualFold(string(args[0]), "type") && len(args) == 2:
			typ = strings.ToLower(string(args[1]))
			if !validClientType(typ) {
				c.W.Error(format(msgUnknownClientType, string(args[1])))
				return nil
			}
			args = args[2:]
		case strings.EqualFold(string(args[0]), "id") && len(args) >= 2:
			ids = map[int64]bool{}
			for _, a := range args[1:] {
				id, err := strconv.ParseInt(string(a), 10, 64)
				if err != nil || id <= 0 {
					c.W.Error(msgInvalidClientID)
					return nil
				}
				ids[id] = true
			}
			args = nil
		default:
			c.W.Error(msgSyntax)
			return nil
		}
	}
	var b strings.Builder
	for _, s := range c.E.sortedSessions() {
		if ids != nil && !ids[s.ID] {
			continue
		}
		if typ != "" && typ != "normal" {
			continue
		}
		b.WriteString(c.E.clientLine(s, c.Now))
		b.WriteByte('\n')
	}
	c.W.Verbatim("txt", b.String())
	return nil
}

func validClientType(t string) bool {
	switch t {
	case "normal", "master", "replica", "slave", "pubsub":
		return true
	}
	return false
}

func (e *Engine) sortedSessions() []*Session {
	out := make([]*Session, 0, len(e.sessions))
	for _, s := range e.sessions {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// clientLine formats one CLIENT LIST line, as Redis 7.0 does.
func (e *Engine) clientLine(s *Session, nowMS int64) string {
	var ci ClientInfo
	if h, ok := s.Host.(HostClientInfo); ok {
		ci = h.ClientInfo()
	} else {
		ci.Fd = -1
		ci.Events = "r"
	}
	flags := ""
	if ci.Monitor {
		flags += "O"
	}
	if s.multi != nil {
		flags += "x"
	}
	if s.IsBlocked() {
		flags += "b"
	}
	flags += s.trackingFlags() // tracking.go
	if s.subscribed() {
		flags += "P"
	}
	if s.NoEvict {
		flags += "e"
	}
	if flags == "" {
		flags = "N"
	}
	multi := -1
	if s.multi != nil {
		multi = len(s.multi.queue)
	}
	age := (nowMS - s.Created) / 1000
	idle := age
	if s.LastUsed != 0 {
		idle = (nowMS - s.LastUsed) / 1000
	}
	cmd := s.LastCmd
	if cmd == "" {
		cmd = "NULL"
	}
	var nsub [3]int
	if s.subs != nil {
		for k := range s.subs.names {
			nsub[k] = len(s.subs.names[k])
		}
	}
	return "id=" + strconv.FormatInt(int64(s.ID), 10) + " addr=" + s.Addr + " laddr=" + s.LAddr + " fd=" + strconv.FormatInt(int64(ci.Fd), 10) + " name=" + s.Name + " age=" + strconv.FormatInt(int64(age), 10) + " idle=" + strconv.FormatInt(int64(idle), 10) + " flags=" + flags + " db=" + strconv.FormatInt(int64(s.DB), 10) +
		" sub=" + strconv.FormatInt(int64(nsub[subChannel]), 10) + " psub=" + strconv.FormatInt(int64(nsub[subPattern]), 10) + " ssub=" + strconv.FormatInt(int64(nsub[subShard]), 10) + " multi=" + strconv.FormatInt(int64(multi), 10) + " qbuf=" + strconv.FormatInt(int64(ci.Qbuf), 10) + " qbuf-free=" + strconv.FormatInt(int64(ci.QbufFree), 10) + " argv-mem=0 multi-mem=0 rbs=" + strconv.FormatInt(int64(ci.Qbuf+ci.QbufFree), 10) + " rbp=" + strconv.FormatInt(int64(ci.Qbuf+ci.QbufFree), 10) +
		" obl=" + strconv.FormatInt(int64(ci.Obl), 10) + " oll=" + strconv.FormatInt(int64(ci.Oll), 10) + " omem=" + strconv.FormatInt(int64(ci.Omem), 10) + " tot-mem=" + strconv.FormatInt(int64(ci.TotMem), 10) + " events=" + ci.Events + " cmd=" + cmd + " user=default redir=" + strconv.FormatInt(int64(s.trackingRedir()), 10) + " resp=" + strconv.FormatInt(int64(s.Proto), 10)
}

// cmdClientKill closes connections: by address (old form, replies OK) or
// by filters (replies the number closed).
// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE type] [USER name] [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no]
// https://redis.io/commands/client-kill
func cmdClientKill(c *Ctx) error {
	if len(c.Args) == 3 {
		addr := string(c.Args[2])
		for _, s := range c.E.sortedSessions() {
			if s.Addr == addr {
				c.E.kill(c, s)
				c.W.OK()
				return nil
			}
		}
		c.W.Error(msgNoSuchClient)
		return nil
	}
	var (
		id               int64
		typ, user        string
		addr, laddr      string
		skipme           = true
		hasID, hasType   bool
		hasUser, hasAddr bool
		hasLAddr         bool
	)
	args := c.Args[2:]
	if len(args)%2 != 0 {
		c.W.Error(msgSyntax)
		return nil
	}
	for i := 0; i < len(args); i += 2 {
		v := string(args[i+1])
		switch strings.ToLower(string(args[i])) {
		case "id":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				c.W.Error(msgClientIDPositive)
				return nil
			}
			id, hasID = n, true
		case "type":
			typ = strings.ToLower(v)
			if !validClientType(typ) {
				c.W.Error(format(msgUnknownClientType, v))
				return nil
			}
			hasType = true
		case "user":
			user, hasUser = v, true
		case "addr":
			addr, hasAddr = v, true
		case "laddr":
			laddr, hasLAddr = v, true
		case "skipme":
			switch strings.ToLower(v) {
			case "yes":
				skipme = true
			case "no":
				skipme = false
			default:
				c.W.Error(msgSyntax)
				return nil
			}
		default:
			c.W.Error(msgSyntax)
			return nil
		}
	}
	n := 0
	for _, s := range c.E.sortedSessions() {
		switch {
		case hasID && s.ID != id,
			hasType && typ != "normal",
			hasUser && user != "default",
			hasAddr && s.Addr != addr,
			hasLAddr && s.LAddr != laddr,
			skipme && s == c.S:
			continue
		}
		c.E.kill(c, s)
		n++
	}
	c.W.Int(int64(n))
	return nil
}

// kill closes s: the host closes another client's connection; the
// caller's own closes after its reply.
func (e *Engine) kill(c *Ctx, s *Session) {
	s.killed = true
	if s == c.S {
		c.out.Close = true
		return
	}
	if k, ok := s.Host.(HostKiller); ok {
		k.Kill()
	}
}

// cmdClientNoEvict sets the connection's no-evict flag.
// CLIENT NO-EVICT ON|OFF
// https://redis.io/commands/client-no-evict
func cmdClientNoEvict(c *Ctx) error {
	switch strings.ToLower(string(c.Args[2])) {
	case "on":
		c.S.NoEvict = true
	case "off":
		c.S.NoEvict = false
	default:
		c.W.Error(msgSyntax)
		return nil
	}
	c.W.OK()
	return nil
}

var clientHelp = []string{
	"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CACHING (YES|NO)",
	"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
	"GETREDIR",
	"    Return the client ID we are redirecting to when tracking is enabled.",
	"GETNAME",
	"    Return the name of the current connection.",
	"ID",
	"    Return the ID of the current connection.",
	"INFO",
	"    Return information about the current client connection.",
	"KILL <ip:port>",
	"    Kill connection made from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Kill connections. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made from the specified address",
	"    * LADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made to specified local address",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Kill connections by type.",
	"    * USER <username>",
	"      Kill connections authenticated by <username>.",
	"    * SKIPME (YES|NO)",
	"      Skip killing current connection (default: yes).",
	"LIST [options ...]",
	"    Return information about client connections. Options:",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Return clients of specified type.",
	"UNPAUSE",
	"    Stop the current client pause, resuming traffic.",
	"PAUSE <timeout> [WRITE|ALL]",
	"    Suspend all, or just write, clients for <timeout> milliseconds.",
	"REPLY (ON|OFF|SKIP)",
	"    Control the replies sent to the current connection.",
	"SETNAME <name>",
	"    Assign the name <name> to the current connection.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]",
	"    Unblock the specified blocked client.",
	"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
	"         [OPTIN] [OPTOUT] [NOLOOP]",
	"    Control server assisted client side caching.",
	"TRACKINGINFO",
	"    Report tracking status for the current connection.",
	"NO-EVICT (ON|OFF)",
	"    Protect current client connection from eviction.",
	"HELP",
	"    Prints this help.",
}

// cmdClientHelp lists CLIENT's subcommands.
// CLIENT HELP
// https://redis.io/commands/client-help
func cmdClientHelp(c *Ctx) error {
	c.W.Array(len(clientHelp))
	for _, l := range clientHelp {
		c.W.Status(l)
	}
	return nil
}

// cmdMonitor turns the connection into a feed of every command the server
// runs.
// MONITOR
// https://redis.io/commands/monitor
func cmdMonitor(c *Ctx) error {
	m, ok := c.S.Host.(HostMonitor)
	if !ok {
		c.W.Error("ERR MONITOR is not supported by this host")
		return nil
	}
	m.SetMonitor(true)
	c.W.OK()
	return nil
}

// cmdShutdown stops the server.
// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
// https://redis.io/commands/shutdown
func cmdShutdown(c *Ctx) error {
	save, nosave, abort := false, false, false
	for _, a := range c.Args[1:] {
		switch strings.ToLower(string(a)) {
		case "save":
			save = true
		case "nosave":
			nosave = true
		case "now", "force":
		case "abort":
			abort = true
		default:
			c.W.Error(msgSyntax)
			return nil
		}
	}
	if save && nosave || abort && len(c.Args) > 2 {
		c.W.Error(msgSyntax)
		return nil
	}
	if abort {
		c.W.Error("ERR No shutdown in progress.")
		return nil
	}
	h, ok := c.S.Host.(HostShutdown)
	if !ok {
		c.W.Error(msgShutdownFailed)
		return nil
	}
	if err := h.Shutdown(!nosave); err != nil {
		c.W.Error(msgShutdownFailed)
		return nil
	}
	c.out.Close = true
	return nil
}

// Configuration parameters. The engine keeps every value (CONFIG GET);
// parameters a host applies (port, timeout, maxclients...) are passed to
// Engine.ConfigHook on CONFIG SET, which may refuse them.
const (
	cfgString = iota
	cfgInt
	cfgMemory
	cfgBool
	cfgEnum
	cfgSave
	cfgNotify
)

type configParam struct {
	kind      int
	def       string
	min, max  int64
	enum      []string
	immutable bool
}

const maxInt32 = 2147483647
const maxInt64 = 9223372036854775807

var configParams = map[string]*configParam{
	"databases":                 {kind: cfgInt, def: "16", min: 1, max: maxInt32, immutable: true},
	"requirepass":               {kind: cfgString},
	"notify-keyspace-events":    {kind: cfgNotify},
	"maxclients":                {kind: cfgInt, def: "10000", min: 1, max: maxInt32},
	"timeout":                   {kind: cfgInt, def: "0", min: 0, max: maxInt32},
	"proto-max-bulk-len":        {kind: cfgMemory, def: "536870912", min: 1 << 20, max: maxInt64},
	"client-query-buffer-limit": {kind: cfgMemory, def: "1073741824", min: 1 << 20, max: maxInt64},
	"loglevel":                  {kind: cfgEnum, def: "notice", enum: []string{"debug", "verbose", "notice", "warning"}},
	"port":                      {kind: cfgInt, def: "6379", min: 0, max: 65535},
	"bind":                      {kind: cfgString, def: "127.0.0.1"},
	"maxmemory":                 {kind: cfgMemory, def: "0", min: 0, max: maxInt64},
	"maxmemory-policy":          {kind: cfgEnum, def: "noeviction", enum: []string{"volatile-lru", "allkeys-lru", "volatile-lfu", "allkeys-lfu", "volatile-random", "allkeys-random", "volatile-ttl", "noeviction"}},
	"maxmemory-samples":         {kind: cfgInt, def: "5", min: 1, max: maxInt32},
	"save":                      {kind: cfgSave},
	"appendonly":                {kind: cfgBool, def: "no"},
	"appendfsync":               {kind: cfgEnum, def: "everysec", enum: []string{"always", "everysec", "no"}},
	"hz":                        {kind: cfgInt, def: "10", min: 0, max: maxInt32},
	"tcp-keepalive":             {kind: cfgInt, def: "300", min: 0, max: maxInt32},
	"protected-mode":            {kind: cfgBool, def: "yes"},
	"daemonize":                 {kind: cfgBool, def: "no", immutable: true},
	"dbfilename":                {kind: cfgString, def: "folio.db", immutable: true},
	"dir":                       {kind: cfgString, def: "", immutable: true},
	"slowlog-log-slower-than":   {kind: cfgInt, def: "10000", min: -1, max: maxInt64},
	"slowlog-max-len":           {kind: cfgInt, def: "128", min: 0, max: maxInt64},
	"lua-time-limit":            {kind: cfgInt, def: "5000", min: 0, max: maxInt64},
	"busy-reply-threshold":      {kind: cfgInt, def: "5000", min: 0, max: maxInt64},
	"hash-max-listpack-entries": {kind: cfgInt, def: "128", min: 0, max: maxInt64},
	"hash-max-listpack-value":   {kind: cfgInt, def: "64", min: 0, max: maxInt64},
	"zset-max-listpack-entries": {kind: cfgInt, def: "128", min: 0, max: maxInt64},
	"zset-max-listpack-value":   {kind: cfgInt, def: "64", min: 0, max: maxInt64},
	"set-max-intset-entries":    {kind: cfgInt, def: "512", min: 0, max: maxInt64},
	"list-max-listpack-size":    {kind: cfgInt, def: "-2", min: -5, max: maxInt32},
	"list-compress-depth":       {kind: cfgInt, def: "0", min: 0, max: maxInt32},
	"lazyfree-lazy-user-del":    {kind: cfgBool, def: "no"},
	"lazyfree-lazy-expire":      {kind: cfgBool, def: "no"},
	"lazyfree-lazy-user-flush":  {kind: cfgBool, def: "no"},
	"io-threads":                {kind: cfgInt, def: "1", min: 1, max: 128, immutable: true},
	"latency-tracking":          {kind: cfgBool, def: "yes"},
	"activerehashing":           {kind: cfgBool, def: "yes"},
	"stream-node-max-entries":   {kind: cfgInt, def: "100", min: 0, max: maxInt64},
	"stream-node-max-bytes":     {kind: cfgMemory, def: "4096", min: 0, max: maxInt64},
}

func defaultConfig() map[string]string {
	m := make(map[string]string, len(configParams))
	for name, p := range configParams {
		m[name] = p.def
	}
	return m
}

// SetConfig sets a parameter's value as CONFIG GET shows it, for hosts
// seeding what they were started with (port, bind, maxclients...). It
// does not call ConfigHook.
func (e *Engine) SetConfig(name, value string) {
	name = strings.ToLower(name)
	switch name {
	case "requirepass":
		e.requirePass = value
	case "notify-keyspace-events":
		// Kept in CONFIG GET's form ("AKE"); notifyDB reads the classes.
		if v, ok := normalizeNotify(value); ok {
			value = v
		}
		e.notifyFlags = value
	}
	e.config[name] = value
}

// Config returns a parameter's value.
func (e *Engine) Config(name string) string { return e.config[strings.ToLower(name)] }

// cmdConfigGet returns the parameters matching any of the patterns.
// CONFIG GET parameter [parameter ...]
// https://redis.io/commands/config-get
func cmdConfigGet(c *Ctx) error {
	names := make([]string, 0, len(c.E.config))
	for n := range c.E.config {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		for _, p := range c.Args[2:] {
			if globMatch(p, []byte(n), true) {
				out = append(out, n)
				break
			}
		}
	}
	c.W.Map(len(out))
	for _, n := range out {
		c.W.BulkString(n)
		c.W.BulkString(c.E.config[n])
	}
	return nil
}

// cmdConfigSet sets parameters, all or none.
// CONFIG SET parameter value [parameter value ...]
// https://redis.io/commands/config-set
func cmdConfigSet(c *Ctx) error {
	args := c.Args[2:]
	if len(args)%2 != 0 {
		c.W.Error(msgSyntax)
		return nil
	}
	type change struct{ name, value string }
	changes := make([]change, 0, len(args)/2)
	seen := map[string]bool{}
	for i := 0; i < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		p := configParams[name]
		if p == nil {
			c.W.Error(format(msgConfigUnknown, string(args[i])))
			return nil
		}
		if p.immutable {
			c.W.Error(format(msgConfigFailed, string(args[i]), "can't set immutable config"))
			return nil
		}
		if seen[name] {
			c.W.Error(format(msgConfigFailed, string(args[i]), "duplicate parameter"))
			return nil
		}
		seen[name] = true
		changes = append(changes, change{name: name, value: string(args[i+1])})
	}
	for i := range changes {
		v, msg := configParams[changes[i].name].parse(changes[i].value)
		if msg != "" {
			c.W.Error(format(msgConfigFailed, changes[i].name, msg))
			return nil
		}
		changes[i].value = v
	}
	if c.E.ConfigHook != nil {
		for _, ch := range changes {
			if _, err := c.E.ConfigHook(ch.name, ch.value); err != nil {
				c.W.Error(format(msgConfigFailed, ch.name, err.Error()))
				return nil
			}
		}
	}
	for _, ch := range changes {
		c.E.SetConfig(ch.name, ch.value)
	}
	c.W.OK()
	return nil
}

// parse validates v and returns it normalized as CONFIG GET shows it, or
// Redis's complaint.
func (p *configParam) parse(v string) (string, string) {
	switch p.kind {
	case cfgInt, cfgMemory:
		var n int64
		var err error
		if p.kind == cfgMemory {
			n, err = parseMemory(v)
			if err != nil {
				return "", "argument must be a memory value"
			}
		} else if n, err = strconv.ParseInt(v, 10, 64); err != nil {
			return "", "argument couldn't be parsed into an integer"
		}
		if n < p.min || n > p.max {
			return "", "argument must be between " + strconv.FormatInt(p.min, 10) + " and " + strconv.FormatInt(p.max, 10) + " inclusive"
		}
		return strconv.FormatInt(n, 10), ""
	case cfgBool:
		switch strings.ToLower(v) {
		case "yes", "no":
			return strings.ToLower(v), ""
		}
		return "", "argument must be 'yes' or 'no'"
	case cfgEnum:
		for _, e := range p.enum {
			if strings.EqualFold(e, v) {
				return e, ""
			}
		}
		return "", "argument(s) must be one of the following: " + strings.Join(p.enum, ", ")
	case cfgSave:
		f := strings.Fields(v)
		if len(f)%2 != 0 {
			return "", "Invalid save parameters"
		}
		for _, x := range f {
			if _, err := strconv.ParseInt(x, 10, 64); err != nil {
				return "", "Invalid save parameters"
			}
		}
		return strings.Join(f, " "), ""
	case cfgNotify:
		s, ok := normalizeNotify(v)
		if !ok {
			return "", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
		}
		return s, ""
	}
	return v, ""
}

// parseMemory reads a memory value as Redis's memtoull does: digits with an
// optional k, kb, m, mb, g or gb suffix.
func parseMemory(v string) (int64, error) {
	l := strings.ToLower(v)
	mul := int64(1)
	for _, u := range []struct {
		s string
		m int64
	}{{"kb", 1024}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000000}, {"g", 1000000000}, {"b", 1}} {
		if strings.HasSuffix(l, u.s) {
			l, mul = l[:len(l)-len(u.s)], u.m
			break
		}
	}
	n, err := strconv.ParseUint(l, 10, 63)
	if err != nil || l == "" || l[0] == '+' {
		return 0, errors.New("not a memory value")
	}
	if mul > 1 && int64(n) > maxInt64/mul {
		return 0, errors.New("overflow")
	}
	return int64(n) * mul, nil
}

// normalizeNotify parses notify-keyspace-events flags and writes them back
// the way Redis shows them ("KEA" becomes "AKE").
func normalizeNotify(v string) (string, bool) {
	const all = "g$lshzxetd"
	set := map[byte]bool{}
	for i := 0; i < len(v); i++ {
		ch := v[i]
		switch {
		case ch == 'A':
			for j := 0; j < len(all); j++ {
				set[all[j]] = true
			}
		case strings.IndexByte("g$lshzxeKEtmdn", ch) >= 0:
			set[ch] = true
		default:
			return "", false
		}
	}
	var b strings.Builder
	full := true
	for j := 0; j < len(all); j++ {
		full = full && set[all[j]]
	}
	if full {
		b.WriteByte('A')
	} else {
		for j := 0; j < len(all); j++ {
			if set[all[j]] {
				b.WriteByte(all[j])
			}
		}
	}
	for _, ch := range []byte("KEmn") {
		if set[ch] {
			b.WriteByte(ch)
		}
	}
	return b.String(), true
}

// cmdConfigResetStat resets INFO's counters.
// CONFIG RESETSTAT
// https://redis.io/commands/config-resetstat
func cmdConfigResetStat(c *Ctx) error {
	started := c.E.Stats.StartedAt
	c.E.Stats = Stats{StartedAt: started}
	if c.E.ConfigHook != nil {
		c.E.ConfigHook("resetstat", "")
	}
	c.W.OK()
	return nil
}

// cmdConfigRewrite would rewrite the configuration file; Folio never does.
// CONFIG REWRITE
// https://redis.io/commands/config-rewrite
func cmdConfigRewrite(c *Ctx) error {
	c.W.Error(msgNoConfigFile)
	return nil
}

// infoDefault and infoAll are the sections INFO shows with no argument or
// "default", and with "all"; "everything" adds nothing Folio has.
var (
	infoDefault = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"}
	infoAll     = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "commandstats", "errorstats", "cluster", "keyspace"}
)

// cmdInfo returns the server's figures, section by section, in Redis's
// "# Section\r\nfield:value\r\n" text. Engine.InfoHook adds the host's
// figures (process, memory, connections) to each section.
// INFO [section [section ...]]
// https://redis.io/commands/info
func cmdInfo(c *Ctx) error {
	var sections []string
	if len(c.Args) == 1 {
		sections = infoDefault
	}
	want := map[string]bool{}
	for _, a := range c.Args[1:] {
		switch s := strings.ToLower(string(a)); s {
		case "default":
			sections = append(sections, infoDefault...)
		case "all":
			sections = append(sections, infoAll...)
		case "everything":
			sections = append(sections, infoAll...)
			sections = append(sections, "modules")
		default:
			sections = append(sections, s)
		}
	}
	var b strings.Builder
	for _, s := range sections {
		if want[s] {
			continue
		}
		want[s] = true
		text, err := c.E.infoSection(c, s)
		if err != nil {
			return err
		}
		if text == "" && s != "modules" && s != "errorstats" && s != "commandstats" && s != "keyspace" && s != "cluster" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString(text)
	}
	c.W.Verbatim("txt", b.String())
	return nil
}

func (e *Engine) infoSection(c *Ctx, s string) (string, error) {
	var b strings.Builder
	add := func(k string, v any) {
		b.WriteString(k)
		b.WriteByte(':')
		switch v := v.(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteString(strconv.Itoa(v))
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case uint64:
			b.WriteString(strconv.FormatUint(v, 10))
		case bool:
			b.WriteString(strconv.FormatBool(v))
		default:
			panic("infoSection: add of an unexpected type")
		}
		b.WriteString("\r\n")
	}
	now := e.now()
	up := (now - e.Stats.StartedAt) / 1000
	switch s {
	case "server":
		b.WriteString("# Server\r\n")
		add("redis_version", redisVersion)
		add("redis_git_sha1", "00000000")
		add("redis_git_dirty", 0)
		add("redis_mode", "standalone")
		add("folio_layout", LayoutVersion)
		add("arch_bits", 64)
		add("server_time_usec", now*1000)
		add("uptime_in_seconds", up)
		add("uptime_in_days", up/86400)
		add("hz", e.config["hz"])
		add("configured_hz", e.config["hz"])
	case "clients":
		b.WriteString("# Clients\r\n")
		add("connected_clients", len(e.sessions))
		add("cluster_connections", 0)
		add("maxclients", e.config["maxclients"])
		add("blocked_clients", e.BlockedClients())
		add("tracking_clients", e.TrackingClients())
	case "memory":
		b.WriteString("# Memory\r\n")
		add("maxmemory", e.config["maxmemory"])
		add("maxmemory_policy", e.config["maxmemory-policy"])
	case "persistence":
		b.WriteString("# Persistence\r\n")
		add("loading", 0)
		add("async_loading", 0)
		add("rdb_bgsave_in_progress", 0)
		add("aof_enabled", 0)
		add("aof_rewrite_in_progress", 0)
	case "stats":
		b.WriteString("# Stats\r\n")
		add("total_commands_processed", e.Stats.Commands)
		add("expired_keys", e.Stats.ExpiredKeys)
		add("evicted_keys", 0)
		add("keyspace_hits", e.Stats.KeyspaceHits)
		add("keyspace_misses", e.Stats.KeyspaceMiss)
		add("pubsub_channels", 0)
		add("pubsub_patterns", 0)
	case "replication":
		b.WriteString("# Replication\r\n")
		add("role", "master")
		add("connected_slaves", 0)
		add("master_failover_state", "no-failover")
		add("master_replid", "0000000000000000000000000000000000000000")
		add("master_repl_offset", 0)
	case "cpu":
		b.WriteString("# CPU\r\n")
	case "modules":
		b.WriteString("# Modules\r\n")
	case "errorstats":
		b.WriteString("# Errorstats\r\n")
	case "commandstats":
		b.WriteString("# Commandstats\r\n")
	case "cluster":
		b.WriteString("# Cluster\r\n")
		add("cluster_enabled", 0)
	case "keyspace":
		b.WriteString("# Keyspace\r\n")
		for i := 0; i < e.ndb; i++ {
			k, err := c.liveKeyStats(e.dbmap[i])
			if err != nil {
				return "", err
			}
			if k.keys > 0 {
				b.WriteString("db" + strconv.Itoa(i) + ":keys=" + strconv.FormatInt(k.keys, 10) + ",expires=" + strconv.FormatInt(k.volatile, 10) + ",avg_ttl=" + strconv.FormatInt(k.avgTTL(c.Now), 10) + "\r\n")
			}
		}
	default:
		return "", nil
	}
	if e.InfoHook != nil {
		b.WriteString(e.InfoHook(s))
	}
	return b.String(), nil
}
