package resp

import (
	"bufio"
	"strconv"
)

// ErrRequest reports a malformed request; its text is Redis's reply.
type ErrRequest struct{ Msg string }

func (e *ErrRequest) Error() string { return e.Msg }

// RequestReader reads commands (RESP arrays of bulk strings, or inline
// commands) with Redis's limits.
type RequestReader struct {
	r         *bufio.Reader
	MaxBulk   int64 // proto-max-bulk-len
	MaxArgs   int64 // 1024*1024 in Redis
	MaxInline int   // 64 KiB in Redis
	args      [][]byte
	scratch   []byte
	arena     []byte // the current command's arguments, back to back
}

// maxArena caps the argument buffer a reader keeps between commands.
const maxArena = 1 << 20

// parseLen parses a length line's number as strconv.ParseInt does, without
// allocating for the usual all-digit case.
func parseLen(b []byte) (int64, error) {
	if len(b) > 0 && len(b) <= 18 {
		var n int64
		for _, ch := range b {
			if ch < '0' || ch > '9' {
				return strconv.ParseInt(string(b), 10, 64)
			}
			n = n*10 + int64(ch-'0')
		}
		return n, nil
	}
	return strconv.ParseInt(string(b), 10, 64)
}

// NewRequestReader returns a reader with Redis's default limits.
func NewRequestReader(r *bufio.Reader) *RequestReader {
	return &RequestReader{r: r, MaxBulk: 512 << 20, MaxArgs: 1024 * 1024, MaxInline: 64 << 10}
}

// Buffered reports how many bytes are buffered, for pipelining decisions.
func (rr *RequestReader) Buffered() int { return rr.r.Buffered() }

func (rr *RequestReader) line() ([]byte, error) {
	line, err := rr.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		buf := append(rr.scratch[:0], line...)
		for err == bufio.ErrBufferFull {
			if len(buf) > rr.MaxInline {
				return nil, &ErrRequest{"ERR Protocol error: too big inline request"}
			}
			line, err = rr.r.ReadSlice('\n')
			buf = append(buf, line...)
		}
		rr.scratch = buf
		line = buf
	}
	if err != nil {
		return nil, err
	}
	n := len(line) - 1
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	return line[:n], nil
}

// Read returns the next command's arguments. They are valid until the next
// Read. A *ErrRequest means the client broke the protocol: reply with it
// and close the connection.
func (rr *RequestReader) Read() ([][]byte, error) {
	for {
		b, err := rr.r.Peek(1)
		if err != nil {
			return nil, err
		}
		if b[0] != '*' {
			line, err := rr.line()
			if err != nil {
				return nil, err
			}
			args := splitInline(line)
			if args == nil {
				return nil, &ErrRequest{"ERR Protocol error: unbalanced quotes in request"}
			}
			if len(args) == 0 {
				continue
			}
			return args, nil
		}
		line, err := rr.line()
		if err != nil {
			return nil, err
		}
		n, err := parseLen(line[1:])
		if err != nil || n > rr.MaxArgs {
			return nil, &ErrRequest{"ERR Protocol error: invalid multibulk length"}
		}
		if n <= 0 {
			continue
		}
		args := rr.args[:0]
		if cap(rr.arena) > maxArena {
			rr.arena = nil
		}
		arena := rr.arena[:0]
		for i := int64(0); i < n; i++ {
			line, err := rr.line()
			if err != nil {
				return nil, err
			}
			if len(line) == 0 || line[0] != '$' {
				ch := "?"
				if len(line) > 0 {
					ch = string(line[0])
				}
				return nil, &ErrRequest{"ERR Protocol error: expected '$', got '" + ch + "'"}
			}
			sz, err := parseLen(line[1:])
			if err != nil || sz < 0 || sz > rr.MaxBulk {
				return nil, &ErrRequest{"ERR Protocol error: invalid bulk length"}
			}
			// Arguments share one buffer; when it is full a new one
			// starts (the arguments already read keep the old one).
			if int64(cap(arena)-len(arena)) < sz+2 {
				size := max(2*cap(arena), 4096)
				if int64(size) < sz+2 {
					size = int(sz + 2)
				}
				arena = make([]byte, 0, size)
			}
			at := len(arena)
			arena = arena[:at+int(sz)+2]
			if _, err := readFull(rr.r, arena[at:]); err != nil {
				return nil, err
			}
			args = append(args, arena[at:at+int(sz):at+int(sz)])
		}
		rr.args = args
		rr.arena = arena
		return args, nil
	}
}

func readFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			if n == len(b) {
				return n, nil
			}
			return n, err
		}
	}
	return n, nil
}

// SplitInline splits an inline command line as Redis's sdssplitargs (and
// redis-cli) does: double quotes with \n \r \t \b \a \xHH escapes, single
// quotes with \'. It returns nil for unbalanced quotes or a closing quote
// not followed by a space.
func SplitInline(line []byte) [][]byte { return splitInline(line) }

func splitInline(line []byte) [][]byte {
	args := [][]byte{}
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\n' || line[i] == '\r' || line[i] == '\v' || line[i] == '\f') {
			i++
		}
		if i >= len(line) {
			return args
		}
		var cur []byte
		inq, insq := false, false
		for done := false; !done; {
			if inq {
				if i >= len(line) {
					return nil
				}
				if line[i] == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]) {
					cur = append(cur, unhex(line[i+2])<<4|unhex(line[i+3]))
					i += 3
				} else if line[i] == '\\' && i+1 < len(line) {
					i++
					switch line[i] {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, line[i])
					}
				} else if line[i] == '"' {
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil
					}
					done = true
				} else {
					cur = append(cur, line[i])
				}
			} else if insq {
				if i >= len(line) {
					return nil
				}
				if line[i] == '\\' && i+1 < len(line) && line[i+1] == '\'' {
					i++
					cur = append(cur, '\'')
				} else if line[i] == '\'' {
					if i+1 < len(line) && !isSpace(line[i+1]) {
						return nil
					}
					done = true
				} else {
					cur = append(cur, line[i])
				}
			} else {
				if i >= len(line) {
					done = true
					break
				}
				switch line[i] {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, line[i])
				}
			}
			if i < len(line) {
				i++
			}
		}
		if cur == nil {
			cur = []byte{}
		}
		args = append(args, cur)
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
