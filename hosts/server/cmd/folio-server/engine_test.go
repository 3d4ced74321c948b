package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The real binary with engine wasm (from the configuration file) serves a
// SQLite file, stops on SIGTERM, and finds its data again on restart.
func TestBinaryEngineWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "folio-server")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	conf := filepath.Join(dir, "redis.conf")
	os.WriteFile(conf, []byte("engine wasm\ndb data.db\n"), 0o644)
	run := func(steps [][2]string) {
		t.Helper()
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		cmd := exec.Command(bin, conf, "--port", itoa(port))
		cmd.Dir = dir
		var logs strings.Builder
		cmd.Stderr = &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Process.Kill()
		var nc net.Conn
		var err error
		for i := 0; i < 400; i++ {
			if nc, err = net.Dial("tcp", "127.0.0.1:"+itoa(port)); err == nil {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("%v\n%s", err, logs.String())
		}
		defer nc.Close()
		rd := bufio.NewReader(nc)
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		for _, step := range steps {
			nc.Write([]byte(step[0]))
			if got, _ := rd.ReadString('\n'); got != step[1] {
				t.Fatalf("%q: got %q want %q\n%s", step[0], got, step[1], logs.String())
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
			t.Fatal("folio-server --engine wasm did not stop on SIGTERM")
		}
	}
	run([][2]string{{"SET k v\r\n", "+OK\r\n"}, {"EXISTS k\r\n", ":1\r\n"}})
	if _, err := os.Stat(filepath.Join(dir, "data.db")); err != nil {
		t.Fatalf("no database file: %v", err)
	}
	run([][2]string{{"STRLEN k\r\n", ":1\r\n"}, {"DBSIZE\r\n", ":1\r\n"}})
}
