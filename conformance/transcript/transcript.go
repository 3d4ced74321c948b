// Package transcript reads and writes Folio's conformance transcripts (see
// conformance/README.md) and compares replies the way the format says:
// exactly, as an unordered multiset (`>~`), or by RESP type only (`>?`).
package transcript

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/foliodb/folio/core/resp"
)

// Mode says how a step's reply is compared.
type Mode byte

// The modes, named by their marker.
const (
	Exact     Mode = '>' // "> CMD": the reply must be identical
	Unordered Mode = '~' // ">~ CMD": the top-level aggregate is a multiset
	TypeOnly  Mode = '?' // ">? CMD": only the RESP type is compared
	NoReply   Mode = '!' // ">! CMD": run for its effect; no reply recorded
)

func (m Mode) String() string {
	switch m {
	case Unordered:
		return ">~"
	case TypeOnly:
		return ">?"
	case NoReply:
		return ">!"
	}
	return ">"
}

// Step is one command of a transcript and the reply Redis gave.
type Step struct {
	Cmd  []string // the command's arguments
	Mode Mode
	Want string // the recorded reply, RESP with each "\r\n" as "\n"
	Line int    // 1-based line of the command in its file
	Text string // the command line as written
}

// Args returns the step's arguments as byte slices.
func (s Step) Args() [][]byte {
	out := make([][]byte, len(s.Cmd))
	for i, a := range s.Cmd {
		out[i] = []byte(a)
	}
	return out
}

// Name returns the lower-case command name ("config|get" for a
// subcommand of a container command is not derived here; see the runner).
func (s Step) Name() string {
	if len(s.Cmd) == 0 {
		return ""
	}
	return strings.ToLower(s.Cmd[0])
}

// ParseFile reads a transcript file.
func ParseFile(path string) ([]Step, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	steps, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return steps, nil
}

// commandMarker returns the mode of a command line and the offset of its
// command text, or ok=false when the line is not a command.
func commandMarker(line string) (Mode, int, bool) {
	if strings.HasPrefix(line, "> ") {
		return Exact, 2, true
	}
	if len(line) >= 3 && line[0] == '>' && line[2] == ' ' {
		switch Mode(line[1]) {
		case Unordered, TypeOnly, NoReply:
			return Mode(line[1]), 3, true
		}
	}
	return 0, 0, false
}

// Parse reads a transcript. A reply's lines are everything between its
// command and the next command line, less the comment and blank lines that
// stand outside of the RESP payload (recognized by parsing the RESP, so a
// bulk string may hold '#' or empty lines).
func Parse(data []byte) ([]Step, error) {
	text := string(data)
	lines := strings.SplitAfter(text, "\n")
	offs := make([]int, len(lines)+1)
	for i, l := range lines {
		offs[i+1] = offs[i] + len(l)
	}
	var steps []Step
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\n")
		line = strings.TrimSuffix(line, "\r")
		mode, off, ok := commandMarker(line)
		if !ok {
			if t := strings.TrimSpace(line); t == "" || t[0] == '#' {
				continue
			}
			return nil, fmt.Errorf("line %d: reply without a command: %q", i+1, line)
		}
		args, err := Split(line[off:])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		if len(args) == 0 {
			return nil, fmt.Errorf("line %d: empty command", i+1)
		}
		st := Step{Cmd: args, Mode: mode, Line: i + 1, Text: line}
		// The reply: whole RESP values following the command.
		j := i + 1
		var want strings.Builder
		for j < len(lines) {
			l := strings.TrimRight(lines[j], "\n")
			if _, _, isCmd := commandMarker(l); isCmd {
				break
			}
			if t := strings.TrimSpace(l); t == "" || t[0] == '#' {
				// A comment or blank line between replies.
				j++
				continue
			}
			rest := text[offs[j]:]
			n, err := ValueLen(rest)
			if err != nil {
				return nil, fmt.Errorf("line %d: reply to %q: %w", j+1, line, err)
			}
			want.WriteString(rest[:n])
			j += strings.Count(rest[:n], "\n")
		}
		st.Want = want.String()
		steps = append(steps, st)
		i = j - 1
	}
	return steps, nil
}

// Text converts raw RESP to the transcript form: each "\r\n" becomes "\n".
func Text(raw []byte) string {
	return string(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")))
}

var errShort = errors.New("truncated reply")

// ValueLen returns the length of the first RESP value of s, in transcript
// form. A bulk string whose "\r\n"s were folded into "\n" is shorter than
// its declared length; that is accounted for.
func ValueLen(s string) (int, error) {
	nl := strings.IndexByte(s, '\n')
	if nl < 0 {
		return 0, errShort
	}
	if nl == 0 {
		return 0, errors.New("empty reply line")
	}
	head := s[:nl]
	switch head[0] {
	case '+', '-', ':', ',', '#', '_', '(':
		return nl + 1, nil
	case '$', '=', '!':
		n, err := strconv.Atoi(head[1:])
		if err != nil {
			return 0, fmt.Errorf("bad length in %q", head)
		}
		if n < 0 {
			return nl + 1, nil
		}
		body := s[nl+1:]
		// The body holds n bytes, less one per folded "\r\n".
		for l := min(n, len(body)); l >= 0; l-- {
			if l < len(body) && body[l] == '\n' && l+strings.Count(body[:l], "\n") >= n {
				return nl + 1 + l + 1, nil
			}
			if l+strings.Count(body[:l], "\n") < n {
				break
			}
		}
		return 0, fmt.Errorf("bulk %q: body does not match its length", head)
	case '*', '%', '~', '>', '|':
		n, err := strconv.Atoi(head[1:])
		if err != nil {
			return 0, fmt.Errorf("bad length in %q", head)
		}
		if head[0] == '%' || head[0] == '|' {
			n *= 2
		}
		off := nl + 1
		for k := 0; k < n; k++ {
			m, err := ValueLen(s[off:])
			if err != nil {
				return 0, err
			}
			off += m
		}
		if head[0] == '|' { // an attribute precedes the real value
			m, err := ValueLen(s[off:])
			if err != nil {
				return 0, err
			}
			off += m
		}
		return off, nil
	}
	return 0, fmt.Errorf("not a RESP line: %q", head)
}

// Values splits transcript-form RESP into its top-level values.
func Values(s string) ([]string, error) {
	var out []string
	for len(s) > 0 {
		n, err := ValueLen(s)
		if err != nil {
			return nil, err
		}
		out = append(out, s[:n])
		s = s[n:]
	}
	return out, nil
}

// Elements splits one aggregate value (transcript form) into its head
// line and its elements.
func Elements(v string) (head string, elems []string, err error) { return elements(v) }

// SameMultiset reports whether two aggregates hold the same elements in
// any order (pairs of elements, for maps or when pairs is set).
func SameMultiset(want, got string, pairs bool) bool { return sameMultiset(want, got, pairs) }

func elements(v string) (head string, elems []string, err error) {
	nl := strings.IndexByte(v, '\n')
	head = v[:nl+1]
	switch v[0] {
	case '*', '%', '~', '>':
	default:
		return head, nil, fmt.Errorf("not an aggregate: %q", head)
	}
	elems, err = Values(v[nl+1:])
	return head, elems, err
}

// pairCommands reply, in RESP2, with a flat array of field/value pairs
// whose order is unspecified: under ">~" they are compared pair by pair.
var pairCommands = map[string]bool{"hgetall": true, "config": true, "xinfo": false}

// Check compares a target's raw reply with the step's recorded one.
func (s Step) Check(got []byte) error {
	return compare(s.Mode, pairCommands[s.Name()], s.Want, Text(got))
}

// Compare compares a reply in transcript form with the recorded one under
// mode. It returns nil when they match.
func Compare(mode Mode, want, got string) error {
	return compare(mode, false, want, got)
}

func compare(mode Mode, pairs bool, want, got string) error {
	switch mode {
	case NoReply:
		return nil
	case TypeOnly:
		wv, err1 := Values(want)
		gv, err2 := Values(got)
		if err1 != nil || err2 != nil || len(wv) != len(gv) {
			return fmt.Errorf("reply shape differs")
		}
		for i := range wv {
			if wv[i][0] != gv[i][0] {
				return fmt.Errorf("reply type %q, want %q", gv[i][0], wv[i][0])
			}
		}
		return nil
	case Unordered:
		if want == got {
			return nil
		}
		wv, err1 := Values(want)
		gv, err2 := Values(got)
		if err1 != nil || err2 != nil || len(wv) != len(gv) || len(wv) == 0 {
			return fmt.Errorf("replies differ")
		}
		// The first value is the unordered aggregate; any further values
		// (rare) compare exactly.
		for i := 1; i < len(wv); i++ {
			if wv[i] != gv[i] {
				return fmt.Errorf("replies differ")
			}
		}
		if wv[0][0] != '*' && wv[0][0] != '%' && wv[0][0] != '~' && wv[0][0] != '>' {
			return fmt.Errorf("replies differ")
		}
		if !sameMultiset(wv[0], gv[0], pairs) {
			return fmt.Errorf("replies differ (as multisets)")
		}
		return nil
	}
	if want != got {
		return fmt.Errorf("replies differ")
	}
	return nil
}

func sameMultiset(want, got string, pairs bool) bool {
	wh, we, err1 := elements(want)
	gh, ge, err2 := elements(got)
	if err1 != nil || err2 != nil || wh != gh || len(we) != len(ge) {
		return false
	}
	if want[0] == '%' || pairs && len(we)%2 == 0 {
		we, ge = joinPairs(we), joinPairs(ge)
	}
	sort.Strings(we)
	sort.Strings(ge)
	for i := range we {
		if we[i] != ge[i] {
			return false
		}
	}
	return true
}

func joinPairs(e []string) []string {
	out := make([]string, 0, len(e)/2)
	for i := 0; i+1 < len(e); i += 2 {
		out = append(out, e[i]+e[i+1])
	}
	return out
}

// Split splits a command line as redis-cli splits an inline command
// (sdssplitargs), with the splitter folio-server uses for inline commands.
func Split(line string) ([]string, error) {
	parts := resp.SplitInline([]byte(line))
	if parts == nil {
		return nil, errors.New("unbalanced quotes, or a closing quote not followed by a space")
	}
	args := make([]string, len(parts))
	for i, p := range parts {
		args[i] = string(p)
	}
	return args, nil
}

// Quote writes an argument so that Split reads it back: bare when it is
// plain, double-quoted with escapes otherwise.
func Quote(a string) string {
	plain := a != ""
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < ' ' || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
