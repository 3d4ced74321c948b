// Command folio-server serves a Folio database over Redis's protocol.
//
//	folio-server [redis.conf] [--port 6379] [--bind 127.0.0.1] [--db folio.db|PATH|:memory:]
//	             [--requirepass PW] [--maxclients N] [--timeout SECONDS]
//	             [--databases N] [--proto-max-bulk-len 512mb]
//	             [--client-query-buffer-limit 1gb] [--loglevel notice]
//	             [--engine native|wasm] [--import FILE]
//
// --engine wasm runs the engine as folio.wasm under wazero; see package
// hosts/server/wasmhost for what it reduces against the native server.
//
// --import FILE plays FILE, a RESP stream of commands (the browser
// console's export), into the database before serving.
//
// SIGINT, SIGTERM and SHUTDOWN stop it gracefully.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"

	"github.com/foliodb/folio/hosts/server"
	"github.com/foliodb/folio/hosts/server/wasmhost"
)

// service is what main runs: *server.Server or *wasmhost.Server.
type service interface {
	ListenAndServe() error
	Close() error
	Done() <-chan struct{}
}

func main() {
	// On one CPU the runtime still gets two Ps, unless told otherwise:
	// the event loop keeps one while clients are busy (server's wait),
	// and with a single P it could not, so every request went through
	// the scheduler. Pinned to one CPU, 150,000 GETs at -P 1 took
	// 2,667–2,761 ms of CPU with one P and 2,500–2,533 ms with two.
	if os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
	args, importPath, err := takeImport(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "folio-server:", err)
		os.Exit(1)
	}
	cfg, err := server.ParseArgs(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "folio-server:", err)
		os.Exit(1)
	}
	var srv service
	if cfg.Engine == "wasm" {
		if importPath != "" {
			fmt.Fprintln(os.Stderr, "folio-server: --import is not supported with --engine wasm")
			os.Exit(1)
		}
		srv, err = wasmhost.New(cfg)
	} else {
		srv, err = server.New(cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "folio-server:", err)
		os.Exit(1)
	}
	if importPath != "" {
		n, err := importFile(srv.(*server.Server), importPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "folio-server: --import:", err)
			srv.Close()
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "folio-server: imported %d commands from %s\n", n, importPath)
	}
	if path := os.Getenv("FOLIO_CPUPROFILE"); path != "" {
		// For profiling the server under a load (make bench-server):
		// the profile covers the run until shutdown.
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "folio-server: FOLIO_CPUPROFILE:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		select {
		case s := <-sig:
			fmt.Fprintf(os.Stderr, "folio-server: received %s, shutting down\n", s)
			srv.Close()
		case <-srv.Done():
		}
	}()
	err = srv.ListenAndServe()
	if err != nil && !errors.Is(err, server.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "folio-server:", err)
		srv.Close()
		os.Exit(1)
	}
	if err := srv.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "folio-server: closing the database:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}
