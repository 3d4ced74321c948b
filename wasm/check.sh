#!/bin/sh
# check.sh: fails when the committed wasm/folio.wasm is not what
# ./wasm/guest (and the engine it embeds) builds to now.
set -eu
cd "$(dirname "$0")/.."
want=$(cat wasm/folio.wasm.toolchain)
have=$(GOTOOLCHAIN=local ${GO:-go} env GOVERSION)
if [ "$want" != "$have" ]; then
	echo "wasm-check: folio.wasm was built with $want, this is $have; the check needs the same Go release" >&2
	exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sh wasm/build.sh "$tmp"
if ! cmp -s "$tmp" wasm/folio.wasm; then
	echo "wasm-check: wasm/folio.wasm is stale against its sources: run make wasm and commit it" >&2
	exit 1
fi
echo "wasm-check: wasm/folio.wasm is up to date ($(wc -c <wasm/folio.wasm) bytes)"
