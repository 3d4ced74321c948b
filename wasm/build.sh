#!/bin/sh
# build.sh OUT: builds folio.wasm from ./wasm/guest into OUT, byte for byte
# reproducibly for a given Go release (recorded in wasm/folio.wasm.toolchain).
#
# Size: -s -w drop the symbol table and DWARF. core/resp=-l keeps the
# RESP writer's small methods (Bulk, Int, Array...) from being inlined into
# every one of core's thousands of reply sites: in Go's wasm code each
# inlined append is a few hundred bytes, and this alone is 490 KB of the
# module (3.5 MB instead of 4.0 MB), while a call costs a few nanoseconds
# against the microsecond of a command. Native builds keep the inlining.
set -eu
cd "$(dirname "$0")/.."
out=${1:-wasm/folio.wasm}
GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GOFLAGS= GOTOOLCHAIN=local \
	${GO:-go} build -buildmode=c-shared -trimpath -buildvcs=false -ldflags='-s -w' \
	-gcflags='github.com/foliodb/folio/core/resp=-l' -o "$out" ./wasm/guest
