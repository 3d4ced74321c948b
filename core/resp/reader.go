package resp

import (
	"bufio"
	"errors"
	"io"
	"strconv"
)

// Kind is the RESP type of a Value.
type Kind byte

// The RESP types, named by their first byte.
const (
	KindStatus  Kind = '+'
	KindError   Kind = '-'
	KindInt     Kind = ':'
	KindBulk    Kind = '$'
	KindArray   Kind = '*'
	KindNull    Kind = '_'
	KindMap     Kind = '%'
	KindSet     Kind = '~'
	KindPush    Kind = '>'
	KindDouble  Kind = ','
	KindBool    Kind = '#'
	KindBigNum  Kind = '('
	KindVerbat  Kind = '='
	KindAttr    Kind = '|'
	KindBlobErr Kind = '!'
)

// Value is a decoded reply. Str holds simple, bulk, error, double, big
// number and verbatim payloads; Int integers and booleans; Elems the
// elements of aggregates (a map's keys and values alternate). Null is set
// for RESP3 null and RESP2 null bulk and null array.
type Value struct {
	Kind  Kind
	Str   string
	Int   int64
	Elems []Value
	Null  bool
}

// ErrProtocol reports malformed input.
var ErrProtocol = errors.New("resp: protocol error")

// Reader decodes replies from a stream.
type Reader struct {
	r *bufio.Reader
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReaderSize(r, 64<<10)} }

func (r *Reader) readLine() ([]byte, error) {
	line, err := r.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		buf := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = r.r.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	if err != nil {
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, ErrProtocol
	}
	return line[:len(line)-2], nil
}

// Read decodes one value.
func (r *Reader) Read() (Value, error) {
	line, err := r.readLine()
	if err != nil {
		return Value{}, err
	}
	if len(line) == 0 {
		return Value{}, ErrProtocol
	}
	k := Kind(line[0])
	rest := string(line[1:])
	switch k {
	case KindStatus, KindError, KindDouble, KindBigNum:
		return Value{Kind: k, Str: rest}, nil
	case KindInt:
		n, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return Value{}, ErrProtocol
		}
		return Value{Kind: k, Int: n}, nil
	case KindBool:
		return Value{Kind: k, Int: map[bool]int64{true: 1}[rest == "t"]}, nil
	case KindNull:
		return Value{Kind: k, Null: true}, nil
	case KindBulk, KindVerbat, KindBlobErr:
		n, err := strconv.Atoi(rest)
		if err != nil {
			return Value{}, ErrProtocol
		}
		if n < 0 {
			return Value{Kind: k, Null: true}, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r.r, buf); err != nil {
			return Value{}, err
		}
		return Value{Kind: k, Str: string(buf[:n])}, nil
	case KindArray, KindSet, KindPush, KindMap, KindAttr:
		n, err := strconv.Atoi(rest)
		if err != nil {
			return Value{}, ErrProtocol
		}
		if n < 0 {
			return Value{Kind: k, Null: true}, nil
		}
		if k == KindMap || k == KindAttr {
			n *= 2
		}
		v := Value{Kind: k, Elems: make([]Value, 0, min(n, 1024))}
		for i := 0; i < n; i++ {
			e, err := r.Read()
			if err != nil {
				return Value{}, err
			}
			v.Elems = append(v.Elems, e)
		}
		if k == KindAttr { // attributes precede the real reply
			return r.Read()
		}
		return v, nil
	}
	return Value{}, &protoError{": unexpected byte " + strconv.QuoteRune(rune(line[0]))}
}

// AppendCommand appends args as a RESP array of bulk strings.
func AppendCommand(b []byte, args ...string) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, '\r', '\n')
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}

// protoError is ErrProtocol with detail; errors.Is sees ErrProtocol.
type protoError struct{ detail string }

func (e *protoError) Error() string { return ErrProtocol.Error() + e.detail }
func (e *protoError) Unwrap() error { return ErrProtocol }
