// Command record fills conformance transcripts with Redis's replies.
//
//	go run ./conformance/cmd/record conformance/testdata/hashes.txt ...
//
// It starts redis-server on a free 127.0.0.1 port (no persistence), plays
// each file on a fresh connection after FLUSHALL, and rewrites the file:
// comments, blank lines and command lines stay as written; the reply lines
// under each command are replaced by Redis's raw reply (`>!` commands get
// none). See conformance/README.md.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/foliodb/folio/conformance/transcript"
)

func main() {
	addr := flag.String("addr", "", "record against this running server instead of starting redis-server")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: record [-addr host:port] FILE...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if *addr == "" {
		r, err := transcript.StartRedis()
		if err != nil {
			fmt.Fprintln(os.Stderr, "record:", err)
			os.Exit(1)
		}
		defer r.Close()
		*addr = r.Addr
	}
	failed := false
	for _, path := range flag.Args() {
		if err := record(*addr, path); err != nil {
			fmt.Fprintf(os.Stderr, "record: %s: %v\n", path, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func record(addr, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, n, err := Record(addr, data)
	if err != nil {
		return err
	}
	if bytes.Equal(out, data) {
		fmt.Printf("%s: %d commands, unchanged\n", path, n)
		return nil
	}
	fmt.Printf("%s: %d commands, rewritten\n", path, n)
	return os.WriteFile(path, out, 0o644)
}

// Record plays a transcript against the server at addr and returns it with
// every reply replaced by the server's, and the number of commands.
func Record(addr string, data []byte) ([]byte, int, error) {
	text := string(data)
	lines := strings.SplitAfter(text, "\n")
	offs := lineOffsets(lines)
	// Check every command line before anything runs.
	for i, line := range lines {
		bare := strings.TrimRight(line, "\r\n")
		if _, off, isCmd := commandLine(bare); isCmd {
			if _, err := transcript.Split(bare[off:]); err != nil {
				return nil, 0, fmt.Errorf("line %d: %w", i+1, err)
			}
		}
	}
	c, err := transcript.Dial(addr)
	if err != nil {
		return nil, 0, err
	}
	defer c.Close()
	if _, err := c.Do([][]byte{[]byte("FLUSHALL")}); err != nil {
		return nil, 0, err
	}
	var out strings.Builder
	n := 0
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		bare := strings.TrimRight(line, "\r\n")
		mode, off, isCmd := commandLine(bare)
		if !isCmd {
			// Old reply lines are dropped; comments and blank lines kept.
			// A reply's lines are skipped whole below, so a line reached
			// here is outside any reply.
			if t := strings.TrimSpace(bare); t == "" || t[0] == '#' {
				out.WriteString(line)
			}
			continue
		}
		args, err := transcript.Split(bare[off:])
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: %w", i+1, err)
		}
		out.WriteString(bare + "\n")
		bs := make([][]byte, len(args))
		for k, a := range args {
			bs[k] = []byte(a)
		}
		reply, err := c.Do(bs)
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: %s: %w", i+1, bare, err)
		}
		n++
		if mode != transcript.NoReply {
			out.WriteString(transcript.Text(reply))
		}
		// Skip the old reply: whole RESP values up to the next command,
		// keeping the comments and blank lines between them.
		j := i + 1
		for j < len(lines) {
			l := strings.TrimRight(lines[j], "\r\n")
			if _, _, isCmd := commandLine(l); isCmd {
				break
			}
			if t := strings.TrimSpace(l); t == "" || t[0] == '#' {
				out.WriteString(lines[j])
				j++
				continue
			}
			rest := text[offs[j]:]
			m, err := transcript.ValueLen(rest)
			if err != nil {
				// Not a whole RESP value: drop this line only.
				j++
				continue
			}
			j += strings.Count(rest[:m], "\n")
		}
		i = j - 1
	}
	return []byte(out.String()), n, nil
}

func commandLine(line string) (transcript.Mode, int, bool) {
	if strings.HasPrefix(line, "> ") {
		return transcript.Exact, 2, true
	}
	if len(line) >= 3 && line[0] == '>' && line[2] == ' ' {
		switch m := transcript.Mode(line[1]); m {
		case transcript.Unordered, transcript.TypeOnly, transcript.NoReply:
			return m, 3, true
		}
	}
	return 0, 0, false
}

// lineOffsets returns where each line starts in the joined text.
func lineOffsets(lines []string) []int {
	offs := make([]int, len(lines)+1)
	for i, l := range lines {
		offs[i+1] = offs[i] + len(l)
	}
	return offs
}
