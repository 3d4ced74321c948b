package core

import (
	"bytes"
	"compress/flate"
	"math/rand/v2"
	"testing"
)

// TestInflate decodes what compress/flate encodes, at every level (stored,
// fixed and dynamic blocks), for inputs from empty to a few hundred KB.
func TestInflate(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	inputs := [][]byte{nil, []byte("a"), []byte("hello hello hello hello"), bytes.Repeat([]byte("ab"), 40000)}
	for _, n := range []int{10, 300, 5000, 70000, 300000} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		inputs = append(inputs, b)
		text := make([]byte, n) // text-like: a small alphabet with repeats
		for i := range text {
			if i > 20 && r.IntN(3) == 0 {
				text[i] = text[i-1-r.IntN(20)]
			} else {
				text[i] = "abcdefgh \r\n"[r.IntN(11)]
			}
		}
		inputs = append(inputs, text)
	}
	for _, in := range inputs {
		for _, level := range []int{flate.NoCompression, flate.BestSpeed, 5, flate.BestCompression, flate.HuffmanOnly} {
			var z bytes.Buffer
			w, _ := flate.NewWriter(&z, level)
			w.Write(in)
			w.Close()
			out, ok := inflate(z.String(), len(in))
			if !ok || !bytes.Equal(out, in) {
				t.Fatalf("level %d, %d bytes: ok %v, round trip differs", level, len(in), ok)
			}
			if _, ok := inflate(z.String(), len(in)+1); ok {
				t.Fatalf("level %d, %d bytes: a wrong length was accepted", level, len(in))
			}
			if len(in) > 0 {
				if _, ok := inflate(z.String()[:z.Len()/2], len(in)); ok {
					t.Fatalf("level %d, %d bytes: a truncated stream was accepted", level, len(in))
				}
			}
		}
	}
}

// TestInflateFixed decodes a block with the fixed Huffman code, which
// compress/flate picks for short inputs.
func TestInflateFixed(t *testing.T) {
	// "abc" compressed with fixed codes: BFINAL=1, BTYPE=01.
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write([]byte("abcabcabc"))
	w.Close()
	if z.Bytes()[0]&6 != 2 {
		t.Skip("compress/flate did not choose a fixed block here")
	}
	out, ok := inflate(z.String(), 9)
	if !ok || string(out) != "abcabcabc" {
		t.Fatalf("got %q %v", out, ok)
	}
}

// TestCommandTable checks the stored table decodes to Redis's three
// replies: version, COMMAND and COMMAND DOCS.
func TestCommandTable(t *testing.T) {
	raw, ok := inflate(commandsDeflate, commandsRESPLen)
	if !ok {
		t.Fatal("commands_resp.go does not decode")
	}
	if !bytes.HasPrefix(raw, []byte("$6\r\n7.0.15\r\n*")) || !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Fatalf("decoded table starts %q", raw[:20])
	}
}
