// Package wasm holds folio.wasm (the engine as a WASI module) and the wazero plugin that runs it.
package wasm
