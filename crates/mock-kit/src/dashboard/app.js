// The dashboard's behaviour. Everything goes through the admin API a script would use, with
// `Content-Type: application/json` on writes (the guard's cross-site check) and the admin
// token, when there is one, in `X-Admin-Token`. Every value from the mock reaches the DOM
// through `textContent`: journal bodies are whatever a client sent, so nothing is parsed
// as HTML.
"use strict";

const TOKEN_KEY = "mock-admin-token";
const $ = (id) => document.getElementById(id);

// A `?token=` in the address (how the page itself got past the guard) moves to
// sessionStorage and leaves the address bar, history and any copied link.
(function takeTokenFromUrl() {
  const url = new URL(location.href);
  const token = url.searchParams.get("token");
  if (token !== null) {
    sessionStorage.setItem(TOKEN_KEY, token);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
})();

// The status line: what the last action did, or the last error until things work again.
let showingError = false;
function say(text, isError = false) {
  $("status").textContent = text;
  showingError = isError;
}
function complain(e) {
  say(String(e.message || e), true);
}

async function api(method, path, body) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["X-Admin-Token"] = token;
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const text = await r.text();
  if (!r.ok) {
    if (r.status === 401) throw new Error("admin token required: enter it above");
    throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 200)}`);
  }
  return text ? JSON.parse(text) : null;
}

// ---------------------------------------------------------------- rendering helpers

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

// One cell's text: strings as they are, anything else as JSON.
function fullText(v) {
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

// A cell: long values shortened, the whole value in the tooltip.
function cell(v, cls) {
  const s = fullText(v);
  const td = el("td", s.length > 160 ? s.slice(0, 160) + "…" : s, cls);
  if (s.length > 160) td.title = s.slice(0, 4000);
  return td;
}

// Columns that say which item a row is come first; the rest in the order they appear.
const FIRST = ["user", "nickname", "name", "path", "task_id", "exec_id", "job_id", "status",
  "progress"];

// A list of objects as a table whose columns are the union of their keys.
function table(rows, id) {
  if (!rows.length) return el("p", "none", "empty");
  const cols = [];
  for (const row of rows) {
    for (const k of Object.keys(row)) if (!cols.includes(k)) cols.push(k);
  }
  const rank = (k) => (FIRST.includes(k) ? FIRST.indexOf(k) : FIRST.length);
  cols.sort((a, b) => rank(a) - rank(b)); // stable: the others keep their order
  const t = el("table");
  if (id) t.id = id;
  const head = t.createTHead().insertRow();
  for (const c of cols) head.appendChild(el("th", c));
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const c of cols) tr.appendChild(cell(row[c]));
  }
  const wrap = el("div", null, "scroll");
  wrap.appendChild(t);
  return wrap;
}

// Every list in a JSON object becomes a titled table (Engee's users, files, servers, jobs;
// Linkis's users, jobs, sessions…), so the page needs no per-mock code. Lists of scalars
// (Linkis's SQL) are one column.
function renderLists(container, doc, prefix) {
  const parts = [];
  for (const [key, value] of Object.entries(doc || {})) {
    if (!Array.isArray(value)) continue;
    const rows = value.map((v) => (v !== null && typeof v === "object" ? v : { value: v }));
    // Files by path, so the /user tree reads top-down.
    if (rows.every((r) => typeof r.path === "string")) {
      rows.sort((a, b) => fullText(a.user).localeCompare(fullText(b.user)) || a.path.localeCompare(b.path));
    }
    const h = el("h3", `${prefix}${key} (${rows.length})`);
    parts.push(h, table(rows, `${prefix}${key}`.replace(/[^a-z0-9]+/gi, "-")));
  }
  container.replaceChildren(...parts);
}

// ---------------------------------------------------------------- state, clock, faults

async function refresh() {
  try {
    const clock = await api("GET", "/__admin/clock");
    $("clock").textContent = clock.now + (clock.frozen ? " (frozen)" : "");
    // The clock was set back (by a script, say): `since` would hide what comes next.
    if (lastAt && clock.now < lastAt) lastAt = null;
    const faults = await api("GET", "/__admin/faults");
    $("faults").replaceChildren(table(faults.faults, "fault-list"));
    renderLists($("state"), await api("GET", "/__admin/state"), "");
    const view = document.body.dataset.view;
    if (view) renderLists($("view"), await api("GET", view), "live ");
    if (showingError) say("");
  } catch (e) {
    complain(e);
  }
}

// ---------------------------------------------------------------- the journal, live

let lastSeq = 0;
let lastAt = null;

function journalRow(entry) {
  const tr = el("tr");
  tr.dataset.seq = entry.seq;
  if (entry.status >= 400) tr.classList.add(entry.status >= 500 ? "s5" : "s4");
  if (entry.fault) tr.classList.add("faulted");
  const body = entry.body && entry.body.data ? entry.body.data : "";
  const cells = [
    ["seq", entry.seq],
    ["at", entry.at],
    ["method", entry.method],
    ["path", entry.path + (entry.query ? "?" + entry.query : "")],
    ["status", entry.status],
    ["user", entry.user],
    ["fault", entry.fault],
    ["body", body],
  ];
  for (const [cls, v] of cells) tr.appendChild(cell(v, cls));
  return tr;
}

// Asks only for what arrived since the last entry seen (`since` is inclusive and several
// entries share a millisecond, or all of them on a frozen clock), then drops what was
// shown already by `seq`, which is never reused.
async function pollJournal() {
  try {
    const q = lastAt ? "?since=" + encodeURIComponent(lastAt) : "";
    const { requests } = await api("GET", "/__admin/requests" + q);
    const tbody = $("journal").tBodies[0];
    for (const entry of requests) {
      if (entry.seq <= lastSeq) continue;
      lastSeq = entry.seq;
      lastAt = entry.at;
      tbody.insertBefore(journalRow(entry), tbody.firstChild);
    }
    // Bounded like the journal itself: a long session must not grow the page for ever.
    while (tbody.rows.length > 500) tbody.deleteRow(-1);
  } catch (e) {
    complain(e);
  }
}

function clearJournalView() {
  $("journal").tBodies[0].replaceChildren();
  lastAt = null; // seq keeps counting across a reset, so lastSeq stays
}

// ---------------------------------------------------------------- controls

async function act(what, fn) {
  try {
    await fn();
    say(what);
  } catch (e) {
    complain(e);
  }
  await refresh();
}

$("advance").addEventListener("click", () =>
  act("clock advanced", () =>
    api("POST", "/__admin/clock", { advance_secs: Number($("advance-secs").value) || 0 })));

$("reset").addEventListener("click", () =>
  act("reset", async () => {
    await api("POST", "/__admin/reset", {});
    clearJournalView();
  }));

$("fault-add").addEventListener("click", () =>
  act("fault added", () => {
    const rule = { path: $("fault-path").value, status: Number($("fault-status").value) };
    const times = $("fault-times").value;
    if (times) rule.times = Number(times);
    return api("POST", "/__admin/faults", rule);
  }));

$("fault-clear").addEventListener("click", () =>
  act("faults cleared", () => api("DELETE", "/__admin/faults")));

$("token-save").addEventListener("click", () => {
  const value = $("token").value.trim();
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
  $("token").value = "";
  refresh();
  pollJournal();
});

// The title names the mock, from its own OpenAPI document.
api("GET", "/__admin/openapi.json")
  .then((doc) => {
    const title = doc && doc.info && doc.info.title;
    if (title) {
      $("title").textContent = title;
      document.title = title + " — dashboard";
    }
  })
  .catch(() => {});

refresh();
pollJournal();
setInterval(pollJournal, 1000);
setInterval(refresh, 2000);
