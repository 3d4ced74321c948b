// worker.js: runs folio.wasm (the same module as wasm/folio.wasm) under the
// pinned WASI shim, with its page store in OPFS. See ../README.md.
//
// The store (LogStore) keeps every page in an in-memory sorted map and makes
// each commit durable with one write + flush of a log record to a
// FileSystemSyncAccessHandle. At open it loads the newest valid snapshot and
// replays the log over it; a torn or corrupt tail is cut off. When the log
// grows past its live size, a snapshot is written to the other snapshot slot
// and the log is emptied.
import { WASI, ConsoleStdout } from "./dist/shim/index.js";

const ABI_VERSION = 3;
const RES_MISSING = -1;
const RES_ERROR = -2;
const SCAN_REVERSE = 1;
const SCAN_NO_END = 2;
const FLAG_CLOSE = 1;
const FLAG_BLOCKED = 2;
const FLAG_DELIVERIES = 4;

const REC_MAGIC = 0x464c4f47; // "FLOG"
const OP_PUT = 1;
const OP_DEL = 2;
let compactMin = 4 << 20; // the log is compacted past 4 MiB (boot's compactMin) and 2x live

// ---- bytes ----

const latin1 = new TextDecoder("latin1");
const utf8 = new TextEncoder();
function bytesToKey(b) {
  // latin1 strings compare like the bytes they hold.
  let s = "";
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192));
  return s;
}
function keyToBytes(k) {
  const b = new Uint8Array(k.length);
  for (let i = 0; i < k.length; i++) b[i] = k.charCodeAt(i);
  return b;
}
function fnv1a(b, from, to) {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= b[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// ---- the store ----

class LogStore {
  async open(dir) {
    this.keys = []; // sorted latin1 strings
    this.pages = new Map(); // key -> Uint8Array
    this.tx = 0;
    this.nextTx = 1;
    this.undo = null;
    this.ops = null; // [op, key, page] of the running writable tx
    this.liveBytes = 0; // what a snapshot of the map takes
    this.log = await (await dir.getFileHandle("folio.log", { create: true })).createSyncAccessHandle();
    this.snaps = [];
    for (const name of ["folio.snap0", "folio.snap1"]) {
      this.snaps.push(await (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle());
    }
    // The newest valid snapshot, then the log over it.
    let best = null;
    for (let i = 0; i < 2; i++) {
      const s = this.readRecords(this.snaps[i], true);
      if (s.ok && s.gen !== undefined && (best === null || s.gen > best.gen)) best = { i, gen: s.gen, recs: s.recs };
    }
    this.gen = best ? best.gen : 0;
    this.slot = best ? best.i : 1;
    if (best) for (const r of best.recs) this.apply(r);
    const l = this.readRecords(this.log, false);
    for (const r of l.recs) this.apply(r);
    this.logSize = l.end;
    this.cut = l.size - l.end; // bytes of torn tail cut off
    if (this.cut > 0) {
      this.log.truncate(l.end);
      this.log.flush();
    }
  }
  // readRecords decodes the records of a file: [magic u32][len u32][fnv u32]
  // then len bytes of ops; a snapshot's first 8 bytes of payload are its
  // generation. It stops at the first incomplete or corrupt record.
  readRecords(h, snap) {
    const size = h.getSize();
    const buf = new Uint8Array(size);
    h.read(buf, { at: 0 });
    const dv = new DataView(buf.buffer);
    const recs = [];
    let off = 0, gen;
    while (off + 12 <= size) {
      if (dv.getUint32(off, true) !== REC_MAGIC) break;
      const len = dv.getUint32(off + 4, true);
      if (off + 12 + len > size) break;
      if (fnv1a(buf, off + 12, off + 12 + len) !== dv.getUint32(off + 8, true)) break;
      let p = off + 12;
      const end = p + len;
      if (snap) {
        gen = Number(dv.getBigUint64(p, true));
        p += 8;
      }
      const ops = [];
      while (p < end) {
        const op = buf[p];
        const kl = dv.getUint32(p + 1, true);
        const key = bytesToKey(buf.subarray(p + 5, p + 5 + kl));
        p += 5 + kl;
        if (op === OP_PUT) {
          const vl = dv.getUint32(p, true);
          ops.push([OP_PUT, key, buf.slice(p + 4, p + 4 + vl)]);
          p += 4 + vl;
        } else {
          ops.push([OP_DEL, key]);
        }
      }
      recs.push(ops);
      off = end;
      if (snap) break; // a snapshot is one record
    }
    return { recs, end: off, size, ok: !snap || recs.length === 1, gen };
  }
  apply(ops) {
    for (const [op, k, v] of ops) {
      if (op === OP_PUT) this.setKey(k, v);
      else this.delKey(k);
    }
  }
  lower(k) {
    let lo = 0, hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid] < k) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
  setKey(k, v) {
    const old = this.pages.get(k);
    if (old === undefined) {
      this.keys.splice(this.lower(k), 0, k);
      this.liveBytes += 9 + k.length + v.length;
    } else {
      this.liveBytes += v.length - old.length;
    }
    this.pages.set(k, v);
  }
  delKey(k) {
    const old = this.pages.get(k);
    if (old === undefined) return;
    this.liveBytes -= 9 + k.length + old.length;
    this.keys.splice(this.lower(k), 1);
    this.pages.delete(k);
  }
  begin(writable) {
    if (this.tx) this.rollback();
    this.tx = this.nextTx++;
    this.writable = writable;
    this.undo = [];
    this.ops = [];
    return this.tx;
  }
  get(k) { return this.pages.get(k); }
  put(k, page) {
    if (!this.writable) throw new Error("put in a read-only transaction");
    this.undo.push([k, this.pages.get(k)]);
    this.ops.push([OP_PUT, k, page]);
    this.setKey(k, page);
  }
  del(k) {
    if (!this.writable) throw new Error("delete in a read-only transaction");
    const old = this.pages.get(k);
    if (old === undefined) return;
    this.undo.push([k, old]);
    this.ops.push([OP_DEL, k]);
    this.delKey(k);
  }
  // encode returns one record holding ops (prefix: a snapshot's generation).
  encode(ops, prefix) {
    let len = prefix ? prefix.length : 0;
    for (const [op, k, v] of ops) len += 5 + k.length + (op === OP_PUT ? 4 + v.length : 0);
    const buf = new Uint8Array(12 + len);
    const dv = new DataView(buf.buffer);
    let p = 12;
    if (prefix) { buf.set(prefix, p); p += prefix.length; }
    for (const [op, k, v] of ops) {
      buf[p] = op;
      dv.setUint32(p + 1, k.length, true);
      for (let i = 0; i < k.length; i++) buf[p + 5 + i] = k.charCodeAt(i);
      p += 5 + k.length;
      if (op === OP_PUT) {
        dv.setUint32(p, v.length, true);
        buf.set(v, p + 4);
        p += 4 + v.length;
      }
    }
    dv.setUint32(0, REC_MAGIC, true);
    dv.setUint32(4, len, true);
    dv.setUint32(8, fnv1a(buf, 12, 12 + len), true);
    return buf;
  }
  // commit appends the transaction's changes and flushes them before it
  // returns: the reply of the command is posted only after that.
  commit() {
    const ops = this.ops;
    if (ops && ops.length) {
      const rec = this.encode(ops);
      const n = this.log.write(rec, { at: this.logSize });
      if (n !== rec.length) {
        this.rollback();
        throw new Error(`OPFS short write (${n} of ${rec.length} bytes)`);
      }
      this.log.flush();
      this.logSize += rec.length;
    }
    this.tx = 0; this.undo = null; this.ops = null;
    if (this.logSize > compactMin && this.logSize > 2 * this.liveBytes) this.compact();
  }
  rollback() {
    const undo = this.undo || [];
    this.tx = 0; this.undo = null; this.ops = null;
    for (let i = undo.length - 1; i >= 0; i--) {
      const [k, old] = undo[i];
      if (old === undefined) this.delKey(k); else this.setKey(k, old);
    }
  }
  // compact writes every page to the other snapshot slot with the next
  // generation, flushes it, then empties the log. A crash in between
  // replays the log over the new snapshot, which changes nothing.
  compact() {
    const ops = [];
    for (const k of this.keys) ops.push([OP_PUT, k, this.pages.get(k)]);
    const gen = new Uint8Array(8);
    new DataView(gen.buffer).setBigUint64(0, BigInt(this.gen + 1), true);
    const rec = this.encode(ops, gen);
    const slot = 1 - this.slot;
    const h = this.snaps[slot];
    h.truncate(0);
    if (h.write(rec, { at: 0 }) !== rec.length) throw new Error("OPFS short write in compaction");
    h.flush();
    this.log.truncate(0);
    this.log.flush();
    this.logSize = 0;
    this.gen++;
    this.slot = slot;
    this.compactions = (this.compactions || 0) + 1;
  }
  *range(start, end, reverse) {
    if (!reverse) {
      for (let i = this.lower(start); i < this.keys.length; i++) {
        const k = this.keys[i];
        if (end !== null && k >= end) return;
        yield k;
      }
    } else {
      let i = end === null ? this.keys.length - 1 : this.lower(end) - 1;
      for (; i >= 0; i--) {
        const k = this.keys[i];
        if (k < start) return;
        yield k;
      }
    }
  }
  stats() {
    return { pages: this.keys.length, logBytes: this.logSize, liveBytes: this.liveBytes, gen: this.gen, cut: this.cut, compactions: this.compactions || 0 };
  }
}

// ---- the module ----

class Folio {
  constructor(module, store) {
    this.store = store;
    this.lastErr = "";
    this.wasi = new WASI([], [], [null, new ConsoleStdout(() => {}), ConsoleStdout.lineBuffered((l) => console.warn("folio.wasm:", l))], { debug: false });
    this.instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: this.wasi.wasiImport, folio: this.imports() });
    this.x = this.instance.exports;
    this.wasi.initialize(this.instance);
    const v = this.x.abi_version();
    if (v !== ABI_VERSION) throw new Error(`folio.wasm speaks ABI ${v}, this page ${ABI_VERSION}`);
    this.ctl = this.x.control() >>> 0;
    const rc = this.x.open(0);
    if (rc !== 0) throw new Error(`open failed (${rc}): ${latin1.decode(this.reply())}`);
    // The engine's periodic work (active expiry, reclaiming deleted
    // collections), ten times a second as Redis's cron. Deliveries it
    // makes wait for the console's next command (exec's flag bit 2).
    setInterval(() => this.x.housekeep(), 100);
  }
  u8() { return new Uint8Array(this.x.memory.buffer); }
  dv() { return new DataView(this.x.memory.buffer); }
  str(p, n) { p >>>= 0; return bytesToKey(this.u8().subarray(p, p + n)); }
  fail(e) { this.lastErr = String((e && e.message) || e); return RES_ERROR; }
  imports() {
    const s = this.store;
    const txOK = (tx) => tx === s.tx && tx !== 0;
    return {
      clock_now_ms: () => BigInt(Date.now()),
      random_seed: () => {
        const b = new BigInt64Array(1);
        crypto.getRandomValues(b);
        return b[0];
      },
      store_begin: (w) => s.begin(w !== 0),
      store_get: (tx, kp, kl, op, oc) => {
        if (!txOK(tx)) return this.fail("unknown transaction");
        const page = s.get(this.str(kp, kl));
        if (page === undefined) return RES_MISSING;
        if (page.length <= oc) this.u8().set(page, op >>> 0);
        return page.length;
      },
      store_put: (tx, kp, kl, vp, vl) => {
        if (!txOK(tx)) return this.fail("unknown transaction");
        try {
          s.put(this.str(kp, kl), this.u8().slice(vp >>> 0, (vp >>> 0) + vl));
        } catch (e) { return this.fail(e); }
        return 0;
      },
      store_delete: (tx, kp, kl) => {
        if (!txOK(tx)) return this.fail("unknown transaction");
        try { s.del(this.str(kp, kl)); } catch (e) { return this.fail(e); }
        return 0;
      },
      store_scan: (tx, sp, sl, ep, el, flags, op, oc) => {
        if (!txOK(tx)) return this.fail("unknown transaction");
        const start = this.str(sp, sl);
        const end = flags & SCAN_NO_END ? null : this.str(ep, el);
        const mem = this.u8(), dv = this.dv();
        op >>>= 0;
        let off = 4, more = 0;
        for (const k of s.range(start, end, (flags & SCAN_REVERSE) !== 0)) {
          const page = s.pages.get(k);
          const need = 8 + k.length + page.length;
          if (off + need > oc) {
            if (off === 4) return -(4 + need);
            more = 1;
            break;
          }
          dv.setUint32(op + off, k.length, true);
          for (let i = 0; i < k.length; i++) mem[op + off + 4 + i] = k.charCodeAt(i);
          off += 4 + k.length;
          dv.setUint32(op + off, page.length, true);
          mem.set(page, op + off + 4);
          off += 4 + page.length;
        }
        dv.setUint32(op, more, true);
        return off;
      },
      store_commit: (tx) => {
        if (!txOK(tx)) return this.fail("unknown transaction");
        try { s.commit(); } catch (e) { return this.fail(e); }
        return 0;
      },
      store_rollback: (tx) => { if (!txOK(tx)) return this.fail("unknown transaction"); s.rollback(); return 0; },
      store_version: () => 0n,
      store_error: (op, oc) => {
        const b = utf8.encode(this.lastErr).subarray(0, oc);
        this.u8().set(b, op >>> 0);
        return b.length;
      },
    };
  }
  reply() {
    const dv = this.dv();
    const p = dv.getUint32(this.ctl + 8, true), n = dv.getUint32(this.ctl + 12, true);
    return this.u8().slice(p, p + n);
  }
  session() {
    const id = this.x.session_open();
    if (id < 0n) throw new Error(`session_open: ${id}`);
    return id;
  }
  // execRaw runs the RESP request req (complete arrays) and returns the
  // reply bytes and the flags.
  execRaw(session, req) {
    let dv = this.dv();
    if (req.length > dv.getUint32(this.ctl + 4, true)) {
      if (this.x.reserve(req.length) !== 0) throw new Error("request too large");
      dv = this.dv();
    }
    this.u8().set(req, dv.getUint32(this.ctl, true));
    const n = this.x.exec(session, req.length);
    if (n < 0) throw new Error(`exec: ${n}`);
    const out = this.reply();
    dv = this.dv();
    return { out, flags: dv.getUint32(this.ctl + 16, true), deadline: Number(dv.getBigInt64(this.ctl + 24, true)) };
  }
  // exec runs one command (args: strings or Uint8Arrays) and returns the
  // reply bytes. A blocked command waits for its deadline (this page is
  // the only client, nothing else can wake it).
  async exec(session, args) {
    const r = this.execRaw(session, encodeCommand(args));
    let out = r.out;
    if (r.flags & FLAG_BLOCKED) {
      if (r.deadline === 0) {
        this.x.cancel_blocked(session);
        return utf8.encode("-ERR this console is the only client: a blocking command without a timeout would wait forever\r\n");
      }
      await new Promise((res) => setTimeout(res, Math.max(0, r.deadline - Date.now() + 1)));
      this.x.expire_blocked();
    }
    if (r.flags & (FLAG_BLOCKED | FLAG_DELIVERIES)) out = concat([out, this.takeDeliveries(session)]);
    return out;
  }
  takeDeliveries(session) {
    const n = this.x.deliveries();
    const b = this.reply().subarray(0, n);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const parts = [];
    for (let off = 0; off + 12 <= b.length;) {
      const id = dv.getBigInt64(off, true), len = dv.getUint32(off + 8, true);
      if (id === session) parts.push(b.slice(off + 12, off + 12 + len));
      off += 12 + len;
    }
    return concat(parts);
  }
}

function concat(parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function encodeCommand(args) {
  const parts = [utf8.encode(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === "string" ? utf8.encode(a) : a;
    parts.push(utf8.encode(`$${b.length}\r\n`), b, utf8.encode("\r\n"));
  }
  return concat(parts);
}

// parseReply decodes one RESP2/RESP3 value at off: [value, next]. Bulk
// payloads stay bytes (b); simple lines are strings (s).
function parseReply(buf, off = 0) {
  let eol = off;
  while (eol + 1 < buf.length && !(buf[eol] === 13 && buf[eol + 1] === 10)) eol++;
  if (eol + 1 >= buf.length) throw new Error("truncated reply");
  const t = String.fromCharCode(buf[off]);
  const line = latin1.decode(buf.subarray(off + 1, eol));
  let next = eol + 2;
  switch (t) {
    case "+": case "-": case ":": case ",": case "#": case "(": case "_":
      return [{ t, s: line }, next];
    case "$": case "=": case "!": {
      const n = parseInt(line, 10);
      if (n < 0) return [{ t, b: null }, next];
      return [{ t, b: buf.slice(next, next + n) }, next + n + 2];
    }
    case "*": case "%": case "~": case ">": case "|": {
      let n = parseInt(line, 10);
      if (n < 0) return [{ t, elems: null }, next];
      if (t === "%" || t === "|") n *= 2;
      const elems = [];
      for (let i = 0; i < n; i++) {
        const [v, o] = parseReply(buf, next);
        elems.push(v); next = o;
      }
      return [{ t, elems }, next];
    }
  }
  throw new Error(`bad reply type ${JSON.stringify(t)}`);
}

// parseCommands splits a RESP stream of commands into argument arrays.
function parseCommands(buf) {
  const cmds = [];
  let off = 0;
  while (off < buf.length) {
    if (buf[off] === 13 || buf[off] === 10) { off++; continue; }
    const [v, next] = parseReply(buf, off);
    if (v.t !== "*" || !v.elems) throw new Error(`not a command at byte ${off}`);
    cmds.push(v.elems.map((e) => e.b));
    off = next;
  }
  return cmds;
}

// ---- the worker's messages ----

let folio, store, consoleSession, panelSession, booted;
const dec = new TextDecoder();

// forDisplay turns a parsed reply into structured-clone-friendly values
// with bulk strings decoded as UTF-8.
function forDisplay(v) {
  if (v.elems) return { t: v.t, elems: v.elems.map(forDisplay) };
  if (v.b !== undefined) return { t: v.t, s: v.b === null ? null : dec.decode(v.b) };
  return v;
}

async function call(sess, ...args) {
  const [v] = parseReply(await folio.exec(sess, args));
  return v;
}

async function exportAll() {
  const sess = folio.session();
  const out = [];
  let keys = 0, skipped = 0;
  try {
    const ndb = parseInt(dec.decode((await call(sess, "CONFIG", "GET", "databases")).elems[1].b), 10) || 16;
    for (let db = 0; db < ndb; db++) {
      await call(sess, "SELECT", String(db));
      let cursor = "0", selected = false;
      do {
        const r = await call(sess, "SCAN", cursor, "COUNT", "500");
        cursor = dec.decode(r.elems[0].b);
        for (const ke of r.elems[1].elems) {
          const k = ke.b;
          const type = (await call(sess, "TYPE", k)).s;
          let cmd;
          const items = async (...a) => (await call(sess, ...a)).elems.map((e) => e.b);
          if (type === "string") cmd = ["SET", k, (await call(sess, "GET", k)).b];
          else if (type === "list") cmd = ["RPUSH", k, ...(await items("LRANGE", k, "0", "-1"))];
          else if (type === "hash") cmd = ["HSET", k, ...(await items("HGETALL", k))];
          else if (type === "set") cmd = ["SADD", k, ...(await items("SMEMBERS", k))];
          else if (type === "zset") {
            const a = await items("ZRANGE", k, "0", "-1", "WITHSCORES");
            const z = [];
            for (let i = 0; i < a.length; i += 2) z.push(a[i + 1], a[i]);
            cmd = ["ZADD", k, ...z];
          } else { skipped++; continue; } // gone meanwhile, or a type the export does not carry
          const pttl = parseInt((await call(sess, "PTTL", k)).s, 10);
          if (!selected) { out.push(encodeCommand(["SELECT", String(db)])); selected = true; }
          out.push(encodeCommand(cmd));
          if (pttl > 0) out.push(encodeCommand(["PEXPIREAT", k, String(Date.now() + pttl)]));
          keys++;
        }
      } while (cursor !== "0");
    }
  } finally {
    folio.x.session_close(sess);
  }
  return { bytes: concat(out), keys, skipped };
}

async function importAll(bytes) {
  const sess = folio.session();
  let n = 0, errors = 0, first = "";
  try {
    for (const args of parseCommands(bytes)) {
      const v = await call(sess, ...args);
      n++;
      if (v.t === "-") { errors++; if (!first) first = v.s; }
    }
  } finally {
    folio.x.session_close(sess);
  }
  return { commands: n, errors, first };
}

// bench runs n SETs then n GETs through exec in this worker (no page
// round trips) and returns operations per second of each.
async function bench(n) {
  const sess = folio.session();
  const reqs = [];
  for (let i = 0; i < n; i++) reqs.push(encodeCommand(["SET", `bench:${i}`, `value-${i}`]));
  let t0 = performance.now();
  for (const r of reqs) folio.execRaw(sess, r);
  const setSec = (performance.now() - t0) / 1000;
  const greqs = [];
  for (let i = 0; i < n; i++) greqs.push(encodeCommand(["GET", `bench:${i}`]));
  t0 = performance.now();
  let ok = 0;
  for (const r of greqs) if (folio.execRaw(sess, r).out[0] === 36) ok++;
  const getSec = (performance.now() - t0) / 1000;
  // clean up in one command
  const del = ["DEL"];
  for (let i = 0; i < n; i++) del.push(`bench:${i}`);
  folio.execRaw(sess, encodeCommand(del));
  folio.x.session_close(sess);
  return { n, setPerSec: Math.round(n / setSec), getPerSec: Math.round(n / getSec), getsAnswered: ok };
}

async function boot(m) {
  if (m.compactMin > 0) compactMin = m.compactMin;
  const t0 = performance.now();
  const dir = await navigator.storage.getDirectory();
  store = new LogStore();
  await store.open(dir);
  const tOpen = performance.now();
  const module = await WebAssembly.compileStreaming(fetch("./dist/folio.wasm"));
  folio = new Folio(module, store);
  consoleSession = folio.session();
  panelSession = folio.session();
  return { bootMs: Math.round(performance.now() - t0), storeMs: Math.round(tOpen - t0), store: store.stats() };
}

async function handle(m) {
  switch (m.type) {
    case "boot": return await (booted ||= boot(m));
    case "exec": {
      const sess = m.session === "panel" ? panelSession : consoleSession;
      const out = await folio.exec(sess, m.args);
      const replies = [];
      for (let off = 0; off < out.length;) {
        const [v, next] = parseReply(out, off);
        replies.push(forDisplay(v));
        off = next;
      }
      return { replies };
    }
    case "stats": return store.stats();
    case "export": {
      const r = await exportAll();
      return { ...r, bytes: r.bytes.buffer };
    }
    case "import": return await importAll(new Uint8Array(m.bytes));
    case "bench": return await bench(m.n || 10000);
  }
  throw new Error(`unknown message ${m.type}`);
}

// Messages are handled one at a time, in order.
let queue = Promise.resolve();
self.onmessage = (ev) => {
  const m = ev.data;
  queue = queue.then(async () => {
    try {
      const result = await handle(m);
      self.postMessage({ id: m.id, result }, result && result.bytes instanceof ArrayBuffer ? [result.bytes] : []);
    } catch (e) {
      self.postMessage({ id: m.id, error: String((e && e.stack) || e) });
    }
  });
};
