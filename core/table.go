package core

import (
	"bytes"
	"sort"
	"strings"

	"github.com/foliodb/folio/core/resp"
)

// commandsDeflate (commands_resp.go) holds Redis 7.0's own replies to COMMAND and COMMAND DOCS
// (RESP3), captured by conformance/cmd/gencommands and stored compressed. Arity, flags and key
// positions of every command come from it, so they are Redis's exactly.

// Handler runs one command. It writes its reply through c.W and returns an
// error only when the store failed, in which case the engine rolls back
// and replaces whatever was written with an error reply.
type Handler func(c *Ctx) error

// Command is one entry of the command table.
type Command struct {
	Name     string // lower case; "config|get" for a subcommand
	Arity    int
	Flags    map[string]bool
	FirstKey int
	LastKey  int
	Step     int
	Write    bool
	Handler  Handler
	Subs     map[string]*Command
	hasSubs  bool // Redis has subcommands for it

	// Flags the engine tests on every call, read from Flags once.
	mayReplicate, noAuth, noMulti bool

	info resp.Value // COMMAND INFO entry, RESP3
	docs resp.Value // COMMAND DOCS entry (value part), RESP3
}

var (
	commands      = map[string]*Command{}
	redisVersion  = "7.0.15"
	redisInfo     = map[string]resp.Value{}
	redisDocs     = map[string]resp.Value{}
	tableComplete bool
)

func loadRedisTable() {
	raw, ok := inflate(commandsDeflate, commandsRESPLen)
	if !ok {
		panic("core: the command table (commands_resp.go) does not decode")
	}
	rd := resp.NewReader(bytes.NewReader(raw))
	ver, _ := rd.Read()
	redisVersion = ver.Str
	info, _ := rd.Read()
	docs, _ := rd.Read()
	var addInfo func(v resp.Value)
	addInfo = func(v resp.Value) {
		name := v.Elems[0].Str
		redisInfo[name] = v
		if len(v.Elems) > 9 {
			for _, s := range v.Elems[9].Elems {
				addInfo(s)
			}
		}
	}
	for _, v := range info.Elems {
		addInfo(v)
	}
	var addDocs func(name string, v resp.Value)
	addDocs = func(name string, v resp.Value) {
		redisDocs[name] = v
		for i := 0; i+1 < len(v.Elems); i += 2 {
			if v.Elems[i].Str == "subcommands" {
				sub := v.Elems[i+1]
				for j := 0; j+1 < len(sub.Elems); j += 2 {
					addDocs(sub.Elems[j].Str, sub.Elems[j+1])
				}
			}
		}
	}
	for i := 0; i+1 < len(docs.Elems); i += 2 {
		addDocs(docs.Elems[i].Str, docs.Elems[i+1])
	}
}

// register adds handlers to the command table; names are lower case, and
// "parent|sub" registers a subcommand. Arity, flags and key positions are
// Redis's own. It panics on a name Redis 7.0 does not have.
func register(handlers map[string]Handler) {
	if len(redisInfo) == 0 {
		loadRedisTable()
	}
	for name, h := range handlers {
		info, ok := redisInfo[name]
		if !ok {
			panic("core: Redis 7.0 has no command " + name)
		}
		c := &Command{
			Name:     name,
			Arity:    int(info.Elems[1].Int),
			Flags:    map[string]bool{},
			FirstKey: int(info.Elems[3].Int),
			LastKey:  int(info.Elems[4].Int),
			Step:     int(info.Elems[5].Int),
			Handler:  h,
			info:     info,
			docs:     redisDocs[name],
		}
		for _, f := range info.Elems[2].Elems {
			c.Flags[f.Str] = true
		}
		c.Write = c.Flags["write"]
		c.setFlagBits()
		if parent, sub, ok := strings.Cut(name, "|"); ok {
			p := commands[parent]
			if p == nil {
				pi := redisInfo[parent]
				p = &Command{Name: parent, Arity: int(pi.Elems[1].Int), Flags: map[string]bool{}, info: pi, docs: redisDocs[parent], hasSubs: true}
				for _, f := range pi.Elems[2].Elems {
					p.Flags[f.Str] = true
				}
				p.setFlagBits()
				commands[parent] = p
			}
			if p.Subs == nil {
				p.Subs = map[string]*Command{}
			}
			p.Subs[sub] = c
			continue
		}
		c.hasSubs = len(info.Elems) > 9 && len(info.Elems[9].Elems) > 0
		if old := commands[name]; old != nil {
			c.Subs = old.Subs
		}
		commands[name] = c
	}
}

func (c *Command) setFlagBits() {
	c.mayReplicate = c.Flags["may_replicate"]
	c.noAuth = c.Flags["no_auth"]
	c.noMulti = c.Flags["no_multi"]
}

// lookupCommand finds a command by its name in any case, without
// allocating for names up to 32 bytes.
func lookupCommand(name []byte) *Command {
	var buf [32]byte
	if len(name) > len(buf) {
		return commands[strings.ToLower(string(name))]
	}
	n := buf[:len(name)]
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		n[i] = ch
	}
	return commands[string(n)]
}

// MayWrite reports whether running args could write to the store: a
// command flagged write, or EXEC. A host uses it to open a group commit
// only for batches that need one; a read that expires a key commits its
// own delete.
func MayWrite(args [][]byte) bool {
	if len(args) == 0 {
		return false
	}
	c := lookupCommand(args[0])
	return c != nil && (c.Write || c.Name == "exec")
}

// Commands returns the names of every implemented command and subcommand,
// sorted, for coverage tests.
func Commands() []string {
	var names []string
	for name, c := range commands {
		if c.Handler != nil {
			names = append(names, name)
		}
		for _, s := range c.Subs {
			names = append(names, s.Name)
		}
	}
	sort.Strings(names)
	return names
}

// writeValue re-encodes a decoded RESP3 value in w's protocol.
func writeValue(w *resp.Writer, v resp.Value) {
	switch v.Kind {
	case resp.KindStatus:
		w.Status(v.Str)
	case resp.KindError:
		w.Error(v.Str)
	case resp.KindInt:
		w.Int(v.Int)
	case resp.KindBulk:
		if v.Null {
			w.Null()
		} else {
			w.BulkString(v.Str)
		}
	case resp.KindNull:
		w.Null()
	case resp.KindBool:
		w.Bool(v.Int == 1)
	case resp.KindArray, resp.KindSet, resp.KindMap:
		switch v.Kind {
		case resp.KindArray:
			w.Array(len(v.Elems))
		case resp.KindSet:
			w.Set(len(v.Elems))
		default:
			w.Map(len(v.Elems) / 2)
		}
		for _, e := range v.Elems {
			writeValue(w, e)
		}
	default:
		w.BulkString(v.Str)
	}
}
