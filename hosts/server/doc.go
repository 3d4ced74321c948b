// Package server is folio-server: Redis's protocol over TCP, served by the core engine.
package server
