package core

// A small DEFLATE (RFC 1951) decoder for the generated command table
// (commands_resp.go), which is stored compressed to keep folio.wasm small.
// compress/flate would do, but it imports fmt, which core may not
// depend on. Canonical Huffman codes are decoded a bit at a time, as in
// zlib's puff.c: slow per symbol, but it runs once, at start-up, on a few
// tens of kilobytes.

// inflater reads a raw DEFLATE stream.
type inflater struct {
	in   string
	pos  int
	bits uint32 // pending input bits, least significant first
	nb   uint   // number of pending bits
	out  []byte
	bad  bool // the stream ended early or is malformed
}

// huffman is a canonical Huffman code: how many codes have each length,
// and the symbols in code order.
type huffman struct {
	count  [16]uint16
	symbol []uint16
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

// need returns the next n bits (n <= 16).
func (f *inflater) need(n uint) uint32 {
	for f.nb < n {
		if f.pos >= len(f.in) {
			f.bad = true
			return 0
		}
		f.bits |= uint32(f.in[f.pos]) << f.nb
		f.pos++
		f.nb += 8
	}
	v := f.bits & (1<<n - 1)
	f.bits >>= n
	f.nb -= n
	return v
}

// stored copies an uncompressed block.
func (f *inflater) stored() {
	f.bits, f.nb = 0, 0 // to a byte boundary
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
	code, first, index := 0, 0, 0
	for l := 1; l < 16; l++ {
		code |= int(f.need(1))
		count := int(h.count[l])
		if code-count < first {
			return int(h.symbol[index+code-first])
		}
		index += count
		first = (first + count) << 1
		code <<= 1
	}
	f.bad = true
	return 0
}

// build makes the canonical code for the given code lengths. It reports
// false for an over-subscribed set of lengths.
func (h *huffman) build(lengths []uint8) bool {
	h.count = [16]uint16{}
	for _, l := range lengths {
		h.count[l]++
	}
	left := 1
	for l := 1; l < 16; l++ {
		left = left<<1 - int(h.count[l])
		if left < 0 {
			return false
		}
	}
	var offs [16]uint16
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	h.symbol = make([]uint16, len(lengths))
	for s, l := range lengths {
		if l != 0 {
			h.symbol[offs[l]] = uint16(s)
			offs[l]++
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
			for i := 0; i < n; i++ { // may overlap: byte by byte
				f.out = append(f.out, f.out[len(f.out)-back])
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
