// cosiebot studio: the editor, the simulator and the translation table.
// Plain JavaScript, no libraries; every write sends the page's CSRF token.
"use strict";

const csrf = document.querySelector('meta[name="csrf"]').content;
const file = document.body.dataset.file;
const draftKey = "cosie-studio-draft:" + file;

// post sends JSON and returns [status, body].
async function post(url, body) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body),
  });
  let data = {};
  try { data = await res.json(); } catch (e) { data = { error: "the studio gave no answer (" + res.status + ")" }; }
  return [res.status, data];
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c != null) e.append(c);
  return e;
}

function debounce(fn, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

function setStatus(text, bad) {
  const s = document.getElementById("status");
  if (!s) return;
  s.textContent = text;
  s.className = bad ? "bad" : "";
}

// ---- the flow editor ----

function editor() {
  const root = document.getElementById("edit");
  const text = document.getElementById("text");
  const gutter = document.getElementById("gutter");
  const mirror = document.getElementById("mirror");
  const list = document.getElementById("diagnostics");
  const picture = document.getElementById("picture");
  const langSel = document.getElementById("picture-lang");
  const saveBtn = document.getElementById("save");
  let version = root.dataset.version;
  let diags = JSON.parse(root.dataset.diagnostics || "[]");
  let saved = text.value;
  let seq = 0;

  function byLine() {
    const m = new Map();
    for (const d of diags) {
      const cur = m.get(d.line);
      if (!cur || (cur.severity !== "error" && d.severity === "error")) m.set(d.line, d);
    }
    return m;
  }

  // shown[i] is what line i+1 shows in the gutter and the mirror: a
  // keystroke redraws only the lines it changed, not the whole file.
  const shown = [];

  function drawLine(i, l, d) {
    const ln = el("div", { class: "ln" + (d ? " " + d.severity : ""), "data-line": i + 1 }, String(i + 1));
    if (d) ln.title = d.message;
    const line = el("span", { class: "line" + (d ? " " + d.severity : ""), "data-line": i + 1 }, l || " ");
    if (d) line.append(el("span", { class: "msg" }, "← " + d.message));
    if (i < shown.length) {
      gutter.children[i].replaceWith(ln);
      mirror.children[i].replaceWith(line);
    } else {
      gutter.append(ln);
      mirror.append(line);
    }
  }

  function render() {
    const lines = text.value.split("\n");
    const marks = byLine();
    lines.forEach((l, i) => {
      const d = marks.get(i + 1);
      const key = (d ? d.severity + "\u0000" + d.message : "") + "\u0000" + l;
      if (shown[i] === key) return;
      drawLine(i, l, d);
      shown[i] = key;
    });
    while (shown.length > lines.length) {
      gutter.lastElementChild.remove();
      mirror.lastElementChild.remove();
      shown.pop();
    }
    list.replaceChildren(...diags.map(d => el("li", { class: d.severity, "data-line": d.line },
      "line " + d.line + ": " + d.severity + ": " + d.message)));
    const errors = diags.filter(d => d.severity === "error").length;
    document.getElementById("counts").textContent =
      errors + " error(s), " + (diags.length - errors) + " warning(s)" + (text.value !== saved ? " · not saved" : "");
    sync();
  }

  function sync() {
    mirror.scrollTop = text.scrollTop;
    mirror.scrollLeft = text.scrollLeft;
    gutter.scrollTop = text.scrollTop;
  }

  function jump(line) {
    const lines = text.value.split("\n");
    let off = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) off += lines[i].length + 1;
    text.focus();
    text.setSelectionRange(off, off + (lines[line - 1] || "").length);
    text.scrollTop = Math.max(0, (line - 1) * 20 - text.clientHeight / 3);
    sync();
  }

  const check = debounce(async () => {
    const mine = ++seq;
    const [status, data] = await post("/flows/" + file + "/check", { text: text.value, lang: langSel ? langSel.value : "" });
    if (mine !== seq) return; // a newer check is on its way
    if (status !== 200) { setStatus(data.error, true); return; }
    diags = data.diagnostics;
    if (data.picture) { picture.innerHTML = data.picture; picture.classList.remove("stale"); }
    else picture.classList.add("stale");
    render();
  }, 150);

  async function save() {
    setStatus("Saving…");
    const [status, data] = await post("/flows/" + file + "/save", { text: text.value, version });
    if (status === 200) {
      version = data.version; saved = text.value; diags = data.diagnostics;
      sessionStorage.removeItem(draftKey);
      setStatus("Saved. A running bot picks the change up within seconds.");
      render();
      return;
    }
    if (data.diagnostics) { diags = data.diagnostics; render(); }
    setStatus(data.error, true);
  }

  text.addEventListener("input", () => {
    if (text.value !== saved) sessionStorage.setItem(draftKey, text.value);
    else sessionStorage.removeItem(draftKey);
    render(); check();
  });
  text.addEventListener("scroll", sync);
  text.addEventListener("keydown", e => {
    if (e.key === "Tab" && !e.shiftKey) { // flows are indented with spaces
      e.preventDefault();
      document.execCommand("insertText", false, "  ");
    }
    if ((e.ctrlKey || e.metaKey) && e.key === "s" && saveBtn) { e.preventDefault(); save(); }
  });
  gutter.addEventListener("click", e => { const t = e.target.closest("[data-line]"); if (t) jump(+t.dataset.line); });
  list.addEventListener("click", e => { const t = e.target.closest("[data-line]"); if (t) jump(+t.dataset.line); });
  const fromPicture = e => {
    const node = e.target.closest("[data-line]");
    if (node && (e.type === "click" || e.key === "Enter")) jump(+node.dataset.line);
  };
  picture.addEventListener("click", fromPicture);
  picture.addEventListener("keydown", fromPicture);
  if (langSel) langSel.addEventListener("change", check);
  if (saveBtn) saveBtn.addEventListener("click", save);
  window.addEventListener("beforeunload", e => { if (text.value !== saved && saveBtn) e.preventDefault(); });
  const draft = sessionStorage.getItem(draftKey);
  if (draft !== null && draft !== text.value) {
    text.value = draft;
    setStatus("Your unsaved changes are back.");
    check();
  }
  render();
  const m = location.hash.match(/^#L(\d+)$/);
  if (m) jump(+m[1]);
  window.studioEditor = { jump, check: () => check() }; // for the browser tests
}

// ---- the simulator ----

function simulator() {
  const chat = document.getElementById("chat");
  const lang = document.getElementById("sim-lang");
  const clock = document.getElementById("clock");
  let id = null;
  const draft = sessionStorage.getItem(draftKey);
  document.getElementById("draft").hidden = draft === null;

  function event(text) { chat.append(el("div", { class: "event" }, text)); }

  function from(m) {
    if (!m.node) return null;
    const where = el("a", { href: "/flows/" + file + "#L" + m.line }, m.node + " (line " + m.line + ")");
    return el("span", { class: "from", "data-node": m.node }, m.own ? "the bot's own words, at " : "from node ", where);
  }

  function show(rep) {
    id = rep.id;
    if (rep.note) event(rep.note);
    for (const m of rep.messages) {
      if (m.edit) {
        const target = chat.querySelector('[data-id="' + m.edit + '"]');
        if (target) {
          const b = target.querySelector(".buttons");
          if (b) b.replaceWith(el("div", { class: "chosen" }, "✓ " + m.text));
        }
        continue;
      }
      if (m.to === "coordinator") { chat.append(el("div", { class: "msg coordinator" }, "To a coordinator: " + m.text)); continue; }
      const box = el("div", { class: "msg bot", "data-id": m.id }, m.file ? "[file " + m.file + "] " + m.text : m.text);
      if (m.buttons) {
        const row = el("div", { class: "buttons" });
        for (const line of m.buttons) for (const b of line) {
          row.append(el("button", { type: "button", "data-data": b.data, onclick: () => act({ press: b.data, message: m.id }, "[" + b.text + "]") }, b.text));
        }
        box.append(row);
      }
      box.append(from(m));
      chat.append(box);
    }
    if (rep.notice) event(rep.notice);
    if (rep.done) event("The dialogue has reached its end.");
    clock.textContent = rep.clock + (rep.node ? " · at " + rep.node : "");
    if (rep.lang && lang.value !== rep.lang) lang.value = rep.lang;
    chat.scrollTop = chat.scrollHeight;
  }

  async function start() {
    chat.replaceChildren();
    const [status, data] = await post("/flows/" + file + "/sim", { text: draft || "", lang: lang.value });
    if (status !== 200) { event(data.error); return; }
    show(data);
  }

  async function act(action, said) {
    if (!id) return;
    if (said) chat.append(el("div", { class: "msg me" }, said));
    const [status, data] = await post("/sim/" + id, action);
    if (status !== 200) { event(data.error); return; }
    show(data);
  }

  document.getElementById("say-form").addEventListener("submit", e => {
    e.preventDefault();
    const input = document.getElementById("say");
    const t = input.value.trim();
    if (!t) return;
    input.value = "";
    act({ say: t }, t);
  });
  document.getElementById("wait-form").addEventListener("submit", e => {
    e.preventDefault();
    act({ wait: document.getElementById("wait").value.trim() });
  });
  document.getElementById("restart").addEventListener("click", start);
  lang.addEventListener("change", () => act({ lang: lang.value }));
  start();
}

// ---- the translation table ----

function translations() {
  const root = document.getElementById("texts");
  const table = document.getElementById("table");
  const list = document.getElementById("diagnostics");
  const saveBtn = document.getElementById("save");
  let text = root.dataset.text;
  let saved = text;
  let version = root.dataset.version;
  const readOnly = root.dataset.readonly === "true";

  function draw(t) {
    const head = el("tr", {}, el("th", {}, "Text"), ...t.languages.map(l => el("th", { scope: "col" }, l)));
    const rows = t.rows.map(r => el("tr", {},
      el("th", { class: "where", scope: "row" }, r.label, el("br"), el("a", { href: "/flows/" + file + "#L" + r.line }, "line " + r.line)),
      ...t.languages.map(l => {
        const c = r.cells[l];
        const ta = el("textarea", { rows: 2, "data-line": r.line, "data-col": r.col, "data-lang": l, "aria-label": r.label + " in " + l });
        ta.value = c.value || "";
        if (c.missing) ta.placeholder = "missing";
        if (c.plural) { ta.readOnly = true; ta.title = "Plural forms: edit them in the editor"; }
        if (readOnly) ta.readOnly = true;
        ta.addEventListener("change", () => edit(ta));
        return el("td", { class: c.missing ? "missing" : c.plural ? "plural" : "" }, ta);
      })));
    table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
    document.getElementById("missing").textContent = t.missing ? t.missing + " translation(s) missing" : "Every text is translated.";
  }

  async function edit(ta) {
    const [status, data] = await post("/flows/" + file + "/texts", {
      text, line: +ta.dataset.line, col: +ta.dataset.col, lang: ta.dataset.lang, value: ta.value,
    });
    if (status !== 200) { setStatus(data.error, true); return; }
    text = data.text;
    list.replaceChildren(...data.diagnostics.map(d => el("li", { class: d.severity }, "line " + d.line + ": " + d.message)));
    if (data.table) draw(data.table);
    setStatus(text !== saved ? "Not saved yet." : "");
  }

  async function save() {
    const [status, data] = await post("/flows/" + file + "/save", { text, version });
    if (status === 200) { version = data.version; saved = text; setStatus("Saved."); return; }
    setStatus(data.error, true);
  }

  if (saveBtn) saveBtn.addEventListener("click", save);
  draw(JSON.parse(root.dataset.table));
}

switch (document.body.dataset.page) {
  case "edit": editor(); break;
  case "try": simulator(); break;
  case "texts": translations(); break;
}
