// Drawing a subgraph (nodes, edges, "and N more") with Cytoscape.js, vendored under /static/vendor.
const COLOURS = {
  Person: "#2f6fb0", Company: "#c0612b", PublicBody: "#3a8a4a", ContractingProcess: "#7a5ca8",
  Contract: "#a8873a", Address: "#6b7b8c", Sanction: "#b02f3a", Flag: "#d4a017", Declaration: "#8c8c8c",
};

function drawGraph(container, data, options) {
  const opts = options || {};
  const elements = [];
  const ids = new Set();
  for (const n of data.nodes) {
    ids.add(n.id);
    elements.push({ data: { id: n.id, label: shorten(n.name || n.id), kind: n.label,
      colour: COLOURS[n.label] || "#555", root: n.id === opts.root ? 1 : 0, onPath: (opts.highlight || []).includes(n.id) ? 1 : 0 } });
  }
  for (const e of data.edges) {
    if (!ids.has(e.source) || !ids.has(e.target)) continue;
    elements.push({ data: { id: "e:" + e.id, source: e.source, target: e.target, label: e.type,
      onPath: (opts.highlightEdges || []).includes(e.id) ? 1 : 0 } });
  }
  (data.more || []).forEach((m, i) => {
    if (!ids.has(m.node)) return;
    const id = "more:" + i;
    elements.push({ data: { id, label: t("entity.more", { n: m.more }) + " (" + m.type + ")", kind: "more", colour: "#bbb" } });
    elements.push({ data: { id: "e:" + id, source: m.direction === "out" ? m.node : id, target: m.direction === "out" ? id : m.node,
      label: m.type, more: 1 } });
  });
  if (window.vinculoGraph) window.vinculoGraph.destroy();
  const cy = cytoscape({
    container, elements, wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: { "background-color": "data(colour)", label: "data(label)", "font-size": 9,
        "text-wrap": "wrap", "text-max-width": 110, "text-valign": "bottom", width: 22, height: 22 } },
      { selector: "node[root = 1]", style: { width: 34, height: 34, "border-width": 3, "border-color": "#111" } },
      { selector: "node[onPath = 1]", style: { "border-width": 3, "border-color": "#d0021b" } },
      { selector: "node[kind = 'more']", style: { shape: "round-rectangle", width: 16, height: 12, color: "#666" } },
      { selector: "edge", style: { width: 1.5, "line-color": "#9aa", "target-arrow-color": "#9aa", "target-arrow-shape": "triangle",
        "curve-style": "bezier", label: "data(label)", "font-size": 7, color: "#567", "text-rotation": "autorotate" } },
      { selector: "edge[onPath = 1]", style: { width: 3, "line-color": "#d0021b", "target-arrow-color": "#d0021b" } },
      { selector: "edge[more = 1]", style: { "line-style": "dashed" } },
    ],
    layout: { name: data.nodes.length > 60 ? "concentric" : "cose", animate: false, padding: 20,
      concentric: (n) => (n.data("root") ? 10 : 1) },
  });
  cy.on("tap", "node", (evt) => {
    const id = evt.target.id();
    if (opts.onOpen && !id.startsWith("more:")) opts.onOpen(id);
  });
  container.dataset.nodes = String(cy.nodes().length);
  container.dataset.edges = String(cy.edges().length);
  window.vinculoGraph = cy;
  return cy;
}

function shorten(text) {
  const s = String(text);
  return s.length > 40 ? s.slice(0, 38) + "…" : s;
}
