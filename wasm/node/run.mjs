// run.mjs: plays conformance transcripts against folio.wasm in Node's WASI,
// with the page store in JavaScript. No npm dependencies (Node 20+).
//
//   node wasm/node/run.mjs [--wasm path/to/folio.wasm] transcript.txt...
//
// Exits 1 on the first file with a difference (all files are played and
// every difference is printed), 2 on a usage or load error.
import { readFileSync } from "node:fs";
import { WASI } from "node:wasi";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import path from "node:path";

const ABI_VERSION = 3;
const RES_MISSING = -1;
const RES_ERROR = -2;
const SCAN_REVERSE = 1;
const SCAN_NO_END = 2;
const FLAG_BLOCKED = 2;
const FLAG_DELIVERIES = 4;

// ---- the store: sorted keys (latin1 strings compare like bytes) ----

class MemStore {
  constructor() {
    this.keys = []; // sorted
    this.pages = new Map(); // key -> Uint8Array
    this.undo = null; // [key, oldPage|undefined] while a writable tx runs
    this.tx = 0;
    this.nextTx = 1;
  }
  // index of the first key >= k
  lower(k) {
    let lo = 0, hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid] < k) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
  begin(writable) {
    if (this.tx) this.rollback();
    this.tx = this.nextTx++;
    this.writable = writable;
    this.undo = [];
    return this.tx;
  }
  get(k) { return this.pages.get(k); }
  put(k, page) {
    if (!this.writable) throw new Error("put in a read-only transaction");
    const old = this.pages.get(k);
    this.undo.push([k, old]);
    if (old === undefined) this.keys.splice(this.lower(k), 0, k);
    this.pages.set(k, page);
  }
  del(k) {
    if (!this.writable) throw new Error("delete in a read-only transaction");
    const old = this.pages.get(k);
    if (old === undefined) return;
    this.undo.push([k, old]);
    this.keys.splice(this.lower(k), 1);
    this.pages.delete(k);
  }
  commit() { this.tx = 0; this.undo = null; }
  rollback() {
    const undo = this.undo || [];
    this.tx = 0; this.undo = null;
    for (let i = undo.length - 1; i >= 0; i--) {
      const [k, old] = undo[i];
      const had = this.pages.has(k);
      if (old === undefined) {
        if (had) { this.keys.splice(this.lower(k), 1); this.pages.delete(k); }
      } else {
        if (!had) this.keys.splice(this.lower(k), 0, k);
        this.pages.set(k, old);
      }
    }
  }
  // keys in [start, end) (end null: unbounded), ascending or descending
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
}

const latin1 = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");

// ---- the module ----

export class Folio {
  constructor(module) {
    this.store = new MemStore();
    this.lastErr = "";
    this.wasi = new WASI({ version: "preview1", args: [], env: {}, returnOnExit: true });
    const imports = { wasi_snapshot_preview1: this.wasi.wasiImport, folio: this.imports() };
    this.instance = new WebAssembly.Instance(module, imports);
    this.x = this.instance.exports;
    this.wasi.initialize(this.instance);
    const v = this.x.abi_version();
    if (v !== ABI_VERSION) throw new Error(`folio.wasm speaks ABI ${v}, this runner ${ABI_VERSION}`);
    this.ctl = this.x.control() >>> 0;
    const rc = this.x.open(0);
    if (rc !== 0) throw new Error(`open failed (${rc}): ${latin1(this.reply())}`);
  }
  u8() { return new Uint8Array(this.x.memory.buffer); }
  dv() { return new DataView(this.x.memory.buffer); }
  str(p, n) { return latin1(this.u8().subarray(p >>> 0, (p >>> 0) + n)); }
  fail(e) { this.lastErr = String(e && e.message || e); return RES_ERROR; }
  imports() {
    const s = this.store;
    const txOK = (tx) => tx === s.tx && tx !== 0;
    return {
      clock_now_ms: () => BigInt(Date.now()),
      random_seed: () => randomBytes(8).readBigInt64LE(),
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
          mem.set(Buffer.from(k, "latin1"), op + off + 4);
          off += 4 + k.length;
          dv.setUint32(op + off, page.length, true);
          mem.set(page, op + off + 4);
          off += 4 + page.length;
        }
        dv.setUint32(op, more, true);
        return off;
      },
      store_commit: (tx) => { if (!txOK(tx)) return this.fail("unknown transaction"); s.commit(); return 0; },
      store_rollback: (tx) => { if (!txOK(tx)) return this.fail("unknown transaction"); s.rollback(); return 0; },
      store_version: () => 0n,
      store_error: (op, oc) => {
        const b = Buffer.from(this.lastErr, "utf8").subarray(0, oc);
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
  // exec runs one command (an array of Buffers) and returns the reply bytes.
  exec(session, args) {
    const parts = [Buffer.from(`*${args.length}\r\n`)];
    for (const a of args) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from("\r\n"));
    const req = Buffer.concat(parts);
    let dv = this.dv();
    if (req.length > dv.getUint32(this.ctl + 4, true)) {
      if (this.x.reserve(req.length) !== 0) throw new Error("request too large");
      dv = this.dv();
    }
    this.u8().set(req, dv.getUint32(this.ctl + 0, true));
    dv.setBigInt64(this.ctl + 32, BigInt(Date.now()), true); // the clock, saves a clock_now_ms call
    const n = this.x.exec(session, req.length);
    if (n < 0) throw new Error(`exec: ${n}`);
    let out = Buffer.from(this.reply());
    dv = this.dv();
    const flags = dv.getUint32(this.ctl + 16, true);
    if (flags & FLAG_BLOCKED) {
      // One connection: nothing else can wake it, so wait for the deadline
      // and let the engine answer the timeout.
      const deadline = Number(dv.getBigUint64(this.ctl + 24, true));
      if (deadline === 0) throw new Error("blocked forever with no other client");
      const wait = Math.max(0, deadline - Date.now() + 1);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
      this.dv().setBigInt64(this.ctl + 32, BigInt(Date.now()), true);
      this.x.expire_blocked();
    }
    if ((flags & (FLAG_BLOCKED | FLAG_DELIVERIES)) !== 0) {
      out = Buffer.concat([out, this.takeDeliveries(session)]);
    }
    return out;
  }
  // takeDeliveries returns the pending deliveries of session (records of
  // session i64, length u32, bytes); others are dropped (one connection).
  takeDeliveries(session) {
    const n = this.x.deliveries();
    const b = Buffer.from(this.reply().subarray(0, n));
    const parts = [];
    for (let off = 0; off + 12 <= b.length;) {
      const id = b.readBigInt64LE(off), len = b.readUInt32LE(off + 8);
      if (id === session) parts.push(b.subarray(off + 12, off + 12 + len));
      off += 12 + len;
    }
    return Buffer.concat(parts);
  }
}

// ---- transcripts (conformance/README.md) ----

// splitArgs splits a command line as redis-cli does.
export function splitArgs(line) {
  const out = [];
  let i = 0;
  const hex = (c) => /[0-9a-fA-F]/.test(c);
  while (true) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) return out;
    const bytes = [];
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`unbalanced quotes: ${line}`);
        const c = line[i];
        if (c === "\\" && line[i + 1] === "x" && hex(line[i + 2] || "") && hex(line[i + 3] || "")) {
          bytes.push(parseInt(line.slice(i + 2, i + 4), 16)); i += 4; continue;
        }
        if (c === "\\" && i + 1 < line.length) {
          const e = line[i + 1];
          const m = { n: 10, r: 13, t: 9, b: 8, a: 7 }[e];
          bytes.push(...(m !== undefined ? [m] : Buffer.from(e)));
          i += 2; continue;
        }
        if (c === '"') {
          i++;
          if (i < line.length && !/\s/.test(line[i])) throw new Error(`closing quote must be followed by a space: ${line}`);
          break;
        }
        bytes.push(...Buffer.from(c)); i++;
      }
    } else if (line[i] === "'") {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`unbalanced quotes: ${line}`);
        const c = line[i];
        if (c === "\\" && line[i + 1] === "'") { bytes.push(39); i += 2; continue; }
        if (c === "'") { i++; break; }
        bytes.push(...Buffer.from(c)); i++;
      }
    } else {
      while (i < line.length && !/\s/.test(line[i])) { bytes.push(...Buffer.from(line[i])); i++; }
    }
    out.push(Buffer.from(bytes));
  }
}

// parseReply decodes one RESP value from buf at off: [value, nextOff].
export function parseReply(buf, off = 0) {
  const eol = buf.indexOf("\r\n", off);
  if (eol < 0) throw new Error("truncated reply");
  const t = String.fromCharCode(buf[off]);
  const line = buf.toString("latin1", off + 1, eol);
  let next = eol + 2;
  switch (t) {
    case "+": case "-": case ":": case ",": case "#": case "(": case "_":
      return [{ t, s: line }, next];
    case "$": case "=": case "!": {
      const n = parseInt(line, 10);
      if (n < 0) return [{ t, s: null }, next];
      const s = buf.toString("latin1", next, next + n);
      return [{ t, s }, next + n + 2];
    }
    case "*": case "%": case "~": case ">": case "|": {
      let n = parseInt(line, 10);
      if (n < 0) return [{ t, s: null }, next];
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

const canon = (v) => JSON.stringify(v);

function sameUnordered(a, b) {
  if (a.t !== b.t || !a.elems || !b.elems || a.elems.length !== b.elems.length) return canon(a) === canon(b);
  const step = a.t === "%" ? 2 : 1;
  const items = (v) => {
    const out = [];
    for (let i = 0; i < v.elems.length; i += step) out.push(canon(v.elems.slice(i, i + step)));
    return out.sort();
  };
  return canon(items(a)) === canon(items(b));
}

export function parseTranscript(text) {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const steps = [];
  let cur = null;
  for (const line of lines) {
    const m = /^>([~?!]?) (.*)$/.exec(line);
    if (m) {
      cur = { mode: m[1], line: m[2], reply: [] };
      steps.push(cur);
    } else if (cur) {
      cur.reply.push(line);
    }
  }
  for (const s of steps) {
    // Trailing blank or comment lines separate steps; the RESP parser
    // takes only the lines the reply needs.
    s.expected = Buffer.from(s.reply.map((l) => l + "\r\n").join(""), "latin1");
  }
  return steps;
}

export function playFile(module, file) {
  const f = new Folio(module);
  const sess = f.session();
  const diffs = [];
  for (const step of parseTranscript(readFileSync(file, "latin1"))) {
    const got = f.exec(sess, splitArgs(step.line));
    if (step.mode === "!") continue;
    let want;
    try {
      [want] = parseReply(step.expected);
    } catch (e) {
      diffs.push(`${file}: > ${step.line}: cannot parse the recorded reply: ${e.message}`);
      continue;
    }
    let have;
    try {
      [have] = parseReply(got);
    } catch (e) {
      diffs.push(`${file}: > ${step.line}: no reply (${e.message}); got ${JSON.stringify(got.toString("latin1"))}`);
      continue;
    }
    const ok = step.mode === "?" ? have.t === want.t
      : step.mode === "~" ? sameUnordered(have, want)
      : canon(have) === canon(want);
    if (!ok) {
      diffs.push(`${file}: > ${step.line}\n  want: ${JSON.stringify(step.expected.toString("latin1"))}\n  got:  ${JSON.stringify(got.toString("latin1"))}`);
    }
  }
  return diffs;
}

function main(argv) {
  let wasmPath = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "folio.wasm");
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--wasm") wasmPath = argv[++i];
    else files.push(argv[i]);
  }
  if (files.length === 0) {
    console.error("usage: node run.mjs [--wasm folio.wasm] transcript.txt...");
    return 2;
  }
  let module;
  try {
    module = new WebAssembly.Module(readFileSync(wasmPath));
  } catch (e) {
    console.error(`cannot load ${wasmPath}: ${e.message}`);
    return 2;
  }
  let failed = 0, steps = 0;
  for (const file of files) {
    const diffs = playFile(module, file);
    steps += parseTranscript(readFileSync(file, "latin1")).length;
    if (diffs.length) {
      failed++;
      for (const d of diffs) console.error(d);
    }
  }
  console.log(`${files.length} transcripts, ${steps} commands, ${failed} with differences`);
  return failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
