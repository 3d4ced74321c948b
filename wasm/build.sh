#!/bin/sh
# build.sh OUT: builds folio.wasm from ./wasm/guest into OUT, byte for byte
# reproducibly for a given Go release (recorded in wasm/folio.wasm.toolchain).
set -eu
cd "$(dirname "$0")/.."
out=${1:-wasm/folio.wasm}
GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GOFLAGS= GOTOOLCHAIN=local \
	${GO:-go} build -buildmode=c-shared -trimpath -buildvcs=false -ldflags='-s -w' -o "$out" ./wasm/guest
