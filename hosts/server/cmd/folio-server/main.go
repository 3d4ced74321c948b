// Command folio-server serves a Folio database over Redis's protocol.
//
//	folio-server [redis.conf] [--port 6379] [--bind 127.0.0.1] [--db folio.db|PATH|:memory:]
//	             [--requirepass PW] [--maxclients N] [--timeout SECONDS]
//	             [--databases N] [--proto-max-bulk-len 512mb]
//	             [--client-query-buffer-limit 1gb] [--loglevel notice]
//
// SIGINT, SIGTERM and SHUTDOWN stop it gracefully.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/foliodb/folio/hosts/server"
)

func main() {
	cfg, err := server.ParseArgs(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "folio-server:", err)
		os.Exit(1)
	}
	srv, err := server.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "folio-server:", err)
		os.Exit(1)
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
		os.Exit(1)
	}
}
