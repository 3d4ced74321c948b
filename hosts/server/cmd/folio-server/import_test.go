package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/hosts/server"
)

func TestTakeImport(t *testing.T) {
	rest, file, err := takeImport([]string{"--port", "1", "--import", "x.resp", "--db", ":memory:"})
	if err != nil || file != "x.resp" || strings.Join(rest, " ") != "--port 1 --db :memory:" {
		t.Fatalf("got %q %q %v", rest, file, err)
	}
	if _, file, _ = takeImport([]string{"--import=y"}); file != "y" {
		t.Fatalf("--import=y: %q", file)
	}
	if _, _, err = takeImport([]string{"--import"}); err == nil {
		t.Fatal("--import without a file: no error")
	}
}

func TestImportFile(t *testing.T) {
	dir := t.TempDir()
	cfg := server.DefaultConfig()
	cfg.DB = filepath.Join(dir, "folio.db") // a fresh file each run
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	good := filepath.Join(dir, "good.resp")
	stream := "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n" +
		"*4\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\na\r\n$1\r\nb\r\n" +
		"*3\r\n$9\r\nPEXPIREAT\r\n$1\r\nl\r\n$13\r\n9999999999999\r\n"
	if err := os.WriteFile(good, []byte(stream), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := importFile(srv, good)
	if err != nil || n != 3 {
		t.Fatalf("import: %d %v", n, err)
	}
	got := ""
	srv.Do(func(e *core.Engine) {
		s := e.NewSession()
		e.Do(s, "SELECT", "2")
		got = string(e.Do(s, "LRANGE", "l", "0", "-1")) + string(e.Do(s, "PEXPIRETIME", "l"))
	})
	if got != "*2\r\n$1\r\na\r\n$1\r\nb\r\n:9999999999999\r\n" {
		t.Fatalf("after import: %q", got)
	}
	bad := filepath.Join(dir, "bad.resp")
	os.WriteFile(bad, []byte("*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*2\r\n$4\r\nINCR\r\n$1\r\nl\r\n"), 0o600)
	if _, err := importFile(srv, bad); err == nil || !strings.Contains(err.Error(), "command 2 (INCR): WRONGTYPE") {
		t.Fatalf("bad import: %v", err)
	}
}
