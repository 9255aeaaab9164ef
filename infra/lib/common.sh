# Shared helpers of the local stack scripts. Sourced, never run.
# shellcheck shell=bash

set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
INFRA_DIR="$REPO_DIR/infra"

# Console output: short, prefixed, to stderr so that stdout stays usable.
log()  { printf '\033[1;34m[stack]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m[stack]\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31m[stack]\033[0m %s\n' "$*" >&2; exit 1; }

# .env: created from .env.example on first use, with every __GENERATE__ replaced
# by a fresh random secret, then exported to every script and service.
generate_secrets() {
  local line="$1"
  while [[ "$line" == *__GENERATE__* ]]; do
    line="${line/__GENERATE__/$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}"
  done
  printf '%s\n' "$line"
}

ensure_env() {
  local env_file="$REPO_DIR/.env" line var
  if [[ ! -f "$env_file" ]]; then
    log "creating .env from .env.example (generated secrets)"
    : > "$env_file"
    chmod 600 "$env_file"
    while IFS= read -r line || [[ -n "$line" ]]; do generate_secrets "$line" >> "$env_file"; done < "$REPO_DIR/.env.example"
    return 0
  fi
  # Variables added to .env.example since this .env was made are appended to it.
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^([A-Z_][A-Z0-9_]*)= ]] || continue
    var="${BASH_REMATCH[1]}"
    if ! grep -q "^$var=" "$env_file"; then
      log ".env: adding $var (new in .env.example)"
      generate_secrets "$line" >> "$env_file"
    fi
  done < "$REPO_DIR/.env.example"
  # API keys added to .env.example's API_KEYS since then are added to .env's (by name).
  local current entry entries
  current="$(grep -m1 '^API_KEYS=' "$env_file" | cut -d= -f2-)"
  IFS=',' read -ra entries <<< "$(grep -m1 '^API_KEYS=' "$REPO_DIR/.env.example" | cut -d= -f2-)"
  for entry in "${entries[@]}"; do
    if [[ ",$current" != *",${entry%%/*}/"* ]]; then
      log ".env: adding API key ${entry%%/*} to API_KEYS (new in .env.example)"
      current="$current,$(generate_secrets "$entry")"
      sed -i "s|^API_KEYS=.*|API_KEYS=$current|" "$env_file"
    fi
  done
}

load_env() {
  ensure_env
  set -a
  # shellcheck disable=SC1091
  source "$REPO_DIR/.env"
  set +a
  case "$STACK_DIR" in /*) ;; *) STACK_DIR="$REPO_DIR/$STACK_DIR" ;; esac
  export STACK_DIR
  LIB_DIR="$STACK_DIR/lib"
  DATA_DIR="$STACK_DIR/data"
  LOG_DIR="$STACK_DIR/logs"
  RUN_DIR="$STACK_DIR/run"
  CONF_DIR="$STACK_DIR/conf"
  mkdir -p "$LIB_DIR" "$DATA_DIR" "$LOG_DIR" "$RUN_DIR" "$CONF_DIR"
}

# The services, in start order; `make up` starts every one whose dependencies are ready.
ALL_SERVICES=(mariadb kafka registry redis clickhouse connect api projector-redis projector-clickhouse)

service_file() { echo "$INFRA_DIR/services/$1.sh"; }
is_service() { local s; for s in "${ALL_SERVICES[@]}"; do [[ "$s" == "$1" ]] && return 0; done; return 1; }
pid_file() { echo "$RUN_DIR/$1.pid"; }
log_file() { echo "$LOG_DIR/$1.log"; }

# The pid of a running service (its supervisor, infra/lib/supervise.sh), or nothing.
service_pid() {
  local f; f="$(pid_file "$1")"
  [[ -f "$f" ]] || return 0
  local pid; pid="$(cat "$f")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
}

# The pid of the service's own process (the supervisor's child), or nothing while it
# is being restarted.
child_pid() {
  local f="$RUN_DIR/$1.child" pid
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; fi
}

# How often the supervisor restarted the service since it was started.
restart_count() { cat "$RUN_DIR/$1.restarts" 2>/dev/null || echo 0; }

# Start a command in its own session, detached, under the supervisor, output to the
# service's log.
spawn() {
  local name="$1"; shift
  local log; log="$(log_file "$name")"
  printf '\n===== %s starting: %s =====\n' "$(date -u +%FT%TZ)" "$name" >> "$log"
  rm -f "$RUN_DIR/$name.child"
  setsid "$INFRA_DIR/lib/supervise.sh" "$name" "$RUN_DIR" -- "$@" >> "$log" 2>&1 < /dev/null &
  echo $! > "$(pid_file "$name")"
}

# The service's log from its latest start on.
# (No early-closing pipes here: under pipefail a reader that quits early fails the pipeline.)
log_since_start() {
  local f n; f="$(log_file "$1")"
  [[ -f "$f" ]] || return 0
  n="$(grep -n '^===== .* starting: ' "$f" | tail -n 1 | cut -d: -f1)"
  tail -n "+${n:-1}" "$f"
}

# Wait until a check command succeeds; fail if the service died (or crashed and was
# restarted by its supervisor) or time ran out.
wait_until() {
  local name="$1" timeout="$2"; shift 2
  local deadline=$((SECONDS + timeout)) restarts
  restarts="$(restart_count "$name")"
  while (( SECONDS < deadline )); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [[ -z "$(service_pid "$name")" ]] || (( $(restart_count "$name") > restarts )); then
      return 2
    fi
    sleep 0.3
  done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Fill ${VAR} placeholders of a template from the environment (only the variables named in it).
render() {
  local src="$1" dst="$2" content var
  content="$(cat "$src")"
  # shellcheck disable=SC2016 # the pattern is literal: ${NAME} placeholders
  for var in $(grep -oE '\$\{[A-Z_][A-Z0-9_]*\}' "$src" | sort -u | tr -d '${}'); do
    [[ -n "${!var+x}" ]] || die "template $src needs \$$var, which is not set"
    content="${content//\$\{$var\}/${!var}}"
  done
  printf '%s\n' "$content" > "$dst"
}

java_bin() { command -v java || die "java not found (JDK 17 is required)"; }

# Which OS user the database servers run as: they refuse root unless told.
run_user() { id -un; }

# A projector's state for `make status`, from the status it publishes to Redis every few
# seconds while its consumer is alive (projectors/shared/status.ts): "running" only when
# that status is fresh; "stalled" when it is older than PROJECTOR_STALLED_AFTER_MS.
projector_health() {
  local name="$1" service="projector-$1" updated now age limit="${PROJECTOR_STALLED_AFTER_MS:-30000}"
  updated="$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" HGET "ledger:projector:$name" updatedAt 2>/dev/null || true)"
  if [[ ! "$updated" =~ ^[0-9]+$ ]]; then
    echo "not reporting (no status in Redis; see $(log_file "$service"))"
    return 0
  fi
  now="$(date +%s%3N)"
  age=$((now - updated))
  if ((age > limit)); then
    echo "stalled (last status $((age / 1000)) s ago; see $(log_file "$service"))"
  else
    echo running
  fi
}
