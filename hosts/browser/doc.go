// Package browser holds the web page that runs folio.wasm in a worker with its data in OPFS.
package browser
