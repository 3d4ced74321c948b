package core

// ZSCAN cursor and option parsing, kept from the sorted sets branch until
// ZSCAN moves onto scanGeneric (collection.go).

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
)

// whatever was added or removed meanwhile. A batch only ends where the
// cursor moves strictly forward, so a scan always terminates; elements
// sharing an 8-byte prefix come in one batch. Cursor 0 starts and ends.

// cursorFor returns the cursor that resumes at sub.
func cursorFor(sub []byte) uint64 {
	var b [8]byte
	copy(b[:], sub)
	return binary.BigEndian.Uint64(b[:])
}

// cursorStart returns the sub a cursor resumes at.
func cursorStart(cur uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], cur)
	return bytes.TrimRight(b[:], "\x00")
}

// parseElemCursor parses a SCAN cursor as Redis does (strtoul: a leading '-'
// wraps around).
func parseElemCursor(b []byte) (uint64, bool) {
	s := string(b)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	} else {
		s = strings.TrimPrefix(s, "+")
	}
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// elemScanOptions are SCAN-family options: MATCH pattern, COUNT n.
type elemScanOptions struct {
	count   int
	pattern []byte // nil matches everything
}

// parseElemScanOptions parses [MATCH pattern] [COUNT count] from args; on
// failure it returns Redis's error text.
func parseElemScanOptions(args [][]byte) (elemScanOptions, string) {
	o := elemScanOptions{count: 10}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return o, msgSyntax
		}
		switch strings.ToLower(string(args[i])) {
		case "count":
			n, err := strconv.ParseInt(string(args[i+1]), 10, 64)
			if err != nil || !isCanonicalInt(args[i+1]) {
				return o, msgNotInt
			}
			if n < 1 {
				return o, msgSyntax
			}
			if n > 1<<30 {
				n = 1 << 30
			}
			o.count = int(n)
		case "match":
			o.pattern = args[i+1]
			if len(o.pattern) == 1 && o.pattern[0] == '*' {
				o.pattern = nil
			}
		default:
			return o, msgSyntax
		}
	}
	return o, ""
}

func (o *elemScanOptions) match(b []byte) bool {
	return o.pattern == nil || globMatch(o.pattern, b, false)
}

// scanCollection runs one step of a SCAN-family command over collection
// id from cursor cur: it calls fn for each element (in sub order) whose
// sub matches, and returns the next cursor (0 when done). all asks for

// ---- numbers ----

// isCanonicalInt reports whether b is how Redis writes an integer (no
// leading '+', spaces or zeros), which is what string2ll accepts.
func isCanonicalInt(b []byte) bool {
	if len(b) == 0 || len(b) > 20 {
		return false
	}
	if len(b) == 1 && b[0] == '0' {
		return true
	}
	if b[0] == '-' {
		b = b[1:]
		if len(b) == 0 {
			return false
		}
	}
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return b[0] != '0'
}
