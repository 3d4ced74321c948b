// Command benchserver runs redis-benchmark against folio-server and a real
// redis-server side by side, and prints ops/s, the folio/redis ratio per
// test, and both servers' peak RSS.
//
//	go build -o bin/folio-server ./hosts/server/cmd/folio-server
//	go run ./hosts/server/cmd/benchserver [-db :memory:|file.db] [-n 100000] [-P 1,16] [-engine native|wasm]
//
// -engine wasm starts folio-server --engine wasm (the engine as folio.wasm
// under wazero).
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

var (
	folioBin  = flag.String("folio", "bin/folio-server", "folio-server binary")
	redisBin  = flag.String("redis", "redis-server", "redis-server binary")
	benchBin  = flag.String("benchmark", "redis-benchmark", "redis-benchmark binary")
	dbPath    = flag.String("db", ":memory:", "folio database: :memory: or a file (SQLite, when linked)")
	engine    = flag.String("engine", "native", "folio engine: native or wasm (folio-server --engine)")
	tests     = flag.String("t", "set,get,incr,lpush,rpush,lpop,sadd,hset,zadd,lrange_100", "redis-benchmark tests")
	requests  = flag.Int("n", 100000, "requests per test")
	keyspace  = flag.Int("r", 100000, "random keyspace size")
	clients   = flag.Int("c", 50, "parallel connections")
	pipelines = flag.String("P", "1,16", "pipeline depths")
	rounds    = flag.Int("rounds", 1, "runs per test and server, alternating; the best is kept (the machine may be shared)")
)

// probe is a command each test sends, to tell "not implemented yet".
var probe = map[string][]string{
	"set": {"SET", "probe:k", "v"}, "get": {"GET", "probe:k"}, "incr": {"INCR", "probe:n"},
	"lpush": {"LPUSH", "probe:l", "v"}, "rpush": {"RPUSH", "probe:l", "v"}, "lpop": {"LPOP", "probe:l"},
	"sadd": {"SADD", "probe:s", "v"}, "hset": {"HSET", "probe:h", "f", "v"}, "zadd": {"ZADD", "probe:z", "1", "v"},
	"lrange_100": {"LRANGE", "probe:l", "0", "99"}, "ping_inline": {"PING"}, "ping_mbulk": {"PING"},
	"spop": {"SPOP", "probe:s"}, "mset": {"MSET", "probe:k", "v"},
}

type server struct {
	name string
	cmd  *exec.Cmd
	port int
}

func main() {
	flag.Parse()
	if *engine != "native" && *engine != "wasm" {
		fatal("engine %q: want native or wasm", *engine)
	}
	folio := start("folio", *folioBin, "--port", "%d", "--db", *dbPath, "--loglevel", "warning", "--engine", *engine)
	defer stop(folio)
	redis := start("redis", *redisBin, "--port", "%d", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	defer stop(redis)

	type row struct {
		test  string
		p     int
		folio float64
		redis float64
		note  string
	}
	var rows []row
	for _, ps := range strings.Split(*pipelines, ",") {
		p, err := strconv.Atoi(ps)
		if err != nil {
			fatal("bad -P %q", ps)
		}
		for _, t := range strings.Split(*tests, ",") {
			r := row{test: t, p: p}
			r.note = check(folio.port, t)
			for i := 0; i < *rounds; i++ {
				if r.note == "" {
					r.folio = max(r.folio, bench(folio.port, t, p))
				}
				r.redis = max(r.redis, bench(redis.port, t, p))
			}
			rows = append(rows, r)
			fmt.Fprintf(os.Stderr, "%-12s -P %-3d folio %10.0f  redis %10.0f %s\n", t, p, r.folio, r.redis, r.note)
		}
	}
	fmt.Printf("\nredis-benchmark -n %d -r %d -c %d; best of %d; folio engine %s, db %s; %s\n\n", *requests, *keyspace, *clients, *rounds, *engine, *dbPath, time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("| test | -P | folio ops/s | redis ops/s | folio/redis |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		if r.note != "" {
			fmt.Printf("| %s | %d | %s | %.0f | - |\n", r.test, r.p, r.note, r.redis)
			continue
		}
		ratio := "-"
		if r.redis > 0 {
			ratio = fmt.Sprintf("%.2fx", r.folio/r.redis)
		}
		fmt.Printf("| %s | %d | %.0f | %.0f | %s |\n", r.test, r.p, r.folio, r.redis, ratio)
	}
	fmt.Printf("\npeak RSS (VmHWM): folio %s, redis %s\n", vmHWM(folio.cmd.Process.Pid), vmHWM(redis.cmd.Process.Pid))
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchserver: "+format+"\n", args...)
	os.Exit(1)
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal("%v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func start(name, bin string, args ...string) *server {
	port := freePort()
	for i, a := range args {
		if a == "%d" {
			args[i] = strconv.Itoa(port)
		}
	}
	if abs, err := filepath.Abs(bin); err == nil && strings.Contains(bin, "/") {
		bin = abs
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fatal("starting %s: %v", name, err)
	}
	s := &server{name: name, cmd: cmd, port: port}
	for i := 0; ; i++ {
		if reply, err := roundTrip(port, "PING"); err == nil && reply == "+PONG" {
			return s
		}
		if i > 200 {
			stop(s)
			fatal("%s did not start on port %d", name, port)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func stop(s *server) {
	s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// roundTrip sends one command and returns the first line of the reply.
func roundTrip(port int, args ...string) (string, error) {
	nc, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return "", err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(2 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := nc.Write([]byte(b.String())); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(nc).ReadString('\n')
	return strings.TrimRight(line, "\r\n"), err
}

// check returns "not implemented" when folio does not know the test's command.
func check(port int, test string) string {
	args := probe[test]
	if args == nil {
		return ""
	}
	reply, err := roundTrip(port, args...)
	if err != nil {
		return "error: " + err.Error()
	}
	if strings.HasPrefix(reply, "-ERR unknown command") {
		return "not implemented"
	}
	return ""
}

func bench(port int, test string, p int) float64 {
	cmd := exec.Command(*benchBin, "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-t", test,
		"-n", strconv.Itoa(*requests), "-r", strconv.Itoa(*keyspace), "-c", strconv.Itoa(*clients),
		"-P", strconv.Itoa(p), "--csv")
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "redis-benchmark %s on %d: %v\n", test, port, err)
		return 0
	}
	recs, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
	if err != nil {
		return 0
	}
	// "test","rps",...: take the first data row; LRANGE_100 runs LPUSH
	// first (redis-benchmark fills the list), so match by name.
	want := strings.ToUpper(test)
	for _, rec := range recs[1:] {
		if len(rec) >= 2 && strings.HasPrefix(strings.ToUpper(rec[0]), strings.SplitN(want, "_", 2)[0]) {
			v, _ := strconv.ParseFloat(rec[1], 64)
			return v
		}
	}
	return 0
}

func vmHWM(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.Join(strings.Fields(l)[1:], " ")
		}
	}
	return "?"
}
