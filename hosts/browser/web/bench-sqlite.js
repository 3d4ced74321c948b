// bench-sqlite.js: the alternative page store of issue #8, measured the way
// worker.js measures LogStore. A module worker running the pinned
// @sqlite.org/sqlite-wasm (copied into dist/sqlite by make browser-build)
// over its opfs-sahpool VFS, which needs no COOP/COEP headers.
//
// The database holds one WITHOUT ROWID table pages(key BLOB PRIMARY KEY,
// page BLOB), the shape of Folio's native SQLite store. A SET is one
// transaction (BEGIN; INSERT OR REPLACE; COMMIT), so one durable commit per
// SET as Folio commits once per command; a GET is one SELECT by key.
// Only the store is timed here: no engine runs, so the figure is an upper
// bound of what folio.wasm would get over this store. Its own OPFS
// directory (.folio-bench-sahpool) is wiped before and after.
//
// Message {n, journal (optional journal_mode; SQLite's default otherwise)}; reply {ok, result: {n, setPerSec, getPerSec, getsAnswered,
// libVersion, journalMode, synchronous}} or {ok: false, error}.
import sqlite3InitModule from "./dist/sqlite/index.mjs";

const enc = new TextEncoder();

// pageKey is the key Folio gives a string record: 'k', db (4 bytes), key.
function pageKey(name) {
  const k = enc.encode(name);
  const b = new Uint8Array(5 + k.length);
  b[0] = 0x6b;
  b.set(k, 5);
  return b;
}

async function bench(n, journal) {
  const sqlite3 = await sqlite3InitModule({ print: () => {}, printErr: (s) => console.warn("sqlite3:", s) });
  const pool = await sqlite3.installOpfsSAHPoolVfs({ name: "folio-bench-sahpool", directory: ".folio-bench-sahpool", clearOnInit: true });
  const db = new pool.OpfsSAHPoolDb("/bench.db");
  try {
    if (journal) db.exec(`PRAGMA journal_mode=${journal}`);
    db.exec("CREATE TABLE IF NOT EXISTS pages(key BLOB PRIMARY KEY, page BLOB) WITHOUT ROWID");
    const journalMode = db.selectValue("PRAGMA journal_mode");
    const synchronous = ["off", "normal", "full", "extra"][db.selectValue("PRAGMA synchronous")];
    const keys = [], vals = [];
    for (let i = 0; i < n; i++) {
      keys.push(pageKey(`bench:${i}`));
      vals.push(enc.encode(`value-${i}`));
    }
    const begin = db.prepare("BEGIN");
    const commit = db.prepare("COMMIT");
    const put = db.prepare("INSERT OR REPLACE INTO pages(key, page) VALUES (?, ?)");
    const get = db.prepare("SELECT page FROM pages WHERE key = ?");
    let t0 = performance.now();
    for (let i = 0; i < n; i++) {
      begin.step(); begin.reset();
      put.bind([keys[i], vals[i]]).step(); put.reset();
      commit.step(); commit.reset();
    }
    const setSec = (performance.now() - t0) / 1000;
    let ok = 0;
    t0 = performance.now();
    for (let i = 0; i < n; i++) {
      get.bind([keys[i]]);
      if (get.step() && get.getBlob(0).length > 0) ok++;
      get.reset();
    }
    const getSec = (performance.now() - t0) / 1000;
    for (const s of [begin, commit, put, get]) s.finalize();
    return {
      n, setPerSec: Math.round(n / setSec), getPerSec: Math.round(n / getSec), getsAnswered: ok,
      libVersion: sqlite3.version.libVersion, journalMode, synchronous,
    };
  } finally {
    db.close();
    await pool.removeVfs();
  }
}

self.onmessage = async (ev) => {
  try {
    self.postMessage({ ok: true, result: await bench(ev.data.n || 5000, ev.data.journal) });
  } catch (e) {
    self.postMessage({ ok: false, error: String((e && e.stack) || e) });
  }
};
