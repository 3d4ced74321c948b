package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The real binary, configured by a redis.conf-style file and flags, stops
// cleanly on SIGTERM.
func TestBinaryConfigFileAndSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "folio-server")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := filepath.Join(dir, "redis.conf")
	os.WriteFile(conf, []byte("# test\nport 1\nrequirepass \"s3cret\"\ndatabases 4\nsave \"\"\n"), 0o644)
	cmd := exec.Command(bin, conf, "--port", itoa(port), "--loglevel", "notice")
	cmd.Dir = dir // the default store, folio.db, is created there
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var nc net.Conn
	var err error
	for i := 0; i < 200; i++ {
		if nc, err = net.Dial("tcp", "127.0.0.1:"+itoa(port)); err == nil {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	rd := bufio.NewReader(nc)
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	for _, step := range [][2]string{
		{"PING\r\n", "-NOAUTH Authentication required.\r\n"},
		{"AUTH s3cret\r\n", "+OK\r\n"},
		{"SELECT 4\r\n", "-ERR DB index is out of range\r\n"},
		{"SELECT 3\r\n", "+OK\r\n"},
	} {
		nc.Write([]byte(step[0]))
		if got, _ := rd.ReadString('\n'); got != step[1] {
			t.Fatalf("%q: got %q want %q", step[0], got, step[1])
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, logs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("folio-server did not stop on SIGTERM")
	}
	if _, err := os.Stat(filepath.Join(dir, "folio.db")); err != nil {
		t.Errorf("no default database file: %v", err)
	}
	if !strings.Contains(logs.String(), "ready to exit") {
		t.Fatalf("log:\n%s", logs.String())
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
