// Command serve serves Folio's browser console on 127.0.0.1: the page
// (hosts/browser/web) at / and the build output (hosts/browser/dist:
// folio.wasm and the WASI shim) at /dist/. It prints the URL, then serves
// until interrupted.
//
//	serve [-addr 127.0.0.1:8080] [-web hosts/browser/web] [-dist hosts/browser/dist]
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (port 0: a free port)")
	web := flag.String("web", "hosts/browser/web", "directory of the page")
	dist := flag.String("dist", "hosts/browser/dist", "directory of folio.wasm and the shim")
	flag.Parse()
	for _, d := range []string{*web, *dist} {
		if _, err := os.Stat(d); err != nil {
			log.Fatalf("serve: %v (run make browser)", err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("serve: %v", err)
	}
	fmt.Printf("http://%s/\n", ln.Addr())
	log.Fatal(http.Serve(ln, handler(*web, *dist)))
}

// handler serves web at / and dist at /dist/, uncached so a rebuilt
// module is picked up on reload.
func handler(web, dist string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(web)))
	mux.Handle("/dist/", http.StripPrefix("/dist/", http.FileServer(http.Dir(dist))))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})
}
