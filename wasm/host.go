package wasm

import (
	"context"
	"encoding/binary"
	"errors"
	"math"

	"github.com/foliodb/folio/core/store"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Results of the store imports (ABI.md).
const (
	resMissing = -1
	resError   = -2
)

// Flags of store_scan.
const (
	scanReverse = 1 << 0
	scanNoEnd   = 1 << 1
)

type hostFunc struct {
	params, results []api.ValueType
	fn              func(h *instance, mod api.Module, stack []uint64)
}

// hostFuncs are the "folio" imports. They find their instance through the
// context of the export call (every call into a DB's module carries it).
var hostFuncs = map[string]hostFunc{
	"clock_now_ms": {nil, []api.ValueType{i64}, func(h *instance, _ api.Module, s []uint64) {
		h.clockCalls++
		s[0] = uint64(h.now().UnixMilli())
	}},
	"random_seed": {nil, []api.ValueType{i64}, func(h *instance, _ api.Module, s []uint64) {
		s[0] = h.seed
	}},
	"store_begin":  {[]api.ValueType{i32}, []api.ValueType{i32}, (*instance).storeBegin},
	"store_get":    {[]api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}, (*instance).storeGet},
	"store_put":    {[]api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}, (*instance).storePut},
	"store_delete": {[]api.ValueType{i32, i32, i32}, []api.ValueType{i32}, (*instance).storeDelete},
	"store_scan": {[]api.ValueType{i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32},
		(*instance).storeScan},
	"store_commit":   {[]api.ValueType{i32}, []api.ValueType{i32}, (*instance).storeCommit},
	"store_rollback": {[]api.ValueType{i32}, []api.ValueType{i32}, (*instance).storeRollback},
	"store_version":  {[]api.ValueType{i32}, []api.ValueType{i64}, (*instance).storeVersion},
	"store_error":    {[]api.ValueType{i32, i32}, []api.ValueType{i32}, (*instance).storeError},
}

type ctxKey struct{}

func hostModule(r wazero.Runtime) wazero.HostModuleBuilder {
	b := r.NewHostModuleBuilder("folio")
	for name, f := range hostFuncs {
		fn := f.fn
		b = b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			h, _ := ctx.Value(ctxKey{}).(*instance)
			if h == nil {
				// Called outside a DB's call (a foreign module): fail.
				for i := range stack {
					stack[i] = api.EncodeI32(resError)
				}
				return
			}
			fn(h, mod, stack)
		}), f.params, f.results).Export(name)
	}
	return b
}

func arg32(s []uint64, i int) int32   { return api.DecodeI32(s[i]) }
func argU32(s []uint64, i int) uint32 { return api.DecodeU32(s[i]) }
func ret32(s []uint64, v int32)       { s[0] = api.EncodeI32(v) }

var errBadTx = errors.New("wasm: unknown transaction id")

// read returns a view of guest memory (valid until the guest runs again).
func (h *instance) read(mod api.Module, p, n uint32) ([]byte, bool) {
	if n == 0 {
		return []byte{}, true
	}
	return mod.Memory().Read(p, n)
}

func (h *instance) fail(s []uint64, err error) {
	h.lastErr = err.Error()
	ret32(s, resError)
}

func (h *instance) txFor(s []uint64) store.Tx {
	if h.tx == nil || arg32(s, 0) != h.txID {
		h.fail(s, errBadTx)
		return nil
	}
	return h.tx
}

var errMemory = errors.New("wasm: guest pointer out of range")

func (h *instance) storeBegin(mod api.Module, s []uint64) {
	if h.tx != nil {
		// The engine runs one transaction at a time; a leftover one is a
		// guest bug, so end it rather than deadlock the store.
		h.tx.Rollback()
		h.tx = nil
	}
	tx, err := h.st.Begin(arg32(s, 0) != 0)
	if err != nil {
		h.fail(s, err)
		return
	}
	h.txID = (h.txID + 1) & math.MaxInt32
	h.tx = tx
	ret32(s, h.txID)
}

func (h *instance) storeGet(mod api.Module, s []uint64) {
	tx := h.txFor(s)
	if tx == nil {
		return
	}
	key, ok := h.read(mod, argU32(s, 1), argU32(s, 2))
	if !ok {
		h.fail(s, errMemory)
		return
	}
	page, found, err := tx.Get(key)
	if err != nil {
		h.fail(s, err)
		return
	}
	if !found {
		ret32(s, resMissing)
		return
	}
	if uint32(len(page)) <= argU32(s, 4) && len(page) > 0 {
		if !mod.Memory().Write(argU32(s, 3), page) {
			h.fail(s, errMemory)
			return
		}
	}
	ret32(s, int32(len(page)))
}

func (h *instance) storePut(mod api.Module, s []uint64) {
	tx := h.txFor(s)
	if tx == nil {
		return
	}
	key, ok1 := h.read(mod, argU32(s, 1), argU32(s, 2))
	page, ok2 := h.read(mod, argU32(s, 3), argU32(s, 4))
	if !ok1 || !ok2 {
		h.fail(s, errMemory)
		return
	}
	if err := tx.Put(key, page); err != nil {
		h.fail(s, err)
		return
	}
	ret32(s, 0)
}

func (h *instance) storeDelete(mod api.Module, s []uint64) {
	tx := h.txFor(s)
	if tx == nil {
		return
	}
	key, ok := h.read(mod, argU32(s, 1), argU32(s, 2))
	if !ok {
		h.fail(s, errMemory)
		return
	}
	if err := tx.Delete(key); err != nil {
		h.fail(s, err)
		return
	}
	ret32(s, 0)
}

// storeScan writes a batch straight into the guest's buffer:
// u32 flags (bit 0: more records follow), then records
// u32 klen, key, u32 vlen, page.
func (h *instance) storeScan(mod api.Module, s []uint64) {
	tx := h.txFor(s)
	if tx == nil {
		return
	}
	start, ok1 := h.read(mod, argU32(s, 1), argU32(s, 2))
	end, ok2 := h.read(mod, argU32(s, 3), argU32(s, 4))
	flags := arg32(s, 5)
	outCap := argU32(s, 7)
	out, ok3 := mod.Memory().Read(argU32(s, 6), outCap)
	if !ok1 || !ok2 || !ok3 || outCap < 4 {
		h.fail(s, errMemory)
		return
	}
	if flags&scanNoEnd != 0 {
		end = nil
	}
	b := out[:4]
	more, needed := false, 0
	err := tx.Scan(start, end, flags&scanReverse != 0, func(k, v []byte) bool {
		n := 8 + len(k) + len(v)
		if len(b)+n > len(out) {
			if len(b) == 4 {
				needed = 4 + n
			}
			more = true
			return false
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(k)))
		b = append(b, k...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
		return true
	})
	if err != nil {
		h.fail(s, err)
		return
	}
	if needed > 0 {
		ret32(s, int32(-needed))
		return
	}
	var f uint32
	if more {
		f = 1
	}
	binary.LittleEndian.PutUint32(out, f)
	ret32(s, int32(len(b)))
}

func (h *instance) endTx(s []uint64, commit bool) {
	tx := h.txFor(s)
	if tx == nil {
		return
	}
	h.tx = nil
	var err error
	if commit {
		err = tx.Commit()
	} else {
		err = tx.Rollback()
	}
	if err != nil {
		h.fail(s, err)
		return
	}
	ret32(s, 0)
}

func (h *instance) storeCommit(mod api.Module, s []uint64)   { h.endTx(s, true) }
func (h *instance) storeRollback(mod api.Module, s []uint64) { h.endTx(s, false) }

func (h *instance) storeVersion(mod api.Module, s []uint64) {
	tx := h.txFor(s)
	if tx == nil {
		s[0] = api.EncodeI64(resError)
		return
	}
	c, ok := h.st.(store.Changes)
	if !ok {
		s[0] = 0
		return
	}
	v, err := c.ExternalVersion(tx)
	if err != nil {
		h.fail(s, err)
		s[0] = api.EncodeI64(resError)
		return
	}
	s[0] = v &^ (1 << 63) // non-negative: negative means failure
}

func (h *instance) storeError(mod api.Module, s []uint64) {
	msg := h.lastErr
	if c := argU32(s, 1); uint32(len(msg)) > c {
		msg = msg[:c]
	}
	if len(msg) > 0 && !mod.Memory().WriteString(argU32(s, 0), msg) {
		ret32(s, resError)
		return
	}
	ret32(s, int32(len(msg)))
}
