package core

import (
	"math"
	"math/big"
	"math/rand"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foliodb/folio/core/store/memstore"
)

// The math/big implementation ldouble replaced, kept as the reference.

func bigParseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= 5*1024 || isCSpace(b[0]) {
		return nil, false
	}
	s := string(b)
	neg := false
	body := s
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	lb := strings.ToLower(body)
	f := new(big.Float).SetPrec(64).SetMode(big.ToNearestEven)
	switch {
	case lb == "inf" || lb == "infinity":
		f.SetInf(neg)
		return f, true
	case strings.HasPrefix(lb, "0x"):
		if !validHexFloat(lb[2:]) {
			return nil, false
		}
		if !strings.ContainsRune(lb, 'p') {
			lb += "p0"
		}
		if strings.HasPrefix(lb[2:], ".") {
			lb = "0x0" + lb[2:]
		}
		if _, _, err := f.Parse(lb, 0); err != nil {
			return nil, false
		}
	default:
		if !validDecFloat(lb) {
			return nil, false
		}
		if _, _, err := f.Parse(lb, 10); err != nil {
			return nil, false
		}
	}
	if neg {
		f.Neg(f)
	}
	if f.Sign() != 0 {
		exp := f.MantExp(nil)
		if exp > longDoubleMaxExp || exp < longDoubleMinExp {
			return nil, false
		}
	}
	return f, true
}

// exactParse rounds a decimal exactly (big.Float's decimal Parse rounds
// 5^k first, so it can be one ulp off; glibc's strtold cannot).
func exactParse(s string) (*big.Float, bool) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, false
	}
	return new(big.Float).SetPrec(64).SetMode(big.ToNearestEven).SetRat(r), true
}

func bigFormat(f *big.Float) string {
	s := f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func bigAdd(a, b *big.Float) (string, bool) {
	if a.IsInf() || b.IsInf() {
		return "", false
	}
	sum := new(big.Float).SetPrec(64).SetMode(big.ToNearestEven).Add(a, b)
	if sum.Sign() != 0 && sum.MantExp(nil) > longDoubleMaxExp {
		return "", false
	}
	return bigFormat(sum), true
}

func bigBlockTimeout(b []byte) (int64, string) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, msgTimeout
	}
	f, ok, _ := sortStrtod(string(b))
	if !ok || math.IsNaN(f) {
		return 0, msgTimeout
	}
	t := strings.TrimLeft(string(b), "+")
	if lt := strings.ToLower(t); strings.HasPrefix(lt, "0x") || strings.HasPrefix(lt, "-0x") {
		if !strings.Contains(lt, "p") {
			t += "p0"
		}
	}
	var ms int64
	x, _, err := big.ParseFloat(t, 0, 64, big.ToNearestEven)
	if err != nil || x.IsInf() {
		ms = math.MinInt64
	} else {
		x.Mul(x, big.NewFloat(1000).SetPrec(64))
		n, acc := x.Int64()
		if acc != big.Exact && (n == math.MaxInt64 || n == math.MinInt64) {
			n = math.MinInt64
		}
		ms = n
	}
	if ms < 0 {
		return 0, msgTimeoutNegative
	}
	return ms, ""
}

func ldToBig(x ldouble) *big.Float {
	f := new(big.Float).SetPrec(64)
	switch {
	case x.inf:
		f.SetInf(x.neg)
	case x.mant == 0:
		if x.neg {
			f.Neg(f)
		}
	default:
		f.SetUint64(x.mant)
		f.SetMantExp(f, int(x.exp))
		if x.neg {
			f.Neg(f)
		}
	}
	return f
}

func randDigits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.Intn(10))
	}
	return string(b)
}

// randDecimal makes decimals of varied length and exponent.
func randDecimal(r *rand.Rand) string {
	var sb strings.Builder
	switch r.Intn(4) {
	case 1:
		sb.WriteByte('-')
	case 2:
		sb.WriteByte('+')
	}
	lens := []int{1, 2, 5, 17, 18, 19, 20, 21, 25, 40, 100, 400}
	ip := r.Intn(len(lens))
	if r.Intn(5) > 0 {
		sb.WriteString(randDigits(r, lens[ip]))
	}
	if r.Intn(2) == 0 || sb.Len() == 0 || sb.String() == "-" || sb.String() == "+" {
		sb.WriteByte('.')
		sb.WriteString(randDigits(r, 1+r.Intn(lens[r.Intn(len(lens))])))
	}
	if r.Intn(2) == 0 {
		sb.WriteByte("eE"[r.Intn(2)])
		if r.Intn(2) == 0 {
			sb.WriteByte("+-"[r.Intn(2)])
		}
		exps := []int{0, 1, 5, 20, 300, 310, 4000, 4930, 4940, 4950, 4960, 5000}
		sb.WriteString(strconv.Itoa(exps[r.Intn(len(exps))] + r.Intn(5)))
	}
	return sb.String()
}

func randHex(r *rand.Rand) string {
	const hx = "0123456789abcdefABCDEF"
	var sb strings.Builder
	if r.Intn(3) == 0 {
		sb.WriteByte('-')
	}
	sb.WriteString("0x")
	n := 1 + r.Intn(30)
	for i := 0; i < n; i++ {
		sb.WriteByte(hx[r.Intn(len(hx))])
	}
	if r.Intn(2) == 0 {
		sb.WriteByte('.')
		for i := r.Intn(20); i >= 0; i-- {
			sb.WriteByte(hx[r.Intn(len(hx))])
		}
	}
	if r.Intn(2) == 0 {
		sb.WriteByte("pP"[r.Intn(2)])
		if r.Intn(2) == 0 {
			sb.WriteByte("+-"[r.Intn(2)])
		}
		sb.WriteString(strconv.Itoa(r.Intn(16500)))
	}
	return sb.String()
}

// nearHalf makes decimals at and next to the midpoint between two 64-bit
// neighbours, where rounding is hardest.
func nearHalf(r *rand.Rand) []string {
	m := r.Uint64() | 1<<63
	e := r.Intn(400) - 200
	mid := new(big.Float).SetPrec(200).SetUint64(m)
	mid.SetMantExp(mid, e)
	half := new(big.Float).SetPrec(200).SetMantExp(big.NewFloat(1), e-1)
	mid.Add(mid, half)
	s := mid.Text('e', 200) // exact: the midpoint has a finite decimal
	out := []string{s}
	// Truncate the exact expansion to varied digit counts, and nudge it.
	mant, exp, _ := strings.Cut(s, "e")
	for _, n := range []int{20, 21, 25, 30, 40} {
		if n+2 < len(mant) {
			out = append(out, mant[:n+2]+"e"+exp, mant[:n+2]+"1e"+exp, mant[:n+2]+"9e"+exp)
		}
	}
	return out
}

func checkParse(t *testing.T, s string) {
	t.Helper()
	got, ok := parseLongDouble([]byte(s))
	want, wok := bigParseLongDouble([]byte(s))
	lb := strings.ToLower(s)
	isDec := !strings.Contains(lb, "x") && !strings.Contains(lb, "inf")
	if isDec && wok {
		// Where big.Float's decimal parse is an ulp off, the exact rounding
		// (what strtold does) is the reference.
		if ex, ok := exactParse(strings.TrimPrefix(lb, "+")); ok && ex.Cmp(want) != 0 {
			ee := ex.MantExp(nil)
			if ee <= longDoubleMaxExp && ee >= longDoubleMinExp {
				want = ex
			}
		}
	}
	if ok != wok {
		t.Fatalf("parse %q: ok %v, math/big %v", s, ok, wok)
	}
	if !ok {
		return
	}
	if g := ldToBig(got); g.Cmp(want) != 0 || g.Signbit() != want.Signbit() {
		t.Fatalf("parse %q: %s, math/big %s", s, g.Text('p', 0), want.Text('p', 0))
	}
	if !got.inf {
		if f, w := formatLongDouble(got), bigFormat(want); f != w {
			t.Fatalf("format %q: %q, math/big %q", s, f, w)
		}
	}
}

func TestLongDoubleParseFixed(t *testing.T) {
	// math/big refuses an exponent past its range even on a zero; strtold
	// (and so Redis) reads a zero.
	for _, s := range []string{"0e99999999999999999999999", "-0.0e-99999999999999999999999"} {
		if v, ok := parseLongDouble([]byte(s)); !ok || v.mant != 0 {
			t.Errorf("parse %q: %v %v", s, v, ok)
		}
	}
	for _, s := range []string{
		"0", "-0", "+0", "0.0", ".5", "5.", "1", "-1", "1e10", "1E10", "1e+10", "1e-10",
		"0.1", "0.2", "0.3", "3.0e3", "10.5", "-5.0e3", "1.1", "5.0e3", "1.5e999", "1e4932", "1.18e4932", "1.19e4932",
		"1e-4950", "3.6e-4951", "3.7e-4951", "3.64e-4951", "3.65e-4951", "1e-4951", "1e-5000", "1e5000",
		"1e99999999999999999999", "1e-99999999999999999999",
		"inf", "-inf", "+inf", "INF", "Infinity", "-INFINITY", "infinit", "nan", "NaN", "-nan",
		"0x", "0x1", "0X1P3", "0x.8", "-0x.8p1", "0x1.", "0x1p", "0x1p+", "0x1p-16446", "0x1p-16447",
		"0x1p16383", "0x1p16384", "0x1.fffffffffffffffep16383", "0x1.ffffffffffffffffp16383",
		"0x1.00000000000000008", "0x1.00000000000000018", "0x1.000000000000000081",
		"18446744073709551615", "18446744073709551616", "18446744073709551617",
		"36893488147419103231", "36893488147419103233", "9223372036854775807.5",
		"", " 1", "1 ", "1e", "e1", ".", "-", "+", "1.2.3", "--1", "1_000", "0b101", "0o17", "1e1.5", "١",
		"0.000000000000000001", "0.000000000000000005", "0.000000000000000015", "0.000000000000000025",
		"123456789012345678901234567890", "3.14159265358979323846264338327950288",
		strings.Repeat("9", 5119), strings.Repeat("9", 5120), "0." + strings.Repeat("0", 5000) + "1",
		"1" + strings.Repeat("0", 4000) + "e900", "1" + strings.Repeat("0", 4000) + "e-9000",
	} {
		checkParse(t, s)
	}
}

func TestLongDoubleParseRandom(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	n := 6000
	if testing.Short() {
		n = 600
	}
	for i := 0; i < n; i++ {
		checkParse(t, randDecimal(r))
		checkParse(t, randHex(r))
		for _, s := range nearHalf(r) {
			checkParse(t, s)
		}
		// Random float64s, printed shortest and in full.
		f := math.Float64frombits(r.Uint64())
		if !math.IsNaN(f) {
			checkParse(t, strconv.FormatFloat(f, 'g', -1, 64))
			checkParse(t, strconv.FormatFloat(f, 'e', 30, 64))
		}
	}
}

func TestLongDoubleAdd(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	gen := func() string {
		switch r.Intn(4) {
		case 0:
			return randDecimal(r)
		case 1:
			return randHex(r)
		case 2:
			return strconv.FormatInt(r.Int63()-r.Int63(), 10)
		default:
			return strconv.FormatFloat((r.Float64()-0.5)*math.Pow(10, float64(r.Intn(40)-20)), 'g', -1, 64)
		}
	}
	n := 6000
	if testing.Short() {
		n = 600
	}
	for i := 0; i < n; i++ {
		sa, sb := gen(), gen()
		a, ok1 := parseLongDouble([]byte(sa))
		b, ok2 := parseLongDouble([]byte(sb))
		if !ok1 || !ok2 {
			continue
		}
		ga, gb := ldToBig(a), ldToBig(b)
		got, ok := addLongDoubles(a, b)
		want, wok := bigAdd(ga, gb)
		if ok != wok || got != want {
			t.Fatalf("%q + %q: %q %v, math/big %q %v", sa, sb, got, ok, want, wok)
		}
		// a + (-a), and an increment of the printed sum, as INCRBYFLOAT
		// chains do.
		na := a
		na.neg = !na.neg
		if got, ok := addLongDoubles(a, na); !a.inf && (!ok || got != "0") {
			t.Fatalf("%q - itself: %q %v", sa, got, ok)
		}
		if ok {
			c, ok := parseLongDouble([]byte(got))
			if !ok {
				continue
			}
			g2, _ := addLongDoubles(c, b)
			w2, _ := bigAdd(ldToBig(c), gb)
			if g2 != w2 {
				t.Fatalf("%q + %q: %q, math/big %q", got, sb, g2, w2)
			}
		}
	}
	// Overflow at the top of the range.
	m, _ := parseLongDouble([]byte("0x1.fffffffffffffffep16383"))
	if _, ok := addLongDoubles(m, m); ok {
		t.Fatal("max + max did not overflow")
	}
	if _, ok := bigAdd(ldToBig(m), ldToBig(m)); ok {
		t.Fatal("math/big: max + max did not overflow")
	}
}

func TestLongDoubleTimeouts(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	cases := []string{
		"0", "1", "-1", "0.001", "-0.001", "-0.0001", "0.0005", "1.5", "1e3", "1e10", "1e15", "9223372036854775.807",
		"9223372036854775.8075", "9223372036854775.808", "9223372036854775.809", "1e16", "1e300", "1e308", "1e309", "1e400",
		"1e4932", "1e4933", "1e5000", "1e-300", "1e-400", "1e-5000", "inf", "-inf", "+inf", "infinity", "nan", "-nan",
		"0x10", "-0x10", "0x1p3", "0X1P-3", "+0x1p3", "0x1p1000", "0x1p2000", "0x1p-2000", "", " 1", "1 ", "abc", "1e",
		"+1", "++1", "-+1", "0.1e-1", "1.", ".5", "-.5", "0x.8", "0x.8p1",
	}
	for i := 0; i < 5000; i++ {
		cases = append(cases, randDecimal(r), randHex(r))
	}
	for _, s := range cases {
		if g1, g2 := blockTimeout([]byte(s)); true {
			w1, w2 := bigBlockTimeout([]byte(s))
			if g1 != w1 || g2 != w2 {
				t.Errorf("blockTimeout(%q) = %d %q, math/big %d %q", s, g1, g2, w1, w2)
			}
		}
	}
}

func TestNatDecimal(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for i := 0; i < 2000; i++ {
		s := strings.TrimLeft(randDigits(r, 1+r.Intn(200)), "0")
		var n nat
		for _, ch := range s {
			n = n.mulAdd(10, uint32(ch-'0'))
		}
		if s == "" {
			s = "0"
		}
		if got := n.decimal(); got != s {
			t.Fatalf("%s: %s", s, got)
		}
		b, _ := new(big.Int).SetString(s, 10)
		sh := uint(r.Intn(100))
		if got, want := n.shl(sh).decimal(), new(big.Int).Lsh(b, sh).String(); got != want {
			t.Fatalf("%s<<%d: %s, want %s", s, sh, got, want)
		}
		if got, want := n.shr(sh).decimal(), new(big.Int).Rsh(b, sh).String(); got != want {
			t.Fatalf("%s>>%d: %s, want %s", s, sh, got, want)
		}
	}
}

func TestLongDoubleZTimeouts(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	cases := []string{
		"0", "1", "1e308", "1e309", "1e4932", "1e4933", "1.2e4932", "1e5000", "1e-320", "1e-400", "1e-4950",
		"1e-4951", "3.6e-4951", "3.7e-4951", "1e-5000", "inf", "-inf", "nan", "0x1p1024", "0x1p16383", "0x1p16384",
		"0x1p-1075", "0x1p-16446", "0x1p-16447", "-1e400", "-1e-400", "0e999999999999999999999",
	}
	for i := 0; i < 5000; i++ {
		cases = append(cases, randDecimal(r), randHex(r))
	}
	for _, s := range cases {
		g1, g2 := zParseTimeout([]byte(s))
		w1, w2 := bigZParseTimeout([]byte(s))
		if g1 != w1 || g2 != w2 {
			t.Errorf("zParseTimeout(%q) = %d %q, math/big %d %q", s, g1, g2, w1, w2)
		}
	}
}

func bigZParseTimeout(b []byte) (int64, string) {
	s := string(b)
	if s == "" || strings.IndexAny(s[:1], " \t\n\v\f\r") == 0 {
		return 0, msgTimeout
	}
	f, ok := strtod(s)
	if !ok || math.IsNaN(f) {
		return 0, msgTimeout
	}
	if overflow, underflow := math.IsInf(f, 0) && !strings.Contains(strings.ToLower(s), "inf"), f == 0 && zHasNonzeroDigit(s); overflow || underflow {
		// Out of a double's range: is it within a long double's?
		bf, _, err := big.ParseFloat(s, 0, 64, big.ToNearestEven)
		if err != nil {
			return 0, msgTimeout
		}
		exp := bf.MantExp(nil)
		if overflow && exp > 16384 || underflow && exp < -16445 {
			return 0, msgTimeout
		}
		if underflow {
			return 1, "" // a fraction of a millisecond, rounded up
		}
	}
	ms := f * 1000
	if ms < 0 || ms >= math.MaxInt64 || math.IsInf(ms, 0) {
		return 0, msgTimeoutNegative
	}
	return int64(math.Ceil(ms)), ""
}

// TestLongDoubleAgainstRedis plays INCRBYFLOAT and HINCRBYFLOAT on hard
// inputs (decimals next to rounding midpoints, long and huge or tiny ones,
// hex floats) against redis-server, whose strtold rounds exactly.
func TestLongDoubleAgainstRedis(t *testing.T) {
	rc := startLiveRedis(t)
	e, err := New(memstore.New(), Options{Now: func() int64 { return time.Now().UnixMilli() }, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	s := e.NewSession()
	r := rand.New(rand.NewSource(6))
	play := func(args ...string) {
		t.Helper()
		want := rc.do(t, args)
		got := e.Do(s, args...)
		if string(got) != string(want) {
			t.Fatalf("%.200q: got %.300q, redis %.300q", args, got, want)
		}
	}
	n := 500
	if testing.Short() {
		n = 100
	}
	for i := 0; i < n; i++ {
		var vals []string
		vals = append(vals, nearHalf(r)...)
		vals = append(vals, randDecimal(r), randHex(r), randDecimal(r))
		for j, v := range vals {
			play("SET", "k", vals[(j+1)%len(vals)])
			play("INCRBYFLOAT", "k", v)
			play("INCRBYFLOAT", "k", vals[(j+2)%len(vals)])
			play("HSET", "h", "f", v)
			play("HINCRBYFLOAT", "h", "f", vals[(j+3)%len(vals)])
		}
	}
}
