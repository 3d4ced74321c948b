package core

import (
	"math"
	"testing"
)

// TestSortStrtod checks the number parsing SORT uses against what Redis
// 7.0 (glibc's strtod) was seen to accept and reject as a score.
func TestSortStrtod(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool // a valid score for SORT
	}{
		{"3", 3, true},
		{"-5", -5, true},
		{"2.5", 2.5, true},
		{"1e1", 10, true},
		{"0x10", 16, true},
		{"0x1p-2", 0.25, true},
		{" 7", 7, true}, // strtod skips leading space
		{"", 0, true},   // strtod converts nothing and ends at the end
		{"inf", math.Inf(1), true},
		{"-Infinity", math.Inf(-1), true},
		{"2.5e-308", 2.5e-308, true},
		{"7 ", 0, false},
		{"2 ", 0, false},
		{"nan", 0, false},
		{"1e400", 0, false},    // overflow: ERANGE
		{"1e-400", 0, false},   // underflow to zero: ERANGE
		{"1e-310", 0, false},   // subnormal: ERANGE
		{"4.9e-324", 0, false}, // subnormal: ERANGE
		{"0x", 0, false},
		{"1_000", 0, false},
		{"+-1", 0, false},
		{"abc", 0, false},
		{" ", 0, false},
		{"1e", 0, false},
	} {
		f, ok, erange := sortStrtod(tc.in)
		valid := ok && !erange && !math.IsNaN(f)
		if valid != tc.ok || valid && f != tc.want {
			t.Errorf("sortStrtod(%q) = %v, ok %v, erange %v; want %v, valid %v", tc.in, f, ok, erange, tc.want, tc.ok)
		}
	}
}

// TestBlockTimeout checks blocking timeouts against Redis 7.0's replies
// (seen with redis-cli): it computes in long double and truncates.
func TestBlockTimeout(t *testing.T) {
	for _, tc := range []struct {
		in  string
		ms  int64
		err string
	}{
		{"0", 0, ""},
		{"1", 1000, ""},
		{"0.5", 500, ""},
		{"0x10", 16000, ""},
		{"-0.0001", 0, ""}, // truncates to 0: waits forever, as Redis does
		{"-0.001", 0, ""},  // -0.99999... ms in long double
		{"1e-400", 0, ""},
		{"-1", 0, msgTimeoutNegative},
		{"inf", 0, msgTimeoutNegative},
		{"1e400", 0, msgTimeoutNegative},
		{"9999999999999999", 0, msgTimeoutNegative},
		{"nan", 0, msgTimeout},
		{" 1", 0, msgTimeout},
		{"", 0, msgTimeout},
		{"x", 0, msgTimeout},
	} {
		ms, err := blockTimeout([]byte(tc.in))
		if ms != tc.ms || err != tc.err {
			t.Errorf("blockTimeout(%q) = %d, %q; want %d, %q", tc.in, ms, err, tc.ms, tc.err)
		}
	}
}
