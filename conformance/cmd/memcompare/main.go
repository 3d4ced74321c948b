// Command memcompare measures the memory of a 1,000,000-field hash and a
// 1,000,000-member sorted set in Folio's memory store (this process's RSS
// growth, after a GC) against redis-server holding the same data (its RSS).
//
//	go run ./conformance/cmd/memcompare [-n 1000000]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store/memstore"
)

func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n * 1024
		}
	}
	return 0
}

// batches yields the fill commands: HSET and ZADD with 1000 pairs each.
func batches(n int, fn func(args []string)) {
	for i := 0; i < n; i += 1000 {
		h := []string{"HSET", "hash"}
		z := []string{"ZADD", "zset"}
		for j := i; j < i+1000 && j < n; j++ {
			h = append(h, "field:"+strconv.Itoa(j), "value:"+strconv.Itoa(j))
			z = append(z, strconv.Itoa(j), "member:"+strconv.Itoa(j))
		}
		fn(h)
		fn(z)
	}
}

func main() {
	n := flag.Int("n", 1_000_000, "elements in each collection")
	flag.Parse()

	// Folio: this process, memory store.
	runtime.GC()
	debug.FreeOSMemory()
	before := rss(os.Getpid())
	e, err := core.New(memstore.New(), core.Options{Now: func() int64 { return time.Now().UnixMilli() }, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	s := e.NewSession()
	var w resp.Writer
	batches(*n, func(args []string) {
		bs := make([][]byte, len(args))
		for i, a := range args {
			bs[i] = []byte(a)
		}
		w.B = w.B[:0]
		e.Exec(s, bs, &w)
		if w.B[0] == '-' {
			log.Fatalf("%s", w.B)
		}
	})
	runtime.GC()
	debug.FreeOSMemory()
	folio := rss(os.Getpid()) - before
	runtime.KeepAlive(e)

	// redis-server on a free port.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer cmd.Process.Kill()
	var c net.Conn
	for i := 0; i < 200; i++ {
		if c, err = net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		log.Fatal(err)
	}
	redisBefore := rss(cmd.Process.Pid)
	rd := resp.NewReader(bufio.NewReader(c))
	batches(*n, func(args []string) {
		c.Write(resp.AppendCommand(nil, args...))
		if v, err := rd.Read(); err != nil || v.Kind == resp.KindError {
			log.Fatal(err, v.Str)
		}
	})
	redis := rss(cmd.Process.Pid) - redisBefore
	fmt.Printf("%d-field hash + %d-member zset\n", *n, *n)
	fmt.Printf("folio memory store: %.1f MiB (RSS growth of this process)\n", float64(folio)/(1<<20))
	fmt.Printf("redis-server 7.0:   %.1f MiB (RSS growth)\n", float64(redis)/(1<<20))
	fmt.Printf("ratio folio/redis:  %.2fx (target at most 2x)\n", float64(folio)/float64(redis))
}
