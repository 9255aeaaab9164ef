#!/usr/bin/env bash
# Schemathesis (PyPI, installed by `make install` into $STACK_DIR/venv) against the
# running API's OpenAPI document (/docs/json): every operation with generated valid and
# invalid requests, then stateful sequences through the document's links. A run fails on
#   not_a_server_error           any 5xx (but 504 PROJECTION_BEHIND of a balance, see
#                                infra/schemathesis.toml)
#   status_code_conformance      a status the document does not list for the operation
#   response_schema_conformance  a body that does not fit the documented schema
#   content_type_conformance     a Content-Type the document does not list
#
#   infra/scripts/schemathesis.sh [MAX_EXAMPLES] [more `schemathesis run` options...]
#
# MAX_EXAMPLES (per operation and phase) is the first argument, else $SCHEMATHESIS_EXAMPLES,
# else 50 (the short form of `make test`; `make fuzz` runs 300). $SCHEMATHESIS_SEED
# replays a run (each run prints its seed); $SCHEMATHESIS_WORKERS (default 1: with two
# threads, Python 3.11's ast.parse, which Hypothesis calls while generating, now and then
# fails with "AST constructor recursion depth mismatch", CPython gh-106905).
# Output goes to stdout; schemathesis's own files (its example database, junit.xml of the
# last run) to $STACK_DIR/schemathesis. The commands it sends are real: the users it makes
# ("0", "00", ...) stay in the ledger, which keeps its invariants for them as for anyone.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib/common.sh
source "$(dirname "$0")/../lib/common.sh"
load_env

examples="${SCHEMATHESIS_EXAMPLES:-50}"
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then examples="$1"; shift; fi
st="$STACK_DIR/venv/bin/schemathesis"
[[ -x "$st" ]] || die "schemathesis is not installed in $STACK_DIR/venv: run make install"

# One key with every scope the operations need (commands, queries, admin), so no
# operation is tested only up to its 403. In .env.example that is the admin key; its rate
# limit (API_RATE_LIMIT_PER_SECOND) is far above what Schemathesis sends.
key=""
IFS=',' read -ra entries <<< "${API_KEYS:-}"
for entry in "${entries[@]}"; do
  IFS='/' read -r _name scopes secret _limit <<< "$entry"
  if [[ "+$scopes+" == *"+admin+"* && "+$scopes+" == *"+points:write+"* && "+$scopes+" == *"+points:read+"* ]]; then
    key="$secret"; break
  fi
done
[[ -n "$key" ]] || die "no key in API_KEYS has all of admin, points:write and points:read (the admin key of .env.example has)"

url="http://127.0.0.1:$API_PORT"
curl -sf -o /dev/null --max-time 5 "$url/health" || die "the API does not answer at $url/health: make up"

work="$STACK_DIR/schemathesis"
mkdir -p "$work"
seed=()
[[ -n "${SCHEMATHESIS_SEED:-}" ]] && seed=(--seed "$SCHEMATHESIS_SEED")

log "schemathesis $("$st" --version | awk '{print $NF}') against $url/docs/json, $examples examples per operation"
# The key goes in through the environment (infra/schemathesis.toml), not the command line.
export SCHEMATHESIS_API_KEY="$key"
# Run from $work: schemathesis keeps its caches and example database in the working folder.
cd "$work" || die "cannot enter $work"
exec "$st" --no-color --config-file "$INFRA_DIR/schemathesis.toml" run "$url/docs/json" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
  --max-examples "$examples" \
  --workers "${SCHEMATHESIS_WORKERS:-1}" \
  --report junit --report-junit-path "$work/junit.xml" \
  "${seed[@]}" "$@"
