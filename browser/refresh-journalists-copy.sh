#!/usr/bin/env bash
# Refresh the journalists' read-only copy of the graph (docker compose, Neo4j Community).
# Community dumps and loads databases offline only, so the production Neo4j and the writers stop for
# the dump (a minute or two for millions of nodes), then everything starts again.
# Run from the repository root, with .env set (NEO4J_PASSWORD, NEO4J_JOURNALISTS_PASSWORD).
set -euo pipefail
cd "$(dirname "$0")/.."

docker compose stop worker scheduler neo4j
docker compose --profile journalists-refresh run --rm neo4j-dump
docker compose start neo4j worker scheduler

docker compose --profile journalists stop neo4j-journalists journalists-kit || true
docker compose --profile journalists-refresh run --rm neo4j-journalists-load
docker compose --profile journalists up -d neo4j-journalists journalists-kit
echo "journalists: Neo4j Browser on http://localhost:7475 (connect to neo4j://localhost:7688), kit and reconciliation on http://localhost:8000"
