GO ?= go

.PHONY: build test check bench bench-server wasm wasm-check

build:
	$(GO) build -o bin/folio-server ./hosts/server/cmd/folio-server

# make test must stay well under 20 minutes on 2 cores (CI).
test:
	$(GO) test -timeout 15m ./...

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1)
	$(GO) vet ./...
	cp go.mod /tmp/folio-go.mod.bak; cp go.sum /tmp/folio-go.sum.bak
	$(GO) mod tidy
	@git diff --exit-code go.mod go.sum || (echo "go mod tidy changed go.mod/go.sum"; cp /tmp/folio-go.mod.bak go.mod; cp /tmp/folio-go.sum.bak go.sum; exit 1)
	GOOS=wasip1 GOARCH=wasm $(GO) build ./core/...
	$(MAKE) wasm-check

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1s ./hosts/native/

# folio-server against a real redis-server, side by side (redis-benchmark).
bench-server: build
	$(GO) run ./hosts/server/cmd/benchserver $(BENCH_ARGS)

# folio.wasm: the engine as a WASI module, rebuilt reproducibly; wasm-check
# fails when the committed module is stale against the sources.
wasm:
	GO=$(GO) sh wasm/build.sh wasm/folio.wasm
	GOTOOLCHAIN=local $(GO) env GOVERSION > wasm/folio.wasm.toolchain

wasm-check:
	GO=$(GO) sh wasm/check.sh
