package core

// Connection and server management commands.
// https://redis.io/commands/?group=connection
// https://redis.io/commands/?group=server

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/foliodb/folio/core/resp"
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
	})
}

func defaultConfig() map[string]string {
	return map[string]string{
		"databases":              "16",
		"requirepass":            "",
		"notify-keyspace-events": "",
		"maxmemory":              "0",
		"maxmemory-policy":       "noeviction",
		"appendonly":             "no",
		"save":                   "",
		"proto-max-bulk-len":     "536870912",
	}
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
		c.W.Error(fmt.Sprintf(msgWrongArity, "ping"))
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
				c.W.Error(fmt.Sprintf("ERR Syntax error in HELLO option '%s'", args[i]))
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
				c.W.Error(fmt.Sprintf("ERR Syntax error in HELLO option '%s'", args[i]))
				return nil
			}
			name = args[i+1]
			setName = true
			i++
		default:
			c.W.Error(fmt.Sprintf("ERR Syntax error in HELLO option '%s'", args[i]))
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

var _ = resp.Writer{}
