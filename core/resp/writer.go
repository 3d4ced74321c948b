// Package resp encodes and decodes the Redis serialization protocol, RESP2
// and RESP3. Encoders append to a byte slice and allocate nothing of their
// own, in the style of redcon's AppendBulk.
package resp

import (
	"math"
	"strconv"
)

// Writer appends replies to B in the protocol version Proto (2 or 3).
// RESP3-only types degrade to their RESP2 forms when Proto is 2.
type Writer struct {
	B     []byte
	Proto int
}

func (w *Writer) line(prefix byte, s string) {
	w.B = append(w.B, prefix)
	w.B = append(w.B, s...)
	w.B = append(w.B, '\r', '\n')
}

func (w *Writer) head(prefix byte, n int64) {
	w.B = append(w.B, prefix)
	w.B = strconv.AppendInt(w.B, n, 10)
	w.B = append(w.B, '\r', '\n')
}

// Status writes a simple string: +OK.
func (w *Writer) Status(s string) { w.line('+', s) }

// OK writes +OK.
func (w *Writer) OK() { w.B = append(w.B, "+OK\r\n"...) }

// Error writes an error; s carries its code ("ERR ...", "WRONGTYPE ...").
func (w *Writer) Error(s string) { w.line('-', s) }

// Int writes an integer.
func (w *Writer) Int(n int64) { w.head(':', n) }

// Bulk writes a bulk string.
func (w *Writer) Bulk(b []byte) {
	w.head('$', int64(len(b)))
	w.B = append(w.B, b...)
	w.B = append(w.B, '\r', '\n')
}

// BulkString writes a bulk string.
func (w *Writer) BulkString(s string) {
	w.head('$', int64(len(s)))
	w.B = append(w.B, s...)
	w.B = append(w.B, '\r', '\n')
}

// BulkInt writes n as a bulk string.
func (w *Writer) BulkInt(n int64) {
	var tmp [24]byte
	w.Bulk(strconv.AppendInt(tmp[:0], n, 10))
}

// Null writes a null bulk string ($-1 in RESP2, _ in RESP3).
func (w *Writer) Null() {
	if w.Proto == 3 {
		w.B = append(w.B, "_\r\n"...)
	} else {
		w.B = append(w.B, "$-1\r\n"...)
	}
}

// NullArray writes a null array (*-1 in RESP2, _ in RESP3).
func (w *Writer) NullArray() {
	if w.Proto == 3 {
		w.B = append(w.B, "_\r\n"...)
	} else {
		w.B = append(w.B, "*-1\r\n"...)
	}
}

// Array writes an array header for n elements.
func (w *Writer) Array(n int) { w.head('*', int64(n)) }

// Map writes a map header for n pairs (an array of 2n in RESP2).
func (w *Writer) Map(n int) {
	if w.Proto == 3 {
		w.head('%', int64(n))
	} else {
		w.head('*', int64(2*n))
	}
}

// Set writes a set header (an array in RESP2).
func (w *Writer) Set(n int) {
	if w.Proto == 3 {
		w.head('~', int64(n))
	} else {
		w.head('*', int64(n))
	}
}

// Push writes a push header (an array in RESP2).
func (w *Writer) Push(n int) {
	if w.Proto == 3 {
		w.head('>', int64(n))
	} else {
		w.head('*', int64(n))
	}
}

// Bool writes a boolean (an integer 1 or 0 in RESP2).
func (w *Writer) Bool(b bool) {
	if w.Proto == 3 {
		if b {
			w.B = append(w.B, "#t\r\n"...)
		} else {
			w.B = append(w.B, "#f\r\n"...)
		}
		return
	}
	if b {
		w.Int(1)
	} else {
		w.Int(0)
	}
}

// Double writes a double as Redis 7.0 does: %.17g, a bulk string in RESP2.
func (w *Writer) Double(f float64) {
	var tmp [32]byte
	b := AppendDouble(tmp[:0], f)
	if w.Proto == 3 {
		w.B = append(w.B, ',')
		w.B = append(w.B, b...)
		w.B = append(w.B, '\r', '\n')
		return
	}
	w.Bulk(b)
}

// Verbatim writes a verbatim string (a bulk string in RESP2).
func (w *Writer) Verbatim(format, s string) {
	if w.Proto != 3 {
		w.BulkString(s)
		return
	}
	w.head('=', int64(len(s)+4))
	w.B = append(w.B, format...)
	w.B = append(w.B, ':')
	w.B = append(w.B, s...)
	w.B = append(w.B, '\r', '\n')
}

// AppendDouble formats f the way Redis 7.0 replies with a double ("%.17g",
// inf and -inf).
func AppendDouble(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f):
		return append(b, "nan"...)
	}
	return strconv.AppendFloat(b, f, 'g', 17, 64)
}
