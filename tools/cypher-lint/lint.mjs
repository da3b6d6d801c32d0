// Lint Cypher with Neo4j's own linter (@neo4j-cypher/language-support).
// stdin: {"schema": {labels, relationshipTypes, ...}, "statements": [{name, text, params}]}
// stdout: [{name, diagnostics: [{severity, message, offsets}]}]
import { lintCypherQuery } from '@neo4j-cypher/language-support';

// Neo4j's built-in functions and procedures, as the language-support package records them
// from a real Neo4j 5 server (its test data): with them declared, a function or
// procedure that Neo4j does not have (FalkorDB's db.idx.fulltext.*, say) is an error.
const builtIns = await import(
  new URL('./node_modules/@neo4j-cypher/language-support/dist/esm/project/language-support/src/tests/testData.js', import.meta.url)
);
const { functions, procedures } = builtIns.testData.mockSchema;

let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const { schema, statements } = JSON.parse(input);
const out = statements.map((s) => {
  const parameters = Object.fromEntries((s.params || []).map((p) => [p, null]));
  const dbSchema = { ...schema, parameters, procedures, functions };
  const result = lintCypherQuery(s.text, dbSchema);
  return {
    name: s.name,
    diagnostics: result.diagnostics.map((d) => ({ severity: d.severity, message: d.message, offsets: d.offsets })),
  };
});
process.stdout.write(JSON.stringify(out));
