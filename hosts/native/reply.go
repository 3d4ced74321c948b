package native

import (
	"bytes"

	"github.com/foliodb/folio/core/resp"
)

// DecodeReply converts a raw RESP reply into the Go values Do returns; an
// error reply comes back as an *Error. Other hosts of the engine (the wasm
// plugin) use it so that their Do gives exactly what native's gives.
func DecodeReply(raw []byte) (any, error) {
	v, err := resp.NewReader(bytes.NewReader(raw)).Read()
	if err != nil {
		return nil, err
	}
	return toGo(v)
}

// ArgBytes is how Do turns one argument into bytes: strings and []byte as
// they are, integers and floats in decimal, durations in milliseconds,
// Stringers by their String method, anything else with fmt.Sprint.
func ArgBytes(a any) []byte { return toBytes(a) }
