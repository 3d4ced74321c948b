GO ?= go

.PHONY: build test test-go test-browser test-browser-run check bench bench-server wasm wasm-check browser browser-build

build:
	$(GO) build -o bin/folio-server ./hosts/server/cmd/folio-server

# make test must stay well under 20 minutes on 2 cores (CI).
# make test: the Go suite (conformance on every host, differential tests
# against redis-server), then the browser console in Chromium.
test: test-go test-browser

test-go:
	$(GO) test -timeout 15m ./...

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1)
	$(GO) vet ./...
	cp go.mod /tmp/folio-go.mod.bak; cp go.sum /tmp/folio-go.sum.bak
	$(GO) mod tidy
	@git diff --exit-code go.mod go.sum || (echo "go mod tidy changed go.mod/go.sum"; cp /tmp/folio-go.mod.bak go.mod; cp /tmp/folio-go.sum.bak go.sum; exit 1)
	GOOS=wasip1 GOARCH=wasm $(GO) build ./core/...
	GOOS=darwin GOARCH=arm64 $(GO) build ./...
	GOOS=windows GOARCH=amd64 $(GO) build ./...
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

# The browser console (hosts/browser): folio.wasm built from the same
# sources into hosts/browser/dist with the pinned WASI shim, served on
# 127.0.0.1 (BROWSER_ADDR; port 0 picks a free one).
BROWSER_ADDR ?= 127.0.0.1:8080

browser-build:
	cd hosts/browser && (test -d node_modules/@bjorn3/browser_wasi_shim && test -d node_modules/@sqlite.org/sqlite-wasm || npm ci --no-audit --no-fund)
	mkdir -p hosts/browser/dist/shim hosts/browser/dist/sqlite
	GO=$(GO) sh wasm/build.sh hosts/browser/dist/folio.wasm
	cp hosts/browser/node_modules/@bjorn3/browser_wasi_shim/dist/*.js hosts/browser/dist/shim/
	cp hosts/browser/node_modules/@sqlite.org/sqlite-wasm/dist/index.mjs hosts/browser/node_modules/@sqlite.org/sqlite-wasm/dist/sqlite3.wasm hosts/browser/dist/sqlite/
	$(GO) build -o bin/folio-browser-serve ./hosts/browser/cmd/serve
	$(GO) build -o bin/folio-server ./hosts/server/cmd/folio-server

browser: browser-build
	bin/folio-browser-serve -addr $(BROWSER_ADDR)

# Playwright (playwright-core + /usr/bin/chromium) drives the console.
test-browser:
	@if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null; then \
		if [ "$$FOLIO_REQUIRE_BROWSER" = 1 ]; then echo "test-browser: /usr/bin/chromium and node are required"; exit 1; fi; \
		echo "test-browser: SKIPPED: needs /usr/bin/chromium and node (apt-get install chromium; .ci/run installs it)"; exit 0; \
	fi; \
	$(MAKE) test-browser-run

test-browser-run:
	cd hosts/browser && npm ci --no-audit --no-fund
	$(MAKE) browser-build
	cd hosts/browser && node --test test/
