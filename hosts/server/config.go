package server

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ParseArgs reads folio-server's command line the way redis-server reads
// its own: an optional configuration file first (redis.conf syntax), then
// --name value flags, which win over the file.
func ParseArgs(args []string, stderr io.Writer) (Config, error) {
	cfg := DefaultConfig()
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		if err := cfg.LoadFile(args[0]); err != nil {
			return cfg, err
		}
		args = args[1:]
	}
	fs := flag.NewFlagSet("folio-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Port, "port", cfg.Port, "TCP port to listen on")
	fs.StringVar(&cfg.Bind, "bind", cfg.Bind, "address to listen on")
	fs.StringVar(&cfg.DB, "db", cfg.DB, "database file (SQLite), or :memory:")
	fs.StringVar(&cfg.Durability, "durability", cfg.Durability, "SQLite synchronous mode: normal (an acknowledged write survives a killed process) or full (it also survives a power loss)")
	fs.StringVar(&cfg.RequirePass, "requirepass", cfg.RequirePass, "password clients must AUTH with")
	fs.IntVar(&cfg.MaxClients, "maxclients", cfg.MaxClients, "maximum number of connected clients")
	fs.IntVar(&cfg.Timeout, "timeout", cfg.Timeout, "close a client idle for this many seconds (0: never)")
	fs.IntVar(&cfg.Databases, "databases", cfg.Databases, "number of databases")
	fs.Func("proto-max-bulk-len", "largest bulk string a client may send (default 512mb)", func(v string) error {
		return setMemory(&cfg.ProtoMaxBulkLen, v)
	})
	fs.Func("client-query-buffer-limit", "largest query buffer of one client (default 1gb)", func(v string) error {
		return setMemory(&cfg.ClientQueryBufferLimit, v)
	})
	fs.StringVar(&cfg.Engine, "engine", cfg.Engine, "engine: native, or wasm (the engine runs as folio.wasm under wazero)")
	fs.StringVar(&cfg.LogLevel, "loglevel", cfg.LogLevel, "debug, verbose, notice or warning")
	fs.BoolVar(&cfg.GoroutinePerConn, "goroutine-per-conn", cfg.GoroutinePerConn, "serve each connection from a goroutine of its own instead of the epoll event loop (Linux)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, cfg.check()
}

func (cfg *Config) check() error {
	switch cfg.LogLevel {
	case "debug", "verbose", "notice", "warning":
	default:
		return fmt.Errorf("loglevel must be one of debug, verbose, notice, warning")
	}
	switch cfg.Engine {
	case "", "native", "wasm":
	default:
		return fmt.Errorf("engine must be native or wasm")
	}
	if cfg.Port < 0 || cfg.Port > 65535 {
		return fmt.Errorf("port must be between 0 and 65535")
	}
	return nil
}

func setMemory(dst *int64, v string) error {
	n, err := parseMemory(v)
	if err != nil {
		return err
	}
	*dst = n
	return nil
}

// parseMemory reads 512mb, 1gb, 100 (bytes), as redis.conf does.
func parseMemory(v string) (int64, error) {
	l := strings.ToLower(strings.TrimSpace(v))
	mul := int64(1)
	for _, u := range []struct {
		s string
		m int64
	}{{"kb", 1024}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000000}, {"g", 1000000000}, {"b", 1}} {
		if strings.HasSuffix(l, u.s) {
			l, mul = strings.TrimSuffix(l, u.s), u.m
			break
		}
	}
	n, err := strconv.ParseInt(l, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid memory value %q", v)
	}
	return n * mul, nil
}

// LoadFile applies a redis.conf-style file: one "name value" per line, #
// comments, Redis's quoting. Names Folio does not know are an error, as in
// redis-server; save and appendonly are accepted and ignored.
func (cfg *Config) LoadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	cfg.ConfigFile = path
	sc := bufio.NewScanner(bytes.NewReader(data))
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		args, perr := splitInline([]byte(line + "\n"))
		if perr != "" || len(args) == 0 {
			return fmt.Errorf("%s:%d: bad line %q", path, ln, line)
		}
		if err := cfg.set(strings.ToLower(string(args[0])), args[1:]); err != nil {
			return fmt.Errorf("%s:%d: %v", path, ln, err)
		}
	}
	return sc.Err()
}

func (cfg *Config) set(name string, vals [][]byte) error {
	if len(vals) == 0 {
		return fmt.Errorf("%s: missing value", name)
	}
	v := string(vals[0])
	var err error
	switch name {
	case "port":
		cfg.Port, err = strconv.Atoi(v)
	case "bind":
		cfg.Bind = v
	case "durability":
		cfg.Durability = v
	case "db", "dbfilename":
		cfg.DB = v
	case "requirepass":
		cfg.RequirePass = v
	case "maxclients":
		cfg.MaxClients, err = strconv.Atoi(v)
	case "timeout":
		cfg.Timeout, err = strconv.Atoi(v)
	case "databases":
		cfg.Databases, err = strconv.Atoi(v)
	case "proto-max-bulk-len":
		err = setMemory(&cfg.ProtoMaxBulkLen, v)
	case "client-query-buffer-limit":
		err = setMemory(&cfg.ClientQueryBufferLimit, v)
	case "loglevel":
		cfg.LogLevel = v
	case "engine":
		cfg.Engine = v
	case "save", "appendonly", "daemonize", "protected-mode":
	default:
		return fmt.Errorf("unknown directive %q", name)
	}
	return err
}
