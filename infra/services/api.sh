# The point ledger API (Fastify), run from the TypeScript sources with tsx.
# single: one process on API_PORT. cluster: api-1.. on API_INSTANCE_PORTS behind HAProxy,
# which serves API_PORT.
# shellcheck shell=bash

api_port() { if (($2 == 0)); then echo "$API_PORT"; else csv_item "$API_INSTANCE_PORTS" "$2"; fi; }

api_start() {
  spawn "$1" env -C "$REPO_DIR" INSTANCE_NAME="$1" API_LISTEN_PORT="$(api_port "$1" "$2")" \
    "$REPO_DIR/node_modules/.bin/tsx" api/src/main.ts
}

api_ready() { curl -sf --max-time 2 "http://127.0.0.1:$(api_port "$1" "$2")/health" >/dev/null; }
