// Spanish and English labels of the workspace. Add a key to both.
const LABELS = {
  es: {
    "nav.search": "Buscar", "nav.flags": "Alertas", "nav.paths": "Rutas",
    "login.token": "Token", "login.enter": "Entrar", "login.leave": "Salir",
    "login.needed": "Escribe tu token para entrar (lo crea un administrador con «vinculo tokens create»).",
    "search.title": "Personas, empresas e instituciones", "search.placeholder": "Nombre, RFC o CURP",
    "search.go": "Buscar", "search.kind": "Tipo", "search.any": "Todos", "search.none": "Sin resultados.",
    "kind.person": "Persona", "kind.company": "Empresa", "kind.public_body": "Institución",
    "entity.names": "Nombres según cada fuente", "entity.identifiers": "Identificadores",
    "entity.mentions": "Menciones (registro de origen, puntaje, explicación)", "entity.graph": "Vecindario",
    "entity.depth": "Profundidad", "entity.more": "y {n} más", "entity.merged": "Esta entidad se fusionó desde {id}.",
    "section.positions": "Cargos", "section.holdings": "Participaciones y control", "section.contracts": "Contratos y procedimientos",
    "section.sanctions": "Sanciones", "section.flags": "Alertas", "section.family": "Familia", "section.relations": "Otras relaciones",
    "col.source": "Fuente", "col.record": "Registro", "col.score": "Puntaje", "col.decision": "Decisión",
    "col.why": "Por qué", "col.name": "Nombre", "col.dates": "Fechas", "col.details": "Detalles",
    "flags.title": "Cola de revisión", "flags.pattern": "Patrón", "flags.severity": "Gravedad", "flags.status": "Estado",
    "flags.assignee": "Asignado a", "flags.since": "Desde", "flags.filter": "Filtrar", "flags.sentence": "Hallazgo",
    "flags.none": "No hay alertas con esos filtros.", "flags.all": "Todos",
    "flag.evidence": "Ruta de la evidencia", "flag.steps": "Pasos y registros de origen", "flag.case": "Caso",
    "flag.comment": "Comentario", "flag.save": "Guardar", "flag.history": "Historial", "flag.saved": "Guardado.",
    "flag.readonly": "Tu rol solo permite leer.", "flag.no_edge": "sin relación directa",
    "status.new": "nueva", "status.in_progress": "en revisión", "status.confirmed": "confirmada",
    "status.dismissed": "descartada", "status.withdrawn": "retirada",
    "paths.title": "¿Cómo se conecta este funcionario con esta empresa?", "paths.from": "Desde", "paths.to": "Hasta",
    "paths.max": "Saltos máximos", "paths.find": "Buscar rutas", "paths.none": "No hay ruta dentro de ese límite.",
    "paths.length": "{n} relaciones",
  },
  en: {
    "nav.search": "Search", "nav.flags": "Flags", "nav.paths": "Paths",
    "login.token": "Token", "login.enter": "Sign in", "login.leave": "Sign out",
    "login.needed": "Enter your token to sign in (an admin creates one with `vinculo tokens create`).",
    "search.title": "People, companies and public bodies", "search.placeholder": "Name, RFC or CURP",
    "search.go": "Search", "search.kind": "Kind", "search.any": "Any", "search.none": "No results.",
    "kind.person": "Person", "kind.company": "Company", "kind.public_body": "Public body",
    "entity.names": "Names as each source gave them", "entity.identifiers": "Identifiers",
    "entity.mentions": "Mentions (source record, score, explanation)", "entity.graph": "Neighbourhood",
    "entity.depth": "Depth", "entity.more": "and {n} more", "entity.merged": "This entity was merged from {id}.",
    "section.positions": "Positions", "section.holdings": "Holdings and control", "section.contracts": "Contracts and procedures",
    "section.sanctions": "Sanctions", "section.flags": "Flags", "section.family": "Family", "section.relations": "Other relations",
    "col.source": "Source", "col.record": "Record", "col.score": "Score", "col.decision": "Decision",
    "col.why": "Why", "col.name": "Name", "col.dates": "Dates", "col.details": "Details",
    "flags.title": "Triage queue", "flags.pattern": "Pattern", "flags.severity": "Severity", "flags.status": "Status",
    "flags.assignee": "Assignee", "flags.since": "Since", "flags.filter": "Filter", "flags.sentence": "Finding",
    "flags.none": "No flags match these filters.", "flags.all": "All",
    "flag.evidence": "Evidence path", "flag.steps": "Steps and source records", "flag.case": "Case",
    "flag.comment": "Comment", "flag.save": "Save", "flag.history": "History", "flag.saved": "Saved.",
    "flag.readonly": "Your role can only read.", "flag.no_edge": "no direct relationship",
    "status.new": "new", "status.in_progress": "in progress", "status.confirmed": "confirmed",
    "status.dismissed": "dismissed", "status.withdrawn": "withdrawn",
    "paths.title": "How is this official connected to this company?", "paths.from": "From", "paths.to": "To",
    "paths.max": "Maximum hops", "paths.find": "Find paths", "paths.none": "No path within that limit.",
    "paths.length": "{n} relationships",
  },
};

function currentLang() {
  return localStorage.getItem("vinculo.lang") || ((navigator.language || "es").startsWith("en") ? "en" : "es");
}

function t(key, vars) {
  const text = (LABELS[currentLang()] || LABELS.es)[key] || LABELS.es[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars && name in vars ? vars[name] : ""));
}

function translateStatic() {
  document.documentElement.lang = currentLang();
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  document.getElementById("lang").textContent = currentLang() === "es" ? "EN" : "ES";
}
