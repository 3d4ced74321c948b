package core

// A small DEFLATE (RFC 1951) decoder for the generated command table
// (commands_resp.go), which is stored compressed to keep folio.wasm small.
// compress/flate would do, but it imports fmt, which core may not
// depend on. The structure follows zlib's puff.c; codes are decoded with
// one table lookup (indexed by the next maxbits input bits), which matters
// under wasm, where start-up decodes the table before the first command.

// inflater reads a raw DEFLATE stream.
type inflater struct {
	in   string
	pos  int
	bits uint64 // pending input bits, least significant first
	nb   uint   // number of pending bits
	pad  uint   // how many of the top pending bits are zeros past the end of in
	out  []byte
	bad  bool // the stream ended early or is malformed
}

// huffman is a canonical Huffman code as a lookup table: entry i is
// symbol<<4 | length for the code that the low bits of i start with
// (length 0: no such code).
type huffman struct {
	table []uint16
	bits  uint // longest code length
}

// inflate decodes src, a raw DEFLATE stream whose output is n bytes long.
// It reports false when src is not a valid stream of that length.
func inflate(src string, n int) ([]byte, bool) {
	f := &inflater{in: src, out: make([]byte, 0, n)}
	for {
		last := f.need(1)
		switch f.need(2) {
		case 0:
			f.stored()
		case 1:
			f.codes(&fixedLit, &fixedDist)
		case 2:
			var lit, dist huffman
			f.dynamic(&lit, &dist)
			if !f.bad {
				f.codes(&lit, &dist)
			}
		default:
			f.bad = true
		}
		if f.bad || len(f.out) > n {
			return nil, false
		}
		if last == 1 {
			return f.out, len(f.out) == n
		}
	}
}

// fill makes at least n bits pending, with zeros past the end of the
// input (consuming those is an error, caught by take).
func (f *inflater) fill(n uint) {
	for f.nb < n {
		if f.pos < len(f.in) {
			f.bits |= uint64(f.in[f.pos]) << f.nb
			f.pos++
		} else {
			f.pad += 8
		}
		f.nb += 8
	}
}

// take consumes n pending bits.
func (f *inflater) take(n uint) {
	f.bits >>= n
	f.nb -= n
	if f.nb < f.pad {
		f.bad = true
		f.pad = f.nb
	}
}

// need returns the next n bits (n <= 16).
func (f *inflater) need(n uint) uint32 {
	f.fill(n)
	v := uint32(f.bits & (1<<n - 1))
	f.take(n)
	return v
}

// stored copies an uncompressed block.
func (f *inflater) stored() {
	// To a byte boundary, and give back whole bytes read ahead.
	if f.pad > 0 {
		f.bad = true
		return
	}
	f.pos -= int(f.nb / 8)
	f.bits, f.nb = 0, 0
	if f.pos+4 > len(f.in) {
		f.bad = true
		return
	}
	n := int(f.in[f.pos]) | int(f.in[f.pos+1])<<8
	if n != ^(int(f.in[f.pos+2])|int(f.in[f.pos+3])<<8)&0xffff {
		f.bad = true
		return
	}
	f.pos += 4
	if f.pos+n > len(f.in) {
		f.bad = true
		return
	}
	f.out = append(f.out, f.in[f.pos:f.pos+n]...)
	f.pos += n
}

// decode reads one symbol of code h.
func (f *inflater) decode(h *huffman) int {
	f.fill(h.bits)
	e := h.table[f.bits&(1<<h.bits-1)]
	if e&15 == 0 {
		f.bad = true
		return 0
	}
	f.take(uint(e & 15))
	return int(e >> 4)
}

// build makes the code for the given code lengths (canonical Huffman, as
// DEFLATE defines it). It reports false for an over-subscribed set of
// lengths; an incomplete one is allowed (a lone distance code).
func (h *huffman) build(lengths []uint8) bool {
	var count [16]int
	h.bits = 0
	for _, l := range lengths {
		count[l]++
		if uint(l) > h.bits {
			h.bits = uint(l)
		}
	}
	count[0] = 0
	left := 1
	for l := 1; l < 16; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return false
		}
	}
	var next [16]int // first code of each length
	code := 0
	for l := 1; l < 16; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	h.table = make([]uint16, 1<<h.bits)
	for s, l := range lengths {
		if l == 0 {
			continue
		}
		c := next[l]
		next[l]++
		r := 0 // the code bit-reversed: the input holds it first bit lowest
		for i := uint8(0); i < l; i++ {
			r = r<<1 | c>>i&1
		}
		for i := r; i < len(h.table); i += 1 << l {
			h.table[i] = uint16(s)<<4 | uint16(l)
		}
	}
	return true
}

var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}

	fixedLit, fixedDist huffman
)

func init() {
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	fixedLit.build(l[:])
	var d [30]uint8
	for i := range d {
		d[i] = 5
	}
	fixedDist.build(d[:])
}

// codes decodes the symbols of a compressed block.
func (f *inflater) codes(lit, dist *huffman) {
	for !f.bad {
		sym := f.decode(lit)
		switch {
		case sym < 256:
			f.out = append(f.out, byte(sym))
		case sym == 256:
			return
		case sym-257 >= len(lengthBase):
			f.bad = true
		default:
			sym -= 257
			n := int(lengthBase[sym]) + int(f.need(uint(lengthExtra[sym])))
			d := f.decode(dist)
			if d >= len(distBase) {
				f.bad = true
				return
			}
			back := int(distBase[d]) + int(f.need(uint(distExtra[d])))
			if back > len(f.out) {
				f.bad = true
				return
			}
			from := len(f.out) - back
			if back >= n {
				f.out = append(f.out, f.out[from:from+n]...)
				continue
			}
			for i := 0; i < n; i++ { // overlapping: byte by byte
				f.out = append(f.out, f.out[from+i])
			}
		}
	}
}

// clOrder is the order of the code length code lengths in a dynamic block.
var clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// dynamic reads the code tables of a dynamic block.
func (f *inflater) dynamic(lit, dist *huffman) {
	nlen := int(f.need(5)) + 257
	ndist := int(f.need(5)) + 1
	ncode := int(f.need(4)) + 4
	if nlen > 286 || ndist > 30 {
		f.bad = true
		return
	}
	var cl [19]uint8
	for i := 0; i < ncode; i++ {
		cl[clOrder[i]] = uint8(f.need(3))
	}
	var clh huffman
	if !clh.build(cl[:]) {
		f.bad = true
		return
	}
	lengths := make([]uint8, nlen+ndist)
	for i := 0; i < len(lengths) && !f.bad; {
		sym := f.decode(&clh)
		if sym < 16 {
			lengths[i] = uint8(sym)
			i++
			continue
		}
		var v uint8
		var rep int
		switch sym {
		case 16:
			if i == 0 {
				f.bad = true
				return
			}
			v, rep = lengths[i-1], 3+int(f.need(2))
		case 17:
			rep = 3 + int(f.need(3))
		default:
			rep = 11 + int(f.need(7))
		}
		if i+rep > len(lengths) {
			f.bad = true
			return
		}
		for ; rep > 0; rep-- {
			lengths[i] = v
			i++
		}
	}
	if f.bad || lengths[256] == 0 || !lit.build(lengths[:nlen]) || !dist.build(lengths[nlen:]) {
		f.bad = true
	}
}
