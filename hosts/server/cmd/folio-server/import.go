package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
	"github.com/foliodb/folio/hosts/server"
)

// takeImport removes "--import FILE" (or "--import=FILE") from args and
// returns the remaining arguments and FILE ("" when absent).
func takeImport(args []string) ([]string, string, error) {
	var rest []string
	file := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--import" || a == "-import":
			if i+1 >= len(args) {
				return nil, "", errors.New("--import needs a file")
			}
			file = args[i+1]
			i++
		case len(a) > 9 && a[:9] == "--import=":
			file = a[9:]
		default:
			rest = append(rest, a)
		}
	}
	return rest, file, nil
}

// importFile plays the RESP stream of commands in path (as the browser
// console exports it: SELECT, then per key a write command and PEXPIREAT)
// against the server's engine before it serves. An error reply stops the
// import: it names the command's position in the file.
func importFile(srv *server.Server, path string) (n int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rr := resp.NewRequestReader(bufio.NewReaderSize(f, 64<<10))
	srv.Do(func(e *core.Engine) {
		sess := e.NewSession()
		defer e.CloseSession(sess)
		w := &resp.Writer{Proto: 2}
		for {
			args, rerr := rr.Read()
			if rerr == io.EOF {
				return
			}
			if rerr != nil {
				err = fmt.Errorf("%s: command %d: %v", path, n+1, rerr)
				return
			}
			if len(args) == 0 {
				continue
			}
			n++
			w.B = w.B[:0]
			e.Exec(sess, args, w)
			if len(w.B) > 0 && w.B[0] == '-' {
				err = fmt.Errorf("%s: command %d (%s): %s", path, n, args[0], trimCRLF(w.B[1:]))
				return
			}
		}
	})
	return n, err
}

func trimCRLF(b []byte) string {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return string(b)
}
