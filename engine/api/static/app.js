// The investigators' workspace: search, entity pages, the triage queue, flags, paths.
// Every text from the graph goes into the page as text (never as HTML): sources hold anything.
"use strict";

const state = { me: null };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

function token() { return sessionStorage.getItem("vinculo.token"); }

async function api(path, options) {
  const opts = options || {};
  const headers = { Authorization: "Bearer " + (token() || "") };
  if (opts.body) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method: opts.method || "GET", headers, body: opts.body ? JSON.stringify(opts.body) : undefined });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(body.message || res.statusText);
    err.status = res.status;
    throw err;
  }
  return body;
}

function say(text, kind) {
  const box = document.getElementById("message");
  box.textContent = text;
  box.className = kind || "error";
  box.hidden = !text;
  if (text) setTimeout(() => { if (box.textContent === text) box.hidden = true; }, 6000);
}

function view(...children) {
  const main = document.getElementById("view");
  main.replaceChildren(...children);
  return main;
}

function entityLink(node) {
  return el("a", { href: "#/entity/" + encodeURIComponent(node.id), class: "entity " + (node.label || "") }, node.name || node.id);
}

function dates(props) {
  const p = props || {};
  const parts = [];
  if (p.start || p.end) parts.push((p.start || "…") + " – " + (p.end || "…"));
  for (const k of ["date_signed", "date", "listed_on", "definitive_on"]) if (p[k]) parts.push(k + " " + p[k]);
  return parts.join("; ");
}

function details(props, skip) {
  const hide = new Set(["id", "sources", "first_seen", "last_seen", "source", "record_id", "start", "end", ...(skip || [])]);
  return Object.entries(props || {}).filter(([k]) => !hide.has(k))
    .map(([k, v]) => k + ": " + (typeof v === "object" ? JSON.stringify(v) : v)).join("; ");
}

function provenance(props) {
  const p = props || {};
  return [p.source, p.record_id].filter(Boolean).join(" · ");
}

// -- search ----------------------------------------------------------------------------------------
function searchBox(onPick, placeholderKey, testid) {
  const input = el("input", { type: "search", placeholder: t(placeholderKey || "search.placeholder"), "data-testid": testid || "search-input", autocomplete: "off" });
  const list = el("ul", { class: "suggestions", "data-testid": (testid || "search-input") + "-suggestions" });
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) { list.replaceChildren(); return; }
    timer = setTimeout(async () => {
      try {
        const res = await api("/api/search?limit=8&q=" + encodeURIComponent(q));
        if (input.value.trim() !== q) return;
        list.replaceChildren(...res.hits.map((h) => el("li", { on: { mousedown: () => { input.value = h.name; list.replaceChildren(); onPick(h); } } },
          el("span", { class: "kind " + h.label }, t("kind." + h.kind)), " ", h.name)));
      } catch (e) { say(e.message); }
    }, 200);
  });
  input.addEventListener("blur", () => setTimeout(() => list.replaceChildren(), 150));
  return { input, box: el("div", { class: "searchbox" }, input, list) };
}

function renderSearch(params) {
  const { input, box } = searchBox((hit) => { location.hash = "#/entity/" + encodeURIComponent(hit.id); });
  const kind = el("select", { "data-testid": "search-kind" }, el("option", { value: "" }, t("search.any")),
    ...["person", "company", "public_body"].map((k) => el("option", { value: k }, t("kind." + k))));
  const results = el("div", { id: "results" });
  const run = async () => {
    const q = input.value.trim();
    if (!q) return;
    location.hash = "#/?q=" + encodeURIComponent(q) + (kind.value ? "&kind=" + kind.value : "");
  };
  const form = el("form", { class: "search", on: { submit: (e) => { e.preventDefault(); run(); } } },
    box, kind, el("button", { type: "submit", "data-testid": "search-go" }, t("search.go")));
  view(el("h1", {}, t("search.title")), form, results);
  input.value = params.get("q") || "";
  kind.value = params.get("kind") || "";
  input.focus();
  if (input.value) showResults(results, input.value, kind.value);
}

async function showResults(results, q, kind) {
  try {
    const res = await api("/api/search?q=" + encodeURIComponent(q) + (kind ? "&kind=" + kind : ""));
    if (!res.hits.length) { results.replaceChildren(el("p", {}, t("search.none"))); return; }
    results.replaceChildren(el("ol", { class: "hits", "data-testid": "search-results" }, ...res.hits.map((h) =>
      el("li", {}, el("span", { class: "kind " + h.label }, t("kind." + h.kind)), " ", entityLink(h),
        el("span", { class: "score" }, " " + Math.round(h.score * 100) + "%"),
        h.props.rfc ? el("span", { class: "ident" }, " RFC " + h.props.rfc) : null,
        el("ul", { class: "why" }, ...h.why.map((w) => el("li", {}, w)))))));
  } catch (e) { say(e.message); }
}

// -- entity ----------------------------------------------------------------------------------------
async function renderEntity(id) {
  const graphBox = el("div", { class: "graph", id: "entity-graph", "data-testid": "entity-graph" });
  const depth = el("select", { "data-testid": "depth" }, ...[1, 2, 3].map((d) => el("option", { value: d }, String(d))));
  const header = el("div", {});
  const body = el("div", { class: "profile" });
  view(header, el("section", { class: "panel" }, el("h2", {}, t("entity.graph"), " ", el("label", {}, t("entity.depth"), " ", depth)), graphBox), body);
  const draw = async () => {
    try {
      const hood = await api("/api/entities/" + encodeURIComponent(id) + "/neighbourhood?depth=" + depth.value);
      drawGraph(graphBox, hood, { root: hood.root, onOpen: (other) => { location.hash = "#/entity/" + encodeURIComponent(other); } });
    } catch (e) { say(e.message); }
  };
  depth.addEventListener("change", draw);
  let profile;
  try { profile = await api("/api/entities/" + encodeURIComponent(id)); } catch (e) { say(e.message); return; }
  const ent = profile.entity;
  header.replaceChildren(el("h1", { "data-testid": "entity-name" }, ent.name || ent.id),
    el("p", { class: "sub" }, el("span", { class: "kind " + ent.label }, ent.label), " ", ent.id,
      profile.redirected_from ? el("em", {}, " " + t("entity.merged", { id: profile.redirected_from })) : null));
  const idents = Object.entries(profile.identifiers).map(([k, v]) => el("li", {}, k.toUpperCase() + ": " + v.join(", ")));
  body.replaceChildren(
    el("section", { class: "panel" }, el("h2", {}, t("entity.names")), el("ul", {}, ...profile.names.map((n) => el("li", {}, n))),
      idents.length ? el("h3", {}, t("entity.identifiers")) : null, idents.length ? el("ul", {}, ...idents) : null),
    el("section", { class: "panel" }, el("h2", {}, t("entity.mentions"), " (" + profile.mentions.total + ")"),
      el("table", {}, el("tr", {}, ...["col.name", "col.source", "col.record", "col.score", "col.decision", "col.why"].map((k) => el("th", {}, t(k)))),
        ...profile.mentions.items.map((m) => el("tr", {}, el("td", {}, m.name || ""), el("td", {}, m.source || ""),
          el("td", { class: "mono" }, m.record_id || ""), el("td", {}, m.score !== undefined ? Number(m.score).toFixed(2) : ""),
          el("td", {}, m.decision || ""), el("td", {}, (m.explanation || []).join("; ")))))),
    ...Object.entries(profile.sections).map(([name, groups]) => el("section", { class: "panel", "data-section": name },
      el("h2", {}, t("section." + name)),
      ...groups.map((g) => el("div", {}, el("h3", {}, (g.direction === "out" ? "→ " : "← ") + g.type + " (" + g.total + ")"),
        el("table", {}, ...g.items.map((i) => el("tr", {}, el("td", {}, entityLink(i.node)), el("td", {}, dates(i.props) || dates(i.node.props)),
          el("td", {}, details(i.props)), el("td", { class: "mono" }, provenance(i.props))))),
        g.total > g.shown ? el("p", { class: "more" }, t("entity.more", { n: g.total - g.shown })) : null)))));
  draw();
}

// -- flags -----------------------------------------------------------------------------------------
const STATUSES = ["new", "in_progress", "confirmed", "dismissed"];

function renderFlags(params) {
  const f = {
    pattern: el("input", { size: 5, placeholder: "P002", value: params.get("pattern") || "" }),
    severity: el("select", {}, el("option", { value: "" }, t("flags.all")), ...["low", "medium", "high", "critical"].map((s) => el("option", { value: s }, s))),
    status: el("select", { "data-testid": "filter-status" }, el("option", { value: "" }, t("flags.all")), ...[...STATUSES, "withdrawn"].map((s) => el("option", { value: s }, t("status." + s)))),
    assignee: el("input", { size: 10, value: params.get("assignee") || "" }),
    since: el("input", { type: "date", value: params.get("since") || "" }),
  };
  f.severity.value = params.get("severity") || "";
  f.status.value = params.get("status") || "";
  const table = el("table", { class: "flags", "data-testid": "flags-table" });
  const load = async () => {
    const q = new URLSearchParams();
    for (const [k, input] of Object.entries(f)) if (input.value) q.set(k, input.value);
    try {
      const res = await api("/api/flags?limit=100&" + q.toString());
      table.replaceChildren(el("tr", {}, ...["flags.pattern", "flags.severity", "flags.status", "flags.assignee", "flags.sentence"].map((k) => el("th", {}, t(k)))),
        ...res.flags.map((r) => el("tr", { class: "row", "data-flag": r.id, on: { click: () => { location.hash = "#/flag/" + encodeURIComponent(r.id); } } },
          el("td", {}, r.pattern), el("td", { class: "sev " + r.severity }, r.severity), el("td", {}, t("status." + r.status)),
          el("td", {}, r.assignee || ""), el("td", {}, r.sentence))));
      if (!res.flags.length) table.replaceChildren(el("tr", {}, el("td", {}, t("flags.none"))));
    } catch (e) { say(e.message); }
  };
  const form = el("form", { class: "filters", on: { submit: (e) => { e.preventDefault(); load(); } } },
    ...Object.entries(f).map(([k, input]) => el("label", {}, t("flags." + k), " ", input)), el("button", { type: "submit" }, t("flags.filter")));
  view(el("h1", {}, t("flags.title")), form, table);
  load();
}

async function renderFlag(id) {
  let flag;
  try { flag = await api("/api/flags/" + encodeURIComponent(id)); } catch (e) { view(); say(e.message); return; }
  const graphBox = el("div", { class: "graph", id: "flag-graph", "data-testid": "flag-graph" });
  const eg = flag.evidence_graph;
  const names = Object.fromEntries(eg.nodes.map((n) => [n.id, n]));
  const steps = el("ol", { class: "steps", "data-testid": "flag-steps" }, ...eg.steps.map((s) => el("li", {},
    entityLink(names[s.from] || { id: s.from }), " — ", entityLink(names[s.to] || { id: s.to }),
    el("ul", {}, ...(s.edges.length ? s.edges.map((e) => el("li", {}, (names[e.source] || { name: e.source }).name + " " + e.type + " " + (names[e.target] || { name: e.target }).name,
      el("span", { class: "dates" }, " " + dates(e.props)), el("span", { class: "mono" }, " [" + provenance(e.props) + "]"))) : [el("li", {}, t("flag.no_edge"))])))));
  const status = el("select", { "data-testid": "flag-status" }, ...STATUSES.map((s) => el("option", { value: s }, t("status." + s))));
  status.value = flag.status === "withdrawn" ? "new" : flag.status;
  const assignee = el("input", { "data-testid": "flag-assignee", value: flag.assignee || "" });
  const comment = el("textarea", { "data-testid": "flag-comment", rows: 2 });
  const canEdit = state.me && state.me.role !== "journalist";
  const history = el("ol", { class: "history", "data-testid": "flag-history" }, ...flag.history.map((h) => el("li", {},
    h.at + " · " + h.by + " · " + t("status." + h.status_from) + " → " + t("status." + h.status) + (h.assignee !== undefined ? " · " + (h.assignee || "—") : "") + (h.comment ? " · «" + h.comment + "»" : ""))));
  const save = el("button", { type: "submit", "data-testid": "flag-save", disabled: !canEdit }, t("flag.save"));
  const form = el("form", { class: "case", on: { submit: async (e) => {
    e.preventDefault();
    const body = { status: status.value, assignee: assignee.value || null };
    if (comment.value.trim()) body.comment = comment.value.trim();
    try { await api("/api/flags/" + encodeURIComponent(id), { method: "PATCH", body }); say(t("flag.saved"), "ok"); renderFlag(id); } catch (err) { say(err.message); }
  } } }, el("label", {}, t("flags.status"), " ", status), el("label", {}, t("flags.assignee"), " ", assignee),
    el("label", {}, t("flag.comment"), " ", comment), save, canEdit ? null : el("p", { class: "sub" }, t("flag.readonly")));
  view(el("h1", {}, flag.pattern + " · " + (flag.title || "")), el("p", { class: "sentence", "data-testid": "flag-sentence" }, flag.sentence),
    el("p", { class: "sub" }, el("span", { class: "sev " + flag.severity }, flag.severity), " · " + (flag.score || 0).toFixed(2) + " · ",
      el("span", { "data-testid": "flag-current-status" }, t("status." + flag.status)), " · " + flag.id),
    el("section", { class: "panel" }, el("h2", {}, t("flag.evidence")), graphBox),
    el("section", { class: "panel" }, el("h2", {}, t("flag.steps")), steps),
    el("section", { class: "panel" }, el("h2", {}, t("flag.case")), form, el("h3", {}, t("flag.history")), history));
  const onPath = eg.steps.flatMap((s) => s.edges.map((e) => e.id));
  drawGraph(graphBox, eg, { highlight: eg.path, highlightEdges: onPath, onOpen: (n) => { location.hash = "#/entity/" + encodeURIComponent(n); } });
}

// -- paths -----------------------------------------------------------------------------------------
function renderPaths(params) {
  const picked = { from: params.get("from"), to: params.get("to") };
  const a = searchBox((h) => { picked.from = h.id; }, "paths.from", "path-from");
  const b = searchBox((h) => { picked.to = h.id; }, "paths.to", "path-to");
  const max = el("select", { "data-testid": "path-max" }, ...[2, 3, 4, 5, 6].map((n) => el("option", { value: n }, String(n))));
  max.value = params.get("max") || "4";
  const out = el("div", {});
  const graphBox = el("div", { class: "graph", id: "paths-graph", "data-testid": "paths-graph" });
  const find = async () => {
    if (!picked.from || !picked.to) return;
    try {
      const res = await api("/api/paths?from=" + encodeURIComponent(picked.from) + "&to=" + encodeURIComponent(picked.to) + "&max=" + max.value);
      if (!res.paths.length) { out.replaceChildren(el("p", {}, t("paths.none"))); graphBox.replaceChildren(); return; }
      const nodes = {}; const edges = {};
      res.paths.forEach((p) => { p.nodes.forEach((n) => { nodes[n.id] = n; }); p.edges.forEach((e) => { edges[e.id] = e; }); });
      drawGraph(graphBox, { nodes: Object.values(nodes), edges: Object.values(edges) }, { highlight: [picked.from, picked.to], onOpen: (n) => { location.hash = "#/entity/" + encodeURIComponent(n); } });
      out.replaceChildren(el("ol", { "data-testid": "paths-list" }, ...res.paths.map((p) => el("li", {}, t("paths.length", { n: p.length }), ": ",
        ...p.nodes.flatMap((n, i) => [entityLink(n), i < p.edges.length ? el("span", { class: "edge" }, " —" + p.edges[i].type + (dates(p.edges[i].props) ? " (" + dates(p.edges[i].props) + ")" : "") + "— ") : null])))));
    } catch (e) { say(e.message); }
  };
  view(el("h1", {}, t("paths.title")), el("form", { class: "search", on: { submit: (e) => { e.preventDefault(); find(); } } },
    el("label", {}, t("paths.from"), a.box), el("label", {}, t("paths.to"), b.box), el("label", {}, t("paths.max"), " ", max),
    el("button", { type: "submit", "data-testid": "path-go" }, t("paths.find"))), graphBox, out);
  if (picked.from && picked.to) find();
}

// -- shell -----------------------------------------------------------------------------------------
async function whoami() {
  state.me = null;
  if (token()) {
    try { state.me = await api("/api/me"); } catch (e) { sessionStorage.removeItem("vinculo.token"); say(e.message); }
  }
  document.getElementById("whoami").textContent = state.me ? state.me.name + " (" + state.me.role + ")" : "";
  document.getElementById("login").hidden = !!state.me;
  document.getElementById("logout").hidden = !state.me;
}

function route() {
  translateStatic();
  if (!state.me) { view(el("p", { class: "login-needed" }, t("login.needed"))); return; }
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query || "");
  const parts = (path || "/").split("/").filter(Boolean);
  if (parts[0] === "entity") renderEntity(decodeURIComponent(parts.slice(1).join("/")));
  else if (parts[0] === "flags") renderFlags(params);
  else if (parts[0] === "flag") renderFlag(decodeURIComponent(parts.slice(1).join("/")));
  else if (parts[0] === "paths") renderPaths(params);
  else renderSearch(params);
}

document.getElementById("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  sessionStorage.setItem("vinculo.token", document.getElementById("token").value.trim());
  document.getElementById("token").value = "";
  await whoami();
  route();
});
document.getElementById("logout").addEventListener("click", async () => { sessionStorage.removeItem("vinculo.token"); await whoami(); route(); });
document.getElementById("lang").addEventListener("click", () => { localStorage.setItem("vinculo.lang", currentLang() === "es" ? "en" : "es"); route(); });
window.addEventListener("hashchange", route);
whoami().then(route);
