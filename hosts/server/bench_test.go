package server_test

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/core/store/memstore"
	"github.com/foliodb/folio/hosts/server"
	"github.com/foliodb/folio/hosts/server/foliotest"
)

// BenchmarkPipeline16 measures one command in 16-deep pipelines over a real
// TCP connection; BenchmarkEngineOnly the engine alone, for the server's
// share: go test -run '^$' -bench . -benchtime 200000x ./hosts/server/
func BenchmarkPipeline16(b *testing.B) {
	s := foliotest.Run(b, foliotest.WithConfig(func(c *server.Config) { c.Now = time.Now }))
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	req := []byte(strings.Repeat("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", 16))
	rd := bufio.NewReader(nc)
	reply := make([]byte, 16*len("+OK\r\n"))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 16 {
		if _, err := nc.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(rd, reply); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEngineOnly(b *testing.B) {
	e, err := core.New(memstore.New(), core.Options{Now: func() int64 { return time.Now().UnixMilli() }})
	if err != nil {
		b.Fatal(err)
	}
	sess := e.NewSession()
	args := [][]byte{[]byte("SET"), []byte("key"), []byte("value")}
	var w resp.Writer
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.B = w.B[:0]
		e.Exec(sess, args, &w)
	}
}
