// Lint Cypher with Neo4j's own linter (@neo4j-cypher/language-support).
// stdin: {"schema": {labels, relationshipTypes, ...}, "statements": [{name, text, params}]}
// stdout: [{name, diagnostics: [{severity, message, offsets}]}]
import { lintCypherQuery } from '@neo4j-cypher/language-support';

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const { schema, statements } = JSON.parse(input);
const out = statements.map((s) => {
  const parameters = Object.fromEntries((s.params || []).map((p) => [p, null]));
  const dbSchema = { ...schema, parameters, procedures: schema.procedures || {}, functions: schema.functions || {} };
  const result = lintCypherQuery(s.text, dbSchema);
  return {
    name: s.name,
    diagnostics: result.diagnostics.map((d) => ({ severity: d.severity, message: d.message, offsets: d.offsets })),
  };
});
process.stdout.write(JSON.stringify(out));
