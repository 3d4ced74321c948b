package native

import (
	"strconv"

	"github.com/foliodb/folio/core/resp"
)

// parseValue decodes the RESP value at the start of b, returning it and
// its length. It is resp.Reader without the stream: Do decodes a reply it
// already holds whole, and a buffered reader per call would cost more than
// the command.
func parseValue(b []byte) (resp.Value, int, error) {
	nl := -1
	for i := 1; i < len(b); i++ {
		if b[i] == '\n' && b[i-1] == '\r' {
			nl = i
			break
		}
	}
	if nl < 1 {
		return resp.Value{}, 0, resp.ErrProtocol
	}
	k := resp.Kind(b[0])
	rest := b[1 : nl-1]
	n := nl + 1
	switch k {
	case resp.KindStatus, resp.KindError, resp.KindDouble, resp.KindBigNum:
		return resp.Value{Kind: k, Str: string(rest)}, n, nil
	case resp.KindInt:
		i, err := strconv.ParseInt(string(rest), 10, 64)
		if err != nil {
			return resp.Value{}, 0, resp.ErrProtocol
		}
		return resp.Value{Kind: k, Int: i}, n, nil
	case resp.KindBool:
		v := resp.Value{Kind: k}
		if string(rest) == "t" {
			v.Int = 1
		}
		return v, n, nil
	case resp.KindNull:
		return resp.Value{Kind: k, Null: true}, n, nil
	case resp.KindBulk, resp.KindVerbat, resp.KindBlobErr:
		size, err := strconv.Atoi(string(rest))
		if err != nil {
			return resp.Value{}, 0, resp.ErrProtocol
		}
		if size < 0 {
			return resp.Value{Kind: k, Null: true}, n, nil
		}
		if len(b) < n+size+2 {
			return resp.Value{}, 0, resp.ErrProtocol
		}
		return resp.Value{Kind: k, Str: string(b[n : n+size])}, n + size + 2, nil
	case resp.KindArray, resp.KindSet, resp.KindPush, resp.KindMap, resp.KindAttr:
		count, err := strconv.Atoi(string(rest))
		if err != nil {
			return resp.Value{}, 0, resp.ErrProtocol
		}
		if count < 0 {
			return resp.Value{Kind: k, Null: true}, n, nil
		}
		if k == resp.KindMap || k == resp.KindAttr {
			count *= 2
		}
		v := resp.Value{Kind: k, Elems: make([]resp.Value, 0, min(count, len(b)))}
		for i := 0; i < count; i++ {
			e, m, err := parseValue(b[n:])
			if err != nil {
				return resp.Value{}, 0, err
			}
			v.Elems = append(v.Elems, e)
			n += m
		}
		if k == resp.KindAttr { // attributes precede the real reply
			next, m, err := parseValue(b[n:])
			return next, n + m, err
		}
		return v, n, nil
	}
	return resp.Value{}, 0, resp.ErrProtocol
}
