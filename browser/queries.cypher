// Vínculo: the journalists' questions, for Neo4j Browser 5.
// kit-version: 1
//
// Every query is read-only and parameterised: set its parameters with the `:param` lines its
// header gives (`// @param name value`, the value as JSON), then run it. The guide
// (`:guide …/browser/guide/es.html`) shows the same queries with buttons that fill the editor.
// Browser favourites cannot be shared or exported; this file can: it is versioned with
// Vínculo, and `make test` checks every query with Neo4j's own Cypher linter and asks the same
// questions of the embedded graph.
//
// A link is not proof of wrongdoing. Namesakes exist. Check the sources.
//
// Header keys: @name (stable id), @title.es / @title.en, @about.es / @about.en,
// @param NAME JSON-VALUE (an example from the demo data), @dialect portable | neo4j
// (neo4j: Vínculo answers the same question on FalkorDB with its own twin, see
// engine/graph/questions.py) and @browser-only (a Browser command with no question behind it).

// @name find
// @dialect portable
// @title.es Buscar una persona, empresa o institución
// @title.en Find a person, company or public body
// @about.es Por parte del nombre (sin distinguir mayúsculas; los acentos sí cuentan), por RFC, CURP o por el id de Vínculo. Empieza aquí: el id que aparece sirve en las demás consultas.
// @about.en By part of the name (case-insensitive; accents count), by RFC, CURP or Vínculo id. Start here: the id it shows works in every other query.
// @param name "Gruas Fletes"
MATCH (e)
WHERE (e:Person OR e:Company OR e:PublicBody)
  AND (e.id = $name OR e.rfc = toUpper($name) OR e.curp = toUpper($name)
       OR toLower(e.name) CONTAINS toLower($name))
RETURN e, labels(e)[0] AS kind, e.name AS name, e.rfc AS rfc, e.id AS id, e.sources AS sources
ORDER BY name
LIMIT 50;

// @name owners
// @dialect portable
// @title.es ¿Quién está detrás de esta empresa?
// @title.en Who is behind this company?
// @about.es Dueños, directivos y representantes, y las cadenas de empresas hasta `depth` saltos (máximo 6). Cada declaración de participación es una relación aparte: una misma cadena puede salir varias veces, una por declaración.
// @about.en Owners, directors and representatives, and chains of companies up to `depth` hops (at most 6). Each declared stake is a relationship of its own: one chain may appear several times, once per declaration.
// @param company "Gruas Fletes"
// @param depth 3
MATCH (c:Company)
WHERE c.id = $company OR c.rfc = toUpper($company) OR toLower(c.name) CONTAINS toLower($company)
MATCH path = (holder)-[:OWNS|DIRECTS|REPRESENTS*1..6]->(c)
WHERE length(path) <= $depth
RETURN path, c.name AS company, holder.name AS holder, labels(holder)[0] AS kind, length(path) AS hops,
       [r IN relationships(path) | type(r)] AS ties, [r IN relationships(path) | r.share] AS shares,
       [r IN relationships(path) | coalesce(r.declared_on, r.start)] AS since
ORDER BY hops, holder;

// @name officials_of_suppliers
// @dialect portable
// @title.es ¿Qué servidores públicos están ligados a proveedores de esta institución?
// @title.en Which officials are tied to suppliers of this public body?
// @about.es Servidores con un cargo en la institución (la que encabeza a la unidad que buscas, y cualquiera de sus unidades) que, ellos o un familiar, son dueños, dirigen o representan —directamente o por una cadena de hasta `depth` empresas— a un proveedor de la institución o de sus unidades. Compara las fechas del cargo y del vínculo con las del contrato antes de concluir nada.
// @about.en Officials holding a post at the institution (the one at the head of the unit you look for, or any of its units) who, themselves or a relative, own, direct or represent — directly or through a chain of up to `depth` companies — a supplier of the institution or its units. Compare the dates of the post and of the tie with the contract's before concluding anything.
// @param body "Grupo Aeroportuario"
// @param depth 3
MATCH (b:PublicBody)
WHERE b.id = $body OR toLower(b.name) CONTAINS toLower($body)
MATCH (b)-[:PART_OF*0..3]->(top:PublicBody)
WHERE NOT (top)-[:PART_OF]->(:PublicBody)
MATCH (unit:PublicBody)-[:PART_OF*0..3]->(top)
MATCH (unit)-[:BUYER_OF]->(:ContractingProcess)-[:AWARDED]->(k)<-[:SUPPLIES]-(s:Company)
MATCH (o:Person)-[pos:HOLDS_POSITION]->(:PublicBody)-[:PART_OF*0..3]->(top)
MATCH tie = (o)-[:FAMILY_OF*0..1]-(:Person)-[:OWNS|DIRECTS|REPRESENTS*1..6]->(s)
WHERE size([r IN relationships(tie) WHERE type(r) <> 'FAMILY_OF']) <= $depth
RETURN tie, b.name AS body, top.name AS institution, o.name AS official, o.id AS official_id, pos.role AS post, pos.start AS post_start,
       pos.end AS post_end, s.name AS supplier, s.id AS supplier_id,
       [n IN nodes(tie) | n.name] AS via, [r IN relationships(tie) | type(r)] AS ties,
       collect(DISTINCT k.title) AS contracts
ORDER BY official, supplier;

// @name flags
// @dialect portable
// @title.es Todas las alertas de un patrón, con su camino
// @title.en Every flag of a pattern, with its path
// @about.es Cada alerta con su frase, su puntaje y las entidades que la sustentan, unidas por las relaciones que hay entre ellas. `path` lista los ids del camino en orden. Patrones: P001 lista 69-B, P002 cargo y proveedor, P003 cadena de empresas, P004 intervención (S2), P005 proveedor sancionado, P006 vínculo con sancionado, P007–P011 banderas de contratación.
// @about.en Each flag with its sentence, its score and the entities behind it, joined by the relationships between them. `path` lists the ids of the path in order. Patterns: P001 69-B list, P002 post and supplier, P003 chain of companies, P004 intervention (S2), P005 sanctioned supplier, P006 tie to a sanctioned party, P007–P011 procurement red flags.
// @param pattern "P002"
MATCH (f:Flag)-[:CONCERNS]->(e)
WHERE f.pattern = $pattern AND f.status <> 'withdrawn'
WITH f, collect(DISTINCT e) AS evidence
UNWIND evidence AS a
OPTIONAL MATCH (a)-[r]->(b)
WHERE b IN evidence
WITH f, evidence, collect(DISTINCT r) AS links
RETURN f, evidence, links, f.id AS id, f.severity AS severity, f.score AS score, f.status AS status,
       f.sentence AS sentence, f.evidence AS path
ORDER BY score DESC, id;

// @name shortest_path
// @dialect neo4j
// @title.es El camino más corto entre dos nombres
// @title.en The shortest path between two names
// @about.es Cualquier cadena de relaciones (cargos, participaciones, familia, contratos, domicilios, sanciones) de hasta 8 pasos entre dos entidades, sin pasar por menciones, alertas ni declaraciones. Un camino largo rara vez significa algo.
// @about.en Any chain of relationships (posts, stakes, family, contracts, addresses, sanctions) of up to 8 steps between two entities, never through mentions, flags or declarations. A long path rarely means anything.
// @param from "Beatriz García González"
// @param to "Servicio de Administración Tributaria"
MATCH (a)
WHERE (a:Person OR a:Company OR a:PublicBody)
  AND (a.id = $from OR a.rfc = toUpper($from) OR toLower(a.name) CONTAINS toLower($from))
MATCH (b)
WHERE (b:Person OR b:Company OR b:PublicBody) AND b <> a
  AND (b.id = $to OR b.rfc = toUpper($to) OR toLower(b.name) CONTAINS toLower($to))
MATCH path = shortestPath((a)-[*..8]-(b))
WHERE none(n IN nodes(path) WHERE n:Mention OR n:Flag OR n:Declaration)
RETURN path, a.name AS from, b.name AS to, length(path) AS hops,
       [n IN nodes(path) | coalesce(n.name, n.title, n.id)] AS via,
       [r IN relationships(path) | type(r)] AS ties
ORDER BY hops, from, to
LIMIT 10;

// @name body_contracts
// @dialect portable
// @title.es Los contratos de una institución y las sanciones de sus proveedores
// @title.en The contracts of a public body and their suppliers' sanctions
// @about.es Cada contrato que la institución (o una de sus unidades) adjudicó, con su proveedor y las sanciones que pesan sobre él (lista 69-B del SAT, PDN S3…) con sus fechas: una sanción posterior al contrato no dice nada del contrato.
// @about.en Every contract the body (or one of its units) awarded, with its supplier and the sanctions on the supplier (SAT's 69-B list, PDN S3…) with their dates: a sanction after the contract says nothing about the contract.
// @param body "Grupo Aeroportuario"
MATCH (b:PublicBody)
WHERE b.id = $body OR toLower(b.name) CONTAINS toLower($body)
MATCH (unit:PublicBody)-[:PART_OF*0..3]->(b)
MATCH route = (unit)-[buyer:BUYER_OF]->(p:ContractingProcess)-[:AWARDED]->(k)<-[:SUPPLIES]-(s)
OPTIONAL MATCH (sn:Sanction)-[:SANCTIONED]->(s)
RETURN route, collect(sn) AS sanction_nodes, b.name AS body, unit.name AS unit, buyer.role AS role, p.ocid AS ocid,
       k.id AS contract_id, k.title AS contract, k.amount AS amount, k.currency AS currency,
       k.date_signed AS signed, s.name AS supplier, s.id AS supplier_id, s.rfc AS rfc,
       collect(DISTINCT coalesce(sn.program, sn.collection, sn.name) + ' ' + coalesce(sn.status, '')
               + ' ' + coalesce(sn.start, sn.listed_on, '') + '…' + coalesce(sn.end, '')) AS sanctions
ORDER BY amount DESC, contract_id;

// @name model
// @dialect neo4j
// @browser-only
// @title.es El modelo de datos
// @title.en The data model
// @about.es Las etiquetas y los tipos de relación del grafo, como los guarda Neo4j.
// @about.en The graph's labels and relationship types, as Neo4j stores them.
CALL db.schema.visualization();
