//go:build wasip1

// Command guest is folio.wasm: Folio's engine as a WASI reactor module.
//
// The host writes commands (RESP arrays of bulk strings) into a buffer the
// guest owns and calls exec; the reply comes back in another guest buffer.
// The page store and the clock are host imports. ABI.md (one directory up)
// documents every export and import with its memory layout.
//
// Build with `make wasm`. The module never blocks and starts no goroutines:
// between calls nothing runs.
package main

import (
	"encoding/binary"
	"unsafe"

	"github.com/foliodb/folio/core"
	"github.com/foliodb/folio/core/resp"
)

// abiVersion is checked by hosts; bump it on any change to ABI.md.
const abiVersion = 3

//go:wasmimport folio clock_now_ms
func clockNowMs() int64

//go:wasmimport folio random_seed
func randomSeed() int64

// Offsets in the control block, little-endian uint32 each.
const (
	ctlInPtr    = 0
	ctlInCap    = 4
	ctlOutPtr   = 8
	ctlOutLen   = 12
	ctlFlags    = 16
	ctlConsumed = 20 // u32: request bytes run (less than n after a block)
	ctlDeadline = 24 // i64: a blocked command's deadline, Unix ms, 0 = none
	ctlNow      = 32 // i64: written by the host before a call: its clock, Unix ms, 0 = none
	ctlSize     = 40
)

// Bits of the control block's flags word after exec.
const (
	flagClose      = 1 << 0 // the session asked to be closed (QUIT)
	flagBlocked    = 1 << 1 // the last command parked the session
	flagDeliveries = 1 << 2 // deliveries are pending: call deliveries
)

// Results of exec, open and session calls.
const (
	errNoEngine  = -1 // open was not called or failed
	errNoSession = -2 // unknown session id
	errTooLarge  = -3 // request length beyond the input buffer
	errOpen      = -4 // open failed; the message is the reply
)

const (
	defaultIn   = 64 << 10
	defaultOut  = 64 << 10
	maxKeptOut  = 1 << 20 // a larger reply buffer is dropped on the next exec
	maxBulkSize = 512 << 20
)

var (
	ctl      = make([]byte, ctlSize)
	in       = make([]byte, defaultIn)
	w        = resp.Writer{B: make([]byte, 0, defaultOut)}
	eng      *core.Engine
	sessions = map[int64]*core.Session{}
	args     [][]byte
	pending  []core.Delivery
)

func main() {}

// hostNow is the clock the host wrote into the control block for the
// current call (0: none, or already used).
var hostNow int64

// takeHostNow moves the host's clock reading out of the control block.
func takeHostNow() {
	hostNow = int64(binary.LittleEndian.Uint64(ctl[ctlNow:]))
	binary.LittleEndian.PutUint64(ctl[ctlNow:], 0)
}

// now is the engine's clock: the host's reading for the first command of
// a call, which saves a clock_now_ms crossing per command, and the import
// after that.
func now() int64 {
	if t := hostNow; t != 0 {
		hostNow = 0
		return t
	}
	return clockNowMs()
}

func init() { publish() }

func addr(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

// publish writes the buffers' addresses into the control block.
func publish() {
	binary.LittleEndian.PutUint32(ctl[ctlInPtr:], addr(in))
	binary.LittleEndian.PutUint32(ctl[ctlInCap:], uint32(len(in)))
	binary.LittleEndian.PutUint32(ctl[ctlOutPtr:], addr(w.B))
	binary.LittleEndian.PutUint32(ctl[ctlOutLen:], uint32(len(w.B)))
}

//go:wasmexport abi_version
func abiVersionExport() int32 { return abiVersion }

//go:wasmexport control
func control() uint32 { return addr(ctl) }

// reserve grows the input buffer to at least n bytes.
//
//go:wasmexport reserve
func reserve(n int32) int32 {
	if n < 0 || n > maxBulkSize+(1<<20) {
		return errTooLarge
	}
	if int(n) > len(in) {
		in = make([]byte, n)
		publish()
	}
	return 0
}

// open starts the engine over the host's store. Bit 0 of flags says the
// host store is shared with other connections (store_version is
// meaningful).
//
//go:wasmexport open
func open(flags int32) int32 {
	st := &hostStore{}
	opt := core.Options{
		Now:  now,
		Seed: uint64(randomSeed()),
	}
	var err error
	if flags&1 != 0 {
		eng, err = core.New(changesStore{st}, opt)
	} else {
		eng, err = core.New(st, opt)
	}
	if err != nil {
		eng = nil
		w.B = append(w.B[:0], err.Error()...)
		publish()
		return errOpen
	}
	return 0
}

//go:wasmexport session_open
func sessionOpen() int64 {
	if eng == nil {
		return errNoEngine
	}
	s := eng.NewSession()
	sessions[s.ID] = s
	return s.ID
}

//go:wasmexport session_close
func sessionClose(id int64) int32 {
	s := sessions[id]
	if s == nil {
		return errNoSession
	}
	delete(sessions, id)
	eng.CancelBlocked(s)
	eng.CloseSession(s)
	takeDeliveries()
	kept := pending[:0]
	for _, d := range pending {
		if d.Session != s {
			kept = append(kept, d)
		}
	}
	pending = kept
	return 0
}

// exec runs every command in the first n bytes of the input buffer for the
// session and returns the length of the replies, which are at the control
// block's out pointer.
//
//go:wasmexport exec
func exec(id int64, n int32) int32 {
	if eng == nil {
		return errNoEngine
	}
	s := sessions[id]
	if s == nil {
		return errNoSession
	}
	if n < 0 || int(n) > len(in) {
		return errTooLarge
	}
	takeHostNow()
	if cap(w.B) > maxKeptOut {
		w.B = make([]byte, 0, defaultOut)
	}
	w.B = w.B[:0]
	// Arguments alias one copy of the request, so a command that keeps an
	// argument never sees the next request.
	req := copyRequest(in[:n])
	var flags uint32
	var deadline int64
	total := len(req)
	for len(req) > 0 {
		var msg string
		args, req, msg = parse(args[:0], req)
		if msg != "" {
			w.Error(msg)
			flags |= flagClose
			break
		}
		if len(args) == 0 {
			continue
		}
		o := eng.Exec(s, args, &w)
		if o.Close {
			flags |= flagClose
			break
		}
		if o.Blocked != nil {
			flags |= flagBlocked
			deadline = o.Blocked.Deadline
			break
		}
	}
	clear(args)
	hostNow = 0
	if takeDeliveries() {
		flags |= flagDeliveries
	}
	binary.LittleEndian.PutUint32(ctl[ctlFlags:], flags)
	binary.LittleEndian.PutUint32(ctl[ctlConsumed:], uint32(total-len(req)))
	binary.LittleEndian.PutUint64(ctl[ctlDeadline:], uint64(deadline))
	publish()
	maybeCollect()
	return int32(len(w.B))
}

// Requests are copied into chunks of reqChunk bytes, carved one after
// the other, so most execs allocate nothing for their copy. Nothing is
// ever written twice in a chunk: an argument a command keeps stays valid
// (and keeps its chunk alive).
const reqChunk = 8 << 10

var chunk []byte

func copyRequest(b []byte) []byte {
	if len(b) > reqChunk/4 {
		return append(make([]byte, 0, len(b)), b...)
	}
	if len(b) > cap(chunk)-len(chunk) {
		chunk = make([]byte, 0, reqChunk)
	}
	start := len(chunk)
	chunk = append(chunk, b...)
	return chunk[start:len(chunk):len(chunk)]
}

// parse reads one RESP array of bulk strings from b. A malformed request
// gives Redis's protocol error text.
func parse(dst [][]byte, b []byte) ([][]byte, []byte, string) {
	line, rest, ok := cutLine(b)
	if !ok || len(line) == 0 || line[0] != '*' {
		return dst, nil, "ERR Protocol error: expected '*', got '" + first(line) + "'"
	}
	n, ok := parseLen(line[1:])
	if !ok || n > 1024*1024 {
		return dst, nil, "ERR Protocol error: invalid multibulk length"
	}
	for i := 0; i < n; i++ {
		line, rest, ok = cutLine(rest)
		if !ok || len(line) == 0 || line[0] != '$' {
			return dst, nil, "ERR Protocol error: expected '$', got '" + first(line) + "'"
		}
		sz, ok := parseLen(line[1:])
		if !ok || sz > maxBulkSize || sz+2 > len(rest) {
			return dst, nil, "ERR Protocol error: invalid bulk length"
		}
		dst = append(dst, rest[:sz:sz])
		rest = rest[sz+2:]
	}
	return dst, rest, ""
}

// parseLen reads a RESP length: decimal digits, at most 10 of them (a
// negative or longer length is invalid here).
func parseLen(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func cutLine(b []byte) (line, rest []byte, ok bool) {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return b[:i], b[i+2:], true
		}
	}
	return b, nil, false
}

func first(b []byte) string {
	if len(b) == 0 {
		return "?"
	}
	return string(b[:1])
}

// takeDeliveries moves the engine's deliveries to the pending queue and
// reports whether any are pending.
func takeDeliveries() bool {
	pending = append(pending, eng.TakeDeliveries()...)
	return len(pending) > 0
}

// deliveries writes the pending deliveries to the output buffer as
// records (session i64, length u32, RESP bytes) and returns their length.
//
//go:wasmexport deliveries
func deliveries() int32 {
	if eng == nil {
		return errNoEngine
	}
	takeDeliveries()
	w.B = w.B[:0]
	for _, d := range pending {
		w.B = binary.LittleEndian.AppendUint64(w.B, uint64(d.Session.ID))
		w.B = binary.LittleEndian.AppendUint32(w.B, uint32(len(d.Data)))
		w.B = append(w.B, d.Data...)
	}
	clear(pending)
	pending = pending[:0]
	publish()
	return int32(len(w.B))
}

// expire_blocked answers the timeout reply of every blocked command whose
// deadline passed; it returns the number of pending deliveries.
//
//go:wasmexport expire_blocked
func expireBlocked() int32 {
	if eng == nil {
		return errNoEngine
	}
	takeHostNow()
	eng.ExpireBlocked()
	hostNow = 0
	takeDeliveries()
	return int32(len(pending))
}

// housekeep runs the engine's periodic work, as Redis's cron does: active
// expiry, which also reclaims the pages of deleted collections. A host
// calls it about ten times a second; it returns the number of pending
// deliveries (expiry may notify).
//
//go:wasmexport housekeep
func housekeep() int32 {
	if eng == nil {
		return errNoEngine
	}
	takeHostNow()
	eng.ActiveExpire(20)
	hostNow = 0
	takeDeliveries()
	maybeCollect()
	return int32(len(pending))
}

// cancel_blocked unparks the session's blocked command without a reply
// (its client went away); it returns the number of pending deliveries.
//
//go:wasmexport cancel_blocked
func cancelBlocked(id int64) int32 {
	s := sessions[id]
	if s == nil {
		return errNoSession
	}
	eng.CancelBlocked(s)
	takeDeliveries()
	return int32(len(pending))
}
