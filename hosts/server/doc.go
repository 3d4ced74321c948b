// Package server is folio-server: Redis's protocol over TCP, served by the
// core engine. Any Redis client or tool talks to it (redis-cli,
// redis-benchmark, go-redis, ...).
//
// # Basics
//
//	srv, err := server.New(server.Config{Port: 6379, DB: "folio.db"})
//	go srv.ListenAndServe()
//	defer srv.Close()
//
// The command line (cmd/folio-server) takes redis-server's names:
// folio-server [redis.conf] --port 6379 --bind 127.0.0.1 --db folio.db|:memory:
// --durability normal|full
// --requirepass PW --maxclients N --timeout S --databases N
// --proto-max-bulk-len 512mb --client-query-buffer-limit 1gb --loglevel notice.
// For tests, package foliotest runs a server with a virtual clock.
//
// One engine serves the database; every connection's commands go through
// one mutex, as Redis runs them on one thread. A connection's goroutine
// reads what the socket has, parses every complete command in place
// (no copy of the arguments), runs the whole batch under one lock
// acquisition, and writes the replies with one write. The engine produces
// RESP2 or RESP3 bytes itself; the server forwards them. Redcon supplies
// the encoders for the server's own replies; its reader is not used
// because it enforces none of Redis's limits.
//
// # Limits
//
// As redis-server, a request is refused with Redis's error and the
// connection closed when a bulk is longer than proto-max-bulk-len ("ERR
// Protocol error: invalid bulk length"), a header line or inline command is
// over 64 KiB, or, before AUTH when a password is set, a command has more
// than 10 arguments or a bulk over 16 KiB. A command of more than 1,048,576
// arguments is refused ("invalid multibulk length"; Redis 7.0 allows up to
// 2^31). A client whose pending command outgrows client-query-buffer-limit
// is closed without a reply, as Redis does. A client that does not read
// its replies stops being read once its socket is full, so it holds at
// most one batch of replies (64 KiB plus the last reply). A subscriber,
// MONITOR or blocked client gets its output through a queue and a writer
// goroutine (other clients' commands produce it); one that falls more than
// Config.PushBufferLimit behind is disconnected. Subscribers and blocked
// clients are exempt from --timeout, as in Redis.
//
// # Caveats
//
// INFO keyspace counts keys by scanning them. CONFIG SET port/bind is
// refused. CONFIG REWRITE always answers that there is no config file.
//
// # The wasm engine
//
// folio-server --engine wasm (Config.Engine, redis.conf "engine wasm")
// runs the engine as folio.wasm under wazero instead of this package's
// server: package hosts/server/wasmhost, which lists what it reduces.
package server
