# The point ledger API (Fastify), run from the TypeScript sources with tsx.
# shellcheck shell=bash

api_port() { echo "$API_PORT"; }

api_start() {
  spawn api env -C "$REPO_DIR" "$REPO_DIR/node_modules/.bin/tsx" api/src/main.ts
}

api_ready() { curl -sf --max-time 2 "http://127.0.0.1:$API_PORT/health" >/dev/null; }
