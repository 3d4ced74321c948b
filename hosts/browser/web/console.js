// console.js: the page side of Folio's browser console. The engine runs in
// worker.js; this file only sends commands and renders replies as redis-cli
// does.

const worker = new Worker("./worker.js", { type: "module" });
let nextId = 1;
const pending = new Map();
worker.onmessage = (ev) => {
  const { id, result, error } = ev.data;
  const p = pending.get(id);
  pending.delete(id);
  if (error !== undefined) p.reject(new Error(error)); else p.resolve(result);
};
worker.onerror = (ev) => setStatus(`worker failed: ${ev.message}`, true);
function send(type, fields = {}, transfer = []) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, type, ...fields }, transfer);
  });
}

const $ = (id) => document.getElementById(id);
const out = $("output"), input = $("cmd"), hint = $("hint");

// ---- redis-cli's rendering (redis-cli.c cliFormatReplyTTY) ----

// quote renders a bulk string as redis-cli does (sdscatrepr).
export function quote(s) {
  let r = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === "\\" || ch === '"') r += "\\" + ch;
    else if (ch === "\n") r += "\\n";
    else if (ch === "\r") r += "\\r";
    else if (ch === "\t") r += "\\t";
    else if (ch === "\x07") r += "\\a";
    else if (ch === "\b") r += "\\b";
    else if (c < 32 || c === 127) r += "\\x" + c.toString(16).padStart(2, "0");
    else r += ch;
  }
  return r + '"';
}

// format returns the text redis-cli prints for a reply and its class.
export function format(v, indent = 0) {
  switch (v.t) {
    case "+": return v.s;
    case "-": return "(error) " + v.s;
    case ":": return "(integer) " + v.s;
    case ",": return "(double) " + v.s;
    case "(": return "(big number) " + v.s;
    case "#": return v.s === "t" ? "(true)" : "(false)";
    case "_": return "(nil)";
    case "$": return v.s === null ? "(nil)" : quote(v.s);
    case "!": return "(error) " + v.s;
    case "=": return v.s === null ? "(nil)" : v.s.slice(4);
    case "*": case "~": case ">": case "%": case "|": {
      if (v.elems === null) return "(nil)";
      const isMap = v.t === "%" || v.t === "|";
      const n = isMap ? v.elems.length / 2 : v.elems.length;
      if (n === 0) return v.t === "~" ? "(empty set)" : isMap ? "(empty hash)" : "(empty array)";
      const mark = v.t === "~" ? "~" : isMap ? "#" : ")";
      const width = String(n).length;
      const lines = [];
      for (let i = 0; i < n; i++) {
        const label = String(i + 1).padStart(width, " ") + mark + " ";
        const pad = " ".repeat(indent + label.length);
        let body;
        if (isMap) {
          const k = format(v.elems[2 * i], indent + label.length);
          body = k + " => " + format(v.elems[2 * i + 1], indent + label.length + k.length + 4);
        } else {
          body = format(v.elems[i], indent + label.length);
        }
        lines.push((i === 0 ? "" : " ".repeat(indent)) + label + body);
        void pad;
      }
      return lines.join("\n");
    }
  }
  return JSON.stringify(v);
}

function kindOf(v) {
  if (v.t === "-" || v.t === "!") return "err";
  if (v.t === ":" || v.t === ",") return "int";
  if (v.t === "$") return "str";
  return "";
}

function line(cls, text) {
  const d = document.createElement("div");
  d.className = cls;
  d.textContent = text;
  out.appendChild(d);
  out.scrollTop = out.scrollHeight;
  return d;
}

// ---- command line parsing (redis-cli's sdssplitargs) ----

export function splitArgs(s) {
  const args = [];
  let i = 0;
  const isHex = (c) => /[0-9a-fA-F]/.test(c || "");
  for (;;) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (i >= s.length) return args;
    let cur = "";
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) throw new Error("Invalid argument(s): unbalanced quotes");
        const c = s[i];
        if (c === "\\" && s[i + 1] === "x" && isHex(s[i + 2]) && isHex(s[i + 3])) {
          cur += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16)); i += 4; continue;
        }
        if (c === "\\" && i + 1 < s.length) {
          const e = s[i + 1];
          cur += { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" }[e] ?? e; i += 2; continue;
        }
        if (c === '"') {
          i++;
          if (i < s.length && !/\s/.test(s[i])) throw new Error("Invalid argument(s): closing quote must be followed by a space");
          break;
        }
        cur += c; i++;
      }
    } else if (s[i] === "'") {
      i++;
      for (;;) {
        if (i >= s.length) throw new Error("Invalid argument(s): unbalanced quotes");
        if (s[i] === "\\" && s[i + 1] === "'") { cur += "'"; i += 2; continue; }
        if (s[i] === "'") { i++; break; }
        cur += s[i++];
      }
    } else {
      while (i < s.length && !/\s/.test(s[i])) cur += s[i++];
    }
    args.push(cur);
  }
}

// ---- COMMAND DOCS: names for Tab, syntax for the inline hint ----

const docs = new Map(); // "get" or "config get" -> syntax hint

function argSyntax(a) {
  const get = (k) => a[k];
  let s;
  const type = get("type");
  if (type === "oneof") s = (get("arguments") || []).map(argSyntax).join("|");
  else if (type === "block") s = (get("arguments") || []).map(argSyntax).join(" ");
  else if (type === "pure-token") s = get("token");
  else s = get("name");
  if (get("token") && type !== "pure-token") s = get("token") + " " + s;
  const flags = get("flags") || [];
  if (flags.includes("multiple")) s = `${s} [${s} ...]`;
  if (flags.includes("optional")) s = `[${s}]`;
  else if (type === "oneof" || (type === "block" && flags.includes("multiple"))) s = `<${s}>`;
  return s;
}

// docObj turns one COMMAND DOCS entry (a flat list of field, value in
// RESP2, a map in RESP3) into an object: arguments and subcommands nest,
// flags are lists of words.
function docObj(v) {
  const o = {};
  if (!v || !v.elems) return o;
  for (let i = 0; i + 1 < v.elems.length; i += 2) {
    const k = v.elems[i].s, x = v.elems[i + 1];
    if (k === "arguments") o[k] = (x.elems || []).map(docObj);
    else if (k === "subcommands") {
      o[k] = {};
      for (let j = 0; j + 1 < (x.elems || []).length; j += 2) o[k][x.elems[j].s] = docObj(x.elems[j + 1]);
    } else if (x.elems) o[k] = x.elems.map((e) => e.s);
    else o[k] = x.s;
  }
  return o;
}

async function loadDocs() {
  const { replies: [r] } = await send("exec", { args: ["COMMAND", "DOCS"], session: "panel" });
  for (let i = 0; i + 1 < r.elems.length; i += 2) {
    const name = r.elems[i].s.toLowerCase().replace("|", " ");
    const d = docObj(r.elems[i + 1]);
    const args = Array.isArray(d.arguments) ? d.arguments : [];
    docs.set(name, { syntax: args.map(argSyntax).join(" "), summary: d.summary || "" });
    const sub = d.subcommands;
    if (sub && typeof sub === "object") {
      for (const [sname, sd] of Object.entries(sub)) {
        const sargs = Array.isArray(sd.arguments) ? sd.arguments : [];
        docs.set(sname.toLowerCase().replace("|", " "), { syntax: sargs.map(argSyntax).join(" "), summary: sd.summary || "" });
      }
    }
  }
}

// hintFor returns the syntax still to type after the text on the line.
function hintFor(text) {
  let words;
  try { words = splitArgs(text); } catch { return ""; }
  if (!words.length) return "";
  const two = words.length >= 2 ? docs.get((words[0] + " " + words[1]).toLowerCase()) : null;
  const d = two || docs.get(words[0].toLowerCase());
  if (!d) return "";
  const typed = words.length - (two ? 2 : 1) + (/\s$/.test(text) ? 0 : -1);
  if (typed < 0 && !/\s$/.test(text)) return d.syntax ? " " + d.syntax : "";
  // drop one hint word per argument typed (as redis-cli does, roughly)
  const parts = d.syntax.split(" ").filter(Boolean);
  const rest = parts.slice(Math.max(0, typed)).join(" ");
  return rest ? (/\s$/.test(text) ? "" : " ") + rest : "";
}

function updateHint() {
  const text = input.value;
  const h = text ? hintFor(text) : "";
  hint.innerHTML = "";
  const typed = document.createElement("span");
  typed.className = "typed";
  typed.textContent = text;
  hint.append(typed, document.createTextNode(h));
}

function complete() {
  const text = input.value;
  if (!/^\S*$/.test(text) || !text) return;
  const names = [...docs.keys()].filter((n) => !n.includes(" ") && n.startsWith(text.toLowerCase())).sort();
  if (!names.length) return;
  if (names.length === 1) { input.value = names[0].toUpperCase() + " "; return; }
  let p = names[0];
  for (const n of names) while (!n.startsWith(p)) p = p.slice(0, -1);
  if (p.length > text.length) input.value = p.toUpperCase();
  else line("note", names.slice(0, 40).map((n) => n.toUpperCase()).join("  ") + (names.length > 40 ? "  …" : ""));
}

// ---- running commands ----

const history = JSON.parse(localStorage.getItem("folio.history") || "[]");
let histPos = history.length;
let db = 0;

async function run(text) {
  text = text.trim();
  if (!text) return;
  history.push(text);
  if (history.length > 500) history.shift();
  histPos = history.length;
  localStorage.setItem("folio.history", JSON.stringify(history));
  const echo = line("in", "");
  const p = document.createElement("span");
  p.className = "p";
  p.textContent = $("prompt").textContent + " ";
  echo.append(p, document.createTextNode(text));
  let args;
  try { args = splitArgs(text); } catch (e) { line("reply err", e.message); return; }
  if (!args.length) return;
  if (args[0].toLowerCase() === "clear") { out.textContent = ""; return; }
  const { replies } = await send("exec", { args });
  for (const r of replies) line("reply " + kindOf(r), format(r));
  if (args[0].toLowerCase() === "select" && replies[0] && replies[0].t === "+") db = parseInt(args[1], 10);
  $("prompt").textContent = db ? `folio[${db}]>` : "folio>";
  refreshStatus();
}

let running = Promise.resolve();
function enqueue(lines) {
  for (const l of lines) running = running.then(() => run(l)).catch((e) => line("reply err", String(e.message || e)));
  return running;
}

input.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter") {
    const text = input.value;
    input.value = "";
    updateHint();
    enqueue([text]);
  } else if (ev.key === "ArrowUp") {
    if (histPos > 0) input.value = history[--histPos];
    ev.preventDefault(); updateHint();
  } else if (ev.key === "ArrowDown") {
    if (histPos < history.length) input.value = history[++histPos] ?? "";
    ev.preventDefault(); updateHint();
  } else if (ev.key === "Tab") {
    ev.preventDefault(); complete(); updateHint();
  }
});
input.addEventListener("input", updateHint);
input.addEventListener("paste", (ev) => {
  const text = ev.clipboardData.getData("text");
  if (!/[\r\n]/.test(text)) return;
  ev.preventDefault();
  const lines = (input.value + text).split(/\r?\n/).filter((l) => l.trim());
  input.value = "";
  updateHint();
  enqueue(lines);
});

// ---- the key browser ----

async function panel(...args) {
  const { replies: [r] } = await send("exec", { args, session: "panel" });
  return r;
}

async function scanKeys() {
  const list = $("keylist");
  await panel("SELECT", String(parseInt($("keydb").value, 10) || 0));
  const keys = [];
  let cursor = "0";
  do {
    const r = await panel("SCAN", cursor, "MATCH", $("match").value || "*", "COUNT", "200");
    if (r.t === "-") { list.textContent = r.s; return; }
    cursor = r.elems[0].s;
    for (const e of r.elems[1].elems) keys.push(e.s);
  } while (cursor !== "0" && keys.length < 500);
  keys.sort();
  list.textContent = "";
  for (const k of keys) {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = k;
    const t = document.createElement("span");
    t.className = "t";
    li.append(name, t);
    li.onclick = () => { for (const x of list.children) x.classList.remove("sel"); li.classList.add("sel"); showKey(k); };
    list.appendChild(li);
    panel("TYPE", k).then((r) => { t.textContent = r.s; });
  }
  if (!keys.length) list.innerHTML = '<li class="muted">no keys</li>';
}

async function showKey(k) {
  const type = (await panel("TYPE", k)).s;
  const ttl = (await panel("TTL", k)).s;
  const reads = {
    string: ["GETRANGE", k, "0", "1023"],
    list: ["LRANGE", k, "0", "49"],
    hash: ["HRANDFIELD", k, "50", "WITHVALUES"],
    set: ["SRANDMEMBER", k, "50"],
    zset: ["ZRANGE", k, "0", "49", "WITHSCORES"],
    stream: ["XRANGE", k, "-", "+", "COUNT", "20"],
  };
  const size = { string: "STRLEN", list: "LLEN", hash: "HLEN", set: "SCARD", zset: "ZCARD", stream: "XLEN" }[type];
  const n = size ? (await panel(size, k)).s : "";
  let text = "";
  if (reads[type]) {
    const r = await panel(...reads[type]);
    if ((type === "hash" || type === "zset") && r.elems && r.t === "*") {
      // field/member and value/score pairs, one a line
      const rows = [];
      for (let i = 0; i + 1 < r.elems.length; i += 2) rows.push(`${format(r.elems[i])} => ${format(r.elems[i + 1])}`);
      text = rows.join("\n") || "(empty)";
    } else {
      text = format(r);
    }
  }
  // replaced at once, when every reply is in
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = `${k}\n${type}${size ? ` · ${n} ${type === "string" ? "bytes" : "items"}` : ""} · TTL ${ttl === "-1" ? "none" : ttl === "-2" ? "gone" : ttl + " s"}`;
  const body = document.createElement("div");
  body.textContent = text;
  $("preview").replaceChildren(meta, body);
}

// ---- status, export, import ----

function setStatus(text, bad) {
  const s = $("status");
  s.textContent = text;
  s.style.color = bad ? "var(--err)" : "";
}

let bootInfo = null;
async function refreshStatus() {
  const st = await send("stats");
  setStatus(`OPFS log ${(st.logBytes / 1024).toFixed(1)} KiB · ${st.pages} pages · snapshot gen ${st.gen}` + (st.compactions ? ` · ${st.compactions} compactions` : "") +
    (bootInfo ? ` · engine ready in ${bootInfo.bootMs} ms` : "") + (st.cut ? ` · torn tail of ${st.cut} B cut` : ""));
}

$("export").onclick = async () => {
  const r = await send("export");
  const blob = new Blob([r.bytes], { type: "application/octet-stream" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "folio-export.resp";
  document.body.appendChild(a);
  a.click();
  a.remove();
  line("note", `exported ${r.keys} keys (${r.bytes.byteLength} bytes)${r.skipped ? `, ${r.skipped} keys of other types skipped` : ""}: load with folio-server --import folio-export.resp`);
};

$("import").onchange = async (ev) => {
  const f = ev.target.files[0];
  if (!f) return;
  const buf = await f.arrayBuffer();
  const r = await send("import", { bytes: buf }, [buf]);
  line(r.errors ? "reply err" : "note", `imported ${r.commands} commands from ${f.name}${r.errors ? `, ${r.errors} errors, first: ${r.first}` : ""}`);
  ev.target.value = "";
  scanKeys();
  refreshStatus();
};

$("refresh").onclick = scanKeys;
$("match").addEventListener("keydown", (ev) => { if (ev.key === "Enter") scanKeys(); });

// for tests and the curious: window.folio.send("bench", {n: 10000})
window.folio = { send, format, splitArgs };

(async () => {
  try {
    const t0 = performance.now();
    // ?compactMin=BYTES lowers the log size that triggers compaction (tests)
    bootInfo = await send("boot", { compactMin: parseInt(new URLSearchParams(location.search).get("compactMin"), 10) || 0 });
    const { replies } = await send("exec", { args: ["PING"], session: "panel" });
    window.folio.firstReplyMs = Math.round(performance.now());
    window.folio.bootMs = Math.round(performance.now() - t0);
    line("note", `Folio ${replies[0].s === "PONG" ? "ready" : "?"}: folio.wasm in a worker, pages in OPFS (${bootInfo.store.pages} pages loaded in ${bootInfo.storeMs} ms). Tab completes, ↑/↓ history, paste runs one command per line.`);
    await loadDocs();
    document.body.dataset.ready = "1";
    refreshStatus();
    scanKeys();
  } catch (e) {
    setStatus(`failed to start: ${e.message}`, true);
    line("reply err", String(e.message));
  }
})();
