package core

import "strings"

// ldouble emulates the x87 long double Redis computes float increments in:
// a 64-bit mantissa rounded to nearest even. Its exponent is unbounded here;
// callers check the range (longDoubleMaxExp, longDoubleMinExp) themselves.
// A finite nonzero value is mant * 2^exp with the top bit of mant set.
type ldouble struct {
	neg  bool
	inf  bool
	mant uint64 // 0 for zero
	exp  int64
}

// IsInf reports whether x is an infinity.
func (x ldouble) IsInf() bool { return x.inf }

// binExp returns the exponent of x in math/big's MantExp sense (x = m *
// 2^binExp with 0.5 <= |m| < 1); x must be finite and nonzero.
func (x ldouble) binExp() int64 { return x.exp + 64 }

// overflows reports whether x is finite, nonzero and too large for a long
// double.
func (x ldouble) overflows() bool {
	return !x.inf && x.mant != 0 && x.binExp() > longDoubleMaxExp
}

// ldStatus tells how a parse went.
type ldStatus int

const (
	ldOK        ldStatus = iota
	ldSyntax             // not a number
	ldOverflow           // finite but far beyond any long double (exp set large)
	ldUnderflow          // nonzero but far below any long double (exp set small)
)

// parseLD parses a decimal or hexadecimal (0x, optional p exponent) number,
// an optional sign, or inf/infinity, all case-insensitive, without spaces,
// rounding exactly to 64 bits. Values far out of range report ldOverflow
// or ldUnderflow; others are returned with their exact exponent.
func parseLD(s string) (ldouble, ldStatus) {
	var x ldouble
	if s != "" && (s[0] == '+' || s[0] == '-') {
		x.neg = s[0] == '-'
		s = s[1:]
	}
	ls := strings.ToLower(s)
	if ls == "inf" || ls == "infinity" {
		x.inf = true
		return x, ldOK
	}
	if strings.HasPrefix(ls, "0x") {
		if !validHexFloat(ls[2:]) {
			return ldouble{}, ldSyntax
		}
		return parseHexLD(x, ls[2:])
	}
	if !validDecFloat(ls) {
		return ldouble{}, ldSyntax
	}
	return parseDecLD(x, ls)
}

// scanExp parses an exponent's optional sign and digits, saturating.
func scanExp(s string) int64 {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var e int64
	for i := 0; i < len(s); i++ {
		if e < 1e12 {
			e = e*10 + int64(s[i]-'0')
		}
	}
	if neg {
		return -e
	}
	return e
}

func parseDecLD(x ldouble, s string) (ldouble, ldStatus) {
	var digits []byte
	frac := int64(0)
	seenDot := false
	i := 0
	for ; i < len(s); i++ {
		ch := s[i]
		if ch == '.' {
			seenDot = true
			continue
		}
		if ch < '0' || ch > '9' {
			break
		}
		if seenDot {
			frac++
		}
		if ch == '0' && len(digits) == 0 {
			continue
		}
		digits = append(digits, ch)
	}
	e := int64(0)
	if i < len(s) { // 'e'
		e = scanExp(s[i+1:])
	}
	// Leading zeros dropped; trailing zeros move into the exponent.
	e -= frac
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		e++
	}
	if len(digits) == 0 {
		return x, ldOK // zero
	}
	mag := int64(len(digits)) + e // value in [10^(mag-1), 10^mag)
	if mag > 4950 {
		x.mant, x.exp = 1<<63, 1<<40
		return x, ldOverflow
	}
	if mag < -4970 {
		x.mant, x.exp = 1<<63, -1<<40
		return x, ldUnderflow
	}
	var d nat
	for j := 0; j < len(digits); j += 9 {
		end := j + 9
		if end > len(digits) {
			end = len(digits)
		}
		chunk, mul := uint32(0), uint32(1)
		for _, ch := range digits[j:end] {
			chunk = chunk*10 + uint32(ch-'0')
			mul *= 10
		}
		d = d.mulAdd(mul, chunk)
	}
	if e >= 0 {
		d = d.mulPow10(e)
		x.mant, x.exp = roundNat(d, 0, false)
		return x, ldOK
	}
	b := nat{1}.mulPow10(-e)
	// Scale so that the quotient has 67 or 68 bits, then divide bit by bit.
	s2 := int64(67 - (d.bitLen() - b.bitLen()))
	if s2 >= 0 {
		d = d.shl(uint(s2))
	} else {
		b = b.shl(uint(-s2))
	}
	var q nat
	bk := b.shl(68)
	for k := 68; k >= 0; k-- {
		if natCmp(d, bk) >= 0 {
			d = d.subInPlace(bk)
			q = q.setBit(uint(k))
		}
		bk = bk.shr1InPlace()
	}
	x.mant, x.exp = roundNat(q, -s2, len(d) != 0)
	return x, ldOK
}

func parseHexLD(x ldouble, s string) (ldouble, ldStatus) {
	var n nat
	frac := int64(0)
	seenDot := false
	i := 0
	for ; i < len(s); i++ {
		ch := s[i]
		if ch == '.' {
			seenDot = true
			continue
		}
		var v uint32
		switch {
		case ch >= '0' && ch <= '9':
			v = uint32(ch - '0')
		case ch >= 'a' && ch <= 'f':
			v = uint32(ch-'a') + 10
		default:
			goto done
		}
		if seenDot {
			frac++
		}
		n = n.mulAdd(16, v)
	}
done:
	e := int64(0)
	if i < len(s) { // 'p'
		e = scanExp(s[i+1:])
	}
	e -= 4 * frac
	if len(n) == 0 {
		return x, ldOK
	}
	top := int64(n.bitLen()) + e
	if top > 20000 {
		x.mant, x.exp = 1<<63, 1<<40
		return x, ldOverflow
	}
	if top < -20000 {
		x.mant, x.exp = 1<<63, -1<<40
		return x, ldUnderflow
	}
	x.mant, x.exp = roundNat(n, e, false)
	return x, ldOK
}

// roundNat rounds n*2^e (plus something below its last bit when sticky)
// to 64 bits, to nearest even; n must be nonzero.
func roundNat(n nat, e int64, sticky bool) (uint64, int64) {
	bl := n.bitLen()
	if bl <= 64 {
		m := n.low64() << uint(64-bl)
		return m, e - int64(64-bl)
	}
	sh := bl - 64
	top := n.shr(uint(sh)).low64()
	round := n.bit(uint(sh - 1))
	rest := sticky || n.anyBelow(uint(sh-1))
	if round && (rest || top&1 != 0) {
		top++
		if top == 0 {
			top = 1 << 63
			sh++
		}
	}
	return top, e + int64(sh)
}

// ldAdd returns a+b rounded to 64 bits, to nearest even; neither may be
// infinite.
func ldAdd(a, b ldouble) ldouble {
	if a.mant == 0 && b.mant == 0 {
		return ldouble{neg: a.neg && b.neg}
	}
	if a.mant == 0 {
		return b
	}
	if b.mant == 0 {
		return a
	}
	emin := a.exp
	if b.exp < emin {
		emin = b.exp
	}
	na := natFromU64(a.mant).shl(uint(a.exp - emin))
	nb := natFromU64(b.mant).shl(uint(b.exp - emin))
	var r ldouble
	var n nat
	if a.neg == b.neg {
		n = natAdd(na, nb)
		r.neg = a.neg
	} else {
		switch c := natCmp(na, nb); {
		case c == 0:
			return ldouble{}
		case c > 0:
			n = natSub(na, nb)
			r.neg = a.neg
		default:
			n = natSub(nb, na)
			r.neg = b.neg
		}
	}
	r.mant, r.exp = roundNat(n, emin, false)
	return r
}

// ldMul1000 returns x*1000 rounded to 64 bits, to nearest even.
func ldMul1000(x ldouble) ldouble {
	if x.inf || x.mant == 0 {
		return x
	}
	n := natFromU64(x.mant).mulAdd(1000, 0)
	x.mant, x.exp = roundNat(n, x.exp, false)
	return x
}

// ldInt64 converts x toward zero as math/big's Float.Int64 does: values out
// of range give math.MinInt64 or math.MaxInt64; exact tells whether no
// fraction or range was lost.
func ldInt64(x ldouble) (n int64, exact bool) {
	if x.mant == 0 {
		return 0, true
	}
	if x.binExp() > 63 || x.binExp() == 64 {
		if x.neg {
			if x.binExp() == 64 && x.mant == 1<<63 {
				return -1 << 63, true
			}
			return -1 << 63, false
		}
		return 1<<63 - 1, false
	}
	var u uint64
	if x.exp >= 0 {
		u, exact = x.mant<<uint(x.exp), true
	} else if x.exp <= -64 {
		u, exact = 0, false
	} else {
		u = x.mant >> uint(-x.exp)
		exact = u<<uint(-x.exp) == x.mant
	}
	if x.neg {
		return -int64(u), exact
	}
	return int64(u), exact
}

// ldFormatF formats x as C's printf("%.17Lf") does (exactly, the last digit
// rounded to nearest even); x must be finite.
func ldFormatF(x ldouble) string {
	var q nat
	if x.mant != 0 {
		if x.exp >= 0 {
			q = natFromU64(x.mant).shl(uint(x.exp)).mulPow10(17)
		} else {
			p := natFromU64(x.mant).mulPow10(17)
			sh := uint(-x.exp)
			q = p.shr(sh)
			if p.bit(sh-1) && (p.anyBelow(sh-1) || q.bit(0)) {
				q = natAdd(q, nat{1})
			}
		}
	}
	ds := q.decimal()
	for len(ds) < 18 {
		ds = "0" + ds
	}
	s := ds[:len(ds)-17] + "." + ds[len(ds)-17:]
	if x.neg {
		s = "-" + s
	}
	return s
}

// ---- natural numbers, little-endian 32-bit limbs, no leading zeros ----

type nat []uint32

func (z nat) norm() nat {
	for len(z) > 0 && z[len(z)-1] == 0 {
		z = z[:len(z)-1]
	}
	return z
}

func natFromU64(v uint64) nat { return nat{uint32(v), uint32(v >> 32)}.norm() }

func (z nat) low64() uint64 {
	var v uint64
	if len(z) > 0 {
		v = uint64(z[0])
	}
	if len(z) > 1 {
		v |= uint64(z[1]) << 32
	}
	return v
}

// mulAdd returns z*m + a, reusing z's storage.
func (z nat) mulAdd(m, a uint32) nat {
	carry := uint64(a)
	for i, w := range z {
		t := uint64(w)*uint64(m) + carry
		z[i] = uint32(t)
		carry = t >> 32
	}
	if carry != 0 {
		z = append(z, uint32(carry))
	}
	return z.norm()
}

// mulPow10 returns z*10^k.
func (z nat) mulPow10(k int64) nat {
	z = append(nat(nil), z...)
	for ; k >= 9; k -= 9 {
		z = z.mulAdd(1e9, 0)
	}
	m := uint32(1)
	for ; k > 0; k-- {
		m *= 10
	}
	return z.mulAdd(m, 0)
}

func (z nat) bitLen() int {
	if len(z) == 0 {
		return 0
	}
	top := z[len(z)-1]
	n := 0
	for top != 0 {
		top >>= 1
		n++
	}
	return (len(z)-1)*32 + n
}

func (z nat) bit(i uint) bool {
	w := int(i / 32)
	return w < len(z) && z[w]>>(i%32)&1 != 0
}

func (z nat) setBit(i uint) nat {
	w := int(i / 32)
	for len(z) <= w {
		z = append(z, 0)
	}
	z[w] |= 1 << (i % 32)
	return z
}

// anyBelow reports whether any of bits 0..i-1 is set.
func (z nat) anyBelow(i uint) bool {
	w := int(i / 32)
	for j := 0; j < w && j < len(z); j++ {
		if z[j] != 0 {
			return true
		}
	}
	if w < len(z) && i%32 != 0 && z[w]&(1<<(i%32)-1) != 0 {
		return true
	}
	return false
}

// shl returns z<<s in new storage.
func (z nat) shl(s uint) nat {
	if len(z) == 0 {
		return nil
	}
	ws, bs := int(s/32), s%32
	r := make(nat, len(z)+ws+1)
	for i, w := range z {
		r[i+ws] |= w << bs
		if bs != 0 {
			r[i+ws+1] |= w >> (32 - bs)
		}
	}
	return r.norm()
}

// shr returns z>>s in new storage.
func (z nat) shr(s uint) nat {
	ws, bs := int(s/32), s%32
	if ws >= len(z) {
		return nil
	}
	r := make(nat, len(z)-ws)
	for i := range r {
		r[i] = z[i+ws] >> bs
		if bs != 0 && i+ws+1 < len(z) {
			r[i] |= z[i+ws+1] << (32 - bs)
		}
	}
	return r.norm()
}

func natCmp(a, b nat) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func natAdd(a, b nat) nat {
	if len(a) < len(b) {
		a, b = b, a
	}
	r := make(nat, len(a)+1)
	var carry uint64
	for i := range a {
		t := uint64(a[i]) + carry
		if i < len(b) {
			t += uint64(b[i])
		}
		r[i] = uint32(t)
		carry = t >> 32
	}
	r[len(a)] = uint32(carry)
	return r.norm()
}

// natSub returns a-b; a must be >= b.
func natSub(a, b nat) nat {
	r := make(nat, len(a))
	var borrow int64
	for i := range a {
		t := int64(a[i]) - borrow
		if i < len(b) {
			t -= int64(b[i])
		}
		borrow = 0
		if t < 0 {
			t += 1 << 32
			borrow = 1
		}
		r[i] = uint32(t)
	}
	return r.norm()
}

// subInPlace returns z-b in z's storage; z must be >= b.
func (z nat) subInPlace(b nat) nat {
	var borrow uint64
	for i := range z {
		t := uint64(z[i]) - borrow
		if i < len(b) {
			t -= uint64(b[i])
		}
		z[i] = uint32(t)
		borrow = t >> 63
	}
	return z.norm()
}

// shr1InPlace returns z>>1 in z's storage.
func (z nat) shr1InPlace() nat {
	for i := range z {
		z[i] >>= 1
		if i+1 < len(z) {
			z[i] |= z[i+1] << 31
		}
	}
	return z.norm()
}

// divSmall returns z/d and z%d.
func (z nat) divSmall(d uint32) (nat, uint32) {
	r := make(nat, len(z))
	var rem uint64
	for i := len(z) - 1; i >= 0; i-- {
		t := rem<<32 | uint64(z[i])
		r[i] = uint32(t / uint64(d))
		rem = t % uint64(d)
	}
	return r.norm(), uint32(rem)
}

// decimal returns z in base 10.
func (z nat) decimal() string {
	if len(z) == 0 {
		return "0"
	}
	var chunks []uint32
	for len(z) > 0 {
		var r uint32
		z, r = z.divSmall(1e9)
		chunks = append(chunks, r)
	}
	b := make([]byte, 0, len(chunks)*9)
	for i := len(chunks) - 1; i >= 0; i-- {
		var buf [9]byte
		v := chunks[i]
		for j := 8; j >= 0; j-- {
			buf[j] = byte('0' + v%10)
			v /= 10
		}
		if i == len(chunks)-1 {
			k := 0
			for k < 8 && buf[k] == '0' {
				k++
			}
			b = append(b, buf[k:]...)
		} else {
			b = append(b, buf[:]...)
		}
	}
	return string(b)
}
