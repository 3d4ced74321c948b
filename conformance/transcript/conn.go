package transcript

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/foliodb/folio/core/resp"
)

// Conn is a raw RESP connection: commands go out as RESP arrays, replies
// come back as the exact bytes the server sent.
type Conn struct {
	c          net.Conn
	r          *bufio.Reader
	subscribed bool
	proto      int
	// Timeout bounds the wait for a reply (blocking commands included).
	Timeout time.Duration
}

// Dial connects to a RESP server.
func Dial(addr string) (*Conn, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &Conn{c: c, r: bufio.NewReaderSize(c, 64<<10), proto: 2, Timeout: 30 * time.Second}, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// multiReply names the commands that answer with one reply per argument,
// or that make the connection receive pushes.
var multiReply = map[string]bool{
	"subscribe": true, "psubscribe": true, "ssubscribe": true,
	"unsubscribe": true, "punsubscribe": true, "sunsubscribe": true,
}

// Do sends one command and returns the raw bytes of its reply. Commands of
// the subscribe family, and any command once the connection receives
// pushes, may answer with several values: Do collects those that arrive
// within a short wait after the first.
func (c *Conn) Do(args [][]byte) ([]byte, error) {
	var buf []byte
	buf = append(buf, '*')
	buf = strconv.AppendInt(buf, int64(len(args)), 10)
	buf = append(buf, '\r', '\n')
	for _, a := range args {
		buf = append(buf, '$')
		buf = strconv.AppendInt(buf, int64(len(a)), 10)
		buf = append(buf, '\r', '\n')
		buf = append(buf, a...)
		buf = append(buf, '\r', '\n')
	}
	c.c.SetWriteDeadline(time.Now().Add(c.Timeout))
	if _, err := c.c.Write(buf); err != nil {
		return nil, err
	}
	name := ""
	if len(args) > 0 {
		name = strings.ToLower(string(args[0]))
	}
	c.c.SetReadDeadline(time.Now().Add(c.Timeout))
	out, err := ReadRaw(c.r, nil)
	if err != nil {
		return nil, err
	}
	if name == "hello" && len(args) > 1 && len(out) > 0 && out[0] != '-' {
		c.proto, _ = strconv.Atoi(string(args[1]))
	}
	if multiReply[name] {
		c.subscribed = true
	}
	if name == "client" && len(args) > 2 && strings.EqualFold(string(args[1]), "tracking") && strings.EqualFold(string(args[2]), "on") {
		c.subscribed = true // invalidations may follow any reply
	}
	if c.subscribed || c.proto == 3 && name == "publish" {
		wait := 30 * time.Millisecond
		for {
			if c.r.Buffered() == 0 {
				c.c.SetReadDeadline(time.Now().Add(wait))
			}
			more, err := ReadRaw(c.r, nil)
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					break
				}
				return out, err
			}
			out = append(out, more...)
		}
	}
	return out, nil
}

// ReadRaw appends the bytes of one complete RESP value from r to buf.
func ReadRaw(r *bufio.Reader, buf []byte) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return buf, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return buf, fmt.Errorf("%w: %q", resp.ErrProtocol, line)
	}
	buf = append(buf, line...)
	head := line[:len(line)-2]
	switch head[0] {
	case '$', '=', '!':
		n, err := strconv.Atoi(string(head[1:]))
		if err != nil {
			return buf, resp.ErrProtocol
		}
		if n < 0 {
			return buf, nil
		}
		start := len(buf)
		buf = append(buf, make([]byte, n+2)...)
		_, err = io.ReadFull(r, buf[start:])
		return buf, err
	case '*', '%', '~', '>', '|':
		n, err := strconv.Atoi(string(head[1:]))
		if err != nil {
			return buf, resp.ErrProtocol
		}
		if head[0] == '%' || head[0] == '|' {
			n *= 2
		}
		if head[0] == '|' {
			n++
		}
		for i := 0; i < n; i++ {
			if buf, err = ReadRaw(r, buf); err != nil {
				return buf, err
			}
		}
	}
	return buf, nil
}

// Redis is a redis-server started for a test or a recording.
type Redis struct {
	Addr   string
	cmd    *exec.Cmd
	dir    string
	exited chan struct{}
}

// ErrNoRedis is returned by StartRedis when redis-server is not installed.
var ErrNoRedis = errors.New("redis-server not found in PATH (install it: apt-get install redis-server)")

// StartRedis starts redis-server on a free 127.0.0.1 port, without
// persistence, and waits until it answers.
func StartRedis() (*Redis, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNoRedis
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		lastErr = nil
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp("", "folio-redis-")
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no",
			"--logfile", "", "--loglevel", "warning")
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stderr, &stderr
		if err := cmd.Start(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		exited := make(chan struct{})
		r := &Redis{Addr: "127.0.0.1:" + strconv.Itoa(port), cmd: cmd, dir: dir, exited: exited}
		go func() { cmd.Wait(); close(exited) }()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				lastErr = fmt.Errorf("redis-server exited: %s", stderr.String())
			default:
			}
			if lastErr != nil {
				break
			}
			if c, err := Dial(r.Addr); err == nil {
				reply, err := c.Do([][]byte{[]byte("PING")})
				c.Close()
				if err == nil && string(reply) == "+PONG\r\n" {
					return r, nil
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		if lastErr == nil {
			lastErr = errors.New("redis-server did not answer within 10s")
		}
		cmd.Process.Kill()
		<-exited
		os.RemoveAll(dir)
	}
	return nil, lastErr
}

// Close stops the server (by its pid) and removes its directory.
func (r *Redis) Close() {
	r.cmd.Process.Kill()
	<-r.exited
	os.RemoveAll(r.dir)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
