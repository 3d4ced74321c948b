// Command gencommands captures Redis 7.0's own command table (COMMAND and
// COMMAND DOCS, in RESP3) from a real redis-server and writes it, gzipped,
// to core/commands.resp.gz, from which Folio answers COMMAND and takes every
// command's arity, flags and key positions.
//
//	go run ./conformance/cmd/gencommands [-o core/commands.resp.gz]
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/foliodb/folio/core/resp"
)

func main() {
	out := flag.String("o", "core/commands.resp.gz", "output file")
	bin := flag.String("redis-server", "redis-server", "redis-server binary")
	flag.Parse()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	srv := exec.Command(*bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := srv.Start(); err != nil {
		log.Fatal(err)
	}
	defer srv.Process.Kill()
	var c net.Conn
	for i := 0; i < 100; i++ {
		if c, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		log.Fatal(err)
	}
	var version string
	var buf bytes.Buffer
	tee := io.TeeReader(c, &buf)
	r := bufio.NewReader(tee)
	rd := resp.NewReader(r)
	send := func(args ...string) resp.Value {
		c.Write(resp.AppendCommand(nil, args...))
		v, err := rd.Read()
		if err != nil {
			log.Fatal(err)
		}
		return v
	}
	hello := send("HELLO", "3")
	for i := 0; i+1 < len(hello.Elems); i += 2 {
		if hello.Elems[i].Str == "version" {
			version = hello.Elems[i+1].Str
		}
	}
	// Capture the raw bytes of the two replies exactly as Redis sent them.
	capture := func(args ...string) []byte {
		buf.Reset()
		r.Reset(tee)
		rd = resp.NewReader(r)
		send(args...)
		return append([]byte(nil), buf.Bytes()...)
	}
	info := capture("COMMAND")
	docs := capture("COMMAND", "DOCS")
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	fmt.Fprintf(zw, "$%d\r\n%s\r\n", len(version), version)
	zw.Write(info)
	zw.Write(docs)
	zw.Close()
	if err := os.WriteFile(*out, gz.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("redis %s: COMMAND %d bytes, COMMAND DOCS %d bytes, %s %d bytes", version, len(info), len(docs), *out, gz.Len())
}
