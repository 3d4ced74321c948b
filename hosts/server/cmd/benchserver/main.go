// Command benchserver runs redis-benchmark against folio-server and a real
// redis-server side by side, and prints ops/s, the folio/redis ratio per
// test, and both servers' peak RSS.
//
//	go build -o bin/folio-server ./hosts/server/cmd/folio-server
//	go run ./hosts/server/cmd/benchserver [-db :memory:|file.db] [-n 100000] [-P 1,16] [-engine native|wasm]
//
// -engine wasm starts folio-server --engine wasm (the engine as folio.wasm
// under wazero). -control puts a second redis-server in folio-server's
// place: how far apart two identical servers come out is the noise every
// ratio of the table carries on that machine.
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
	"runtime"
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
	control   = flag.Bool("control", false, "run a second redis-server in folio-server's place: the table then shows how far two identical servers differ on this machine")
	pin       = flag.Bool("pin", true, "with 2 CPUs or more (and taskset): redis-benchmark on CPU 0, each server on the others")
)

// Pinning. redis-benchmark is one thread, and at -P 1 it is what limits
// the test: either server answers faster than the client asks. Left to the
// scheduler on a 2-core machine, the client shares its core with whatever
// a server wakes. Pinned, the client has a core of its own and both
// servers share the rest alike (for folio-server that also sets its
// GOMAXPROCS). The ratios still carry the machine's noise: -control shows
// how much (0.91–1.06x between two redis-servers on the 2-core machine
// where this was written).
var clientCPUs, serverCPUs string // taskset's CPU lists; "" when not pinned

func pinning() {
	n := runtime.NumCPU()
	if !*pin || n < 2 {
		return
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver: no taskset: not pinning")
		return
	}
	clientCPUs, serverCPUs = "0", "1"
	if n > 2 {
		serverCPUs = fmt.Sprintf("1-%d", n-1)
	}
}

// pinned returns the command running bin with args on cpus (taskset execs
// bin, which keeps its process id).
func pinned(cpus, bin string, args ...string) *exec.Cmd {
	if cpus == "" {
		return exec.Command(bin, args...)
	}
	return exec.Command("taskset", append([]string{"-c", cpus, bin}, args...)...)
}

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
	pinning()
	if *engine != "native" && *engine != "wasm" {
		fatal("engine %q: want native or wasm", *engine)
	}
	// A fresh slice per server: start writes the port into its args.
	redisArgs := func() []string {
		return []string{"--port", "%d", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}
	}
	var folio *server
	if *control {
		folio = start("redis (control)", *redisBin, redisArgs()...)
	} else {
		folio = start("folio", *folioBin, "--port", "%d", "--db", *dbPath, "--loglevel", "warning", "--engine", *engine)
	}
	defer stop(folio)
	redis := start("redis", *redisBin, redisArgs()...)
	defer stop(redis)

	type row struct {
		test  string
		p     int
		folio float64
		redis float64
		// Server CPU time per request, µs (the least of the rounds).
		folioCPU, redisCPU float64
		note               string
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
			better := func(best, cpu *float64, rps, c float64) {
				*best = max(*best, rps)
				if c > 0 && (*cpu == 0 || c < *cpu) {
					*cpu = c
				}
			}
			for i := 0; i < *rounds; i++ {
				if r.note == "" {
					rps, c := bench(folio, t, p)
					better(&r.folio, &r.folioCPU, rps, c)
				}
				rps, c := bench(redis, t, p)
				better(&r.redis, &r.redisCPU, rps, c)
			}
			rows = append(rows, r)
			fmt.Fprintf(os.Stderr, "%-12s -P %-3d folio %10.0f  redis %10.0f %s\n", t, p, r.folio, r.redis, r.note)
		}
	}
	where := "not pinned"
	if clientCPUs != "" {
		where = fmt.Sprintf("redis-benchmark on CPU %s, servers on CPUs %s", clientCPUs, serverCPUs)
	}
	what := fmt.Sprintf("folio engine %s, db %s", *engine, *dbPath)
	if *control {
		what = "control: the folio column is a second redis-server"
	}
	fmt.Printf("\nredis-benchmark -n %d -r %d -c %d; best of %d; %s; %s; %s\n\n", *requests, *keyspace, *clients, *rounds, where, what, time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("| test | -P | folio ops/s | redis ops/s | folio/redis | CPU µs/req folio | redis |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		if r.note != "" {
			fmt.Printf("| %s | %d | %s | %.0f | - | - | %.1f |\n", r.test, r.p, r.note, r.redis, r.redisCPU)
			continue
		}
		ratio := "-"
		if r.redis > 0 {
			ratio = fmt.Sprintf("%.2fx", r.folio/r.redis)
		}
		fmt.Printf("| %s | %d | %.0f | %.0f | %s | %.1f | %.1f |\n", r.test, r.p, r.folio, r.redis, ratio, r.folioCPU, r.redisCPU)
	}
	fmt.Printf("\nCPU µs/req: the server process's CPU time (user and system, all threads) over a run, per request; for lrange_100 the run includes the LPUSH fill redis-benchmark sends first.\n")
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
	cmd := pinned(serverCPUs, bin, args...)
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

// bench runs one test against srv: the test's ops/s, and the server's CPU
// time per request of the run in µs (0 if unknown).
func bench(srv *server, test string, p int) (rps, cpu float64) {
	cmd := pinned(clientCPUs, *benchBin, "-h", "127.0.0.1", "-p", strconv.Itoa(srv.port), "-t", test,
		"-n", strconv.Itoa(*requests), "-r", strconv.Itoa(*keyspace), "-c", strconv.Itoa(*clients),
		"-P", strconv.Itoa(p), "--csv")
	cpu0 := cpuTime(srv.cmd.Process.Pid)
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "redis-benchmark %s on %d: %v\n", test, srv.port, err)
		return 0, 0
	}
	cpu1 := cpuTime(srv.cmd.Process.Pid)
	recs, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
	if err != nil || len(recs) < 2 {
		return 0, 0
	}
	if cpu0 >= 0 && cpu1 >= 0 {
		cpu = float64(cpu1-cpu0) / float64(*requests*(len(recs)-1))
	}
	// "test","rps",...: take the first data row; LRANGE_100 runs LPUSH
	// first (redis-benchmark fills the list), so match by name.
	want := strings.ToUpper(test)
	for _, rec := range recs[1:] {
		if len(rec) >= 2 && strings.HasPrefix(strings.ToUpper(rec[0]), strings.SplitN(want, "_", 2)[0]) {
			v, _ := strconv.ParseFloat(rec[1], 64)
			return v, cpu
		}
	}
	return 0, cpu
}

// cpuTime returns the process's user and system CPU time in µs, -1 if
// unknown (no /proc). The kernel counts it in ticks of 10 ms (USER_HZ is
// 100 on Linux), which over a run of a second or more is a 1% error.
func cpuTime(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return -1
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return (utime + stime) * 10000
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
