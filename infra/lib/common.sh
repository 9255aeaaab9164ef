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
  # The topology asked for in the environment (`make up TOPOLOGY=cluster`) wins over .env's.
  local asked="${STACK_TOPOLOGY:-}"
  set -a
  # shellcheck disable=SC1091
  source "$REPO_DIR/.env"
  set +a
  case "$STACK_DIR" in /*) ;; *) STACK_DIR="$REPO_DIR/$STACK_DIR" ;; esac
  export STACK_DIR
  LIB_DIR="$STACK_DIR/lib"
  LOG_DIR="$STACK_DIR/logs"
  RUN_DIR="$STACK_DIR/run"
  mkdir -p "$LIB_DIR" "$LOG_DIR" "$RUN_DIR"
  # A running stack keeps its topology until `make down`: status, stop, kill and down act
  # on what runs, whatever .env says now (RUN_DIR/topology, written by `up`).
  RUNNING_TOPOLOGY=""
  if [[ -f "$RUN_DIR/topology" ]] && any_service_running; then RUNNING_TOPOLOGY="$(cat "$RUN_DIR/topology")"; fi
  # What runs wins (down, status, stop and kill act on it); else the asked one; else .env's.
  # `up` refuses an asked topology other than the running one (ASKED_TOPOLOGY).
  # shellcheck disable=SC2034 # read by infra/bin/stack (cmd_up)
  ASKED_TOPOLOGY="$asked"
  STACK_TOPOLOGY="${RUNNING_TOPOLOGY:-${asked:-${STACK_TOPOLOGY:-single}}}"
  [[ "$STACK_TOPOLOGY" == single || "$STACK_TOPOLOGY" == cluster ]] \
    || die "STACK_TOPOLOGY must be single or cluster, got \"$STACK_TOPOLOGY\""
  export STACK_TOPOLOGY
  # Each topology has its own data and generated configuration (a cluster's Kafka is not
  # the single broker's); jars, logs and pid files are shared.
  if [[ "$STACK_TOPOLOGY" == cluster ]]; then
    DATA_DIR="$STACK_DIR/data-cluster"; CONF_DIR="$STACK_DIR/conf-cluster"
  else
    DATA_DIR="$STACK_DIR/data"; CONF_DIR="$STACK_DIR/conf"
  fi
  mkdir -p "$DATA_DIR" "$CONF_DIR"
  build_services
}

any_service_running() {
  local f pid
  for f in "$RUN_DIR"/*.pid; do
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && return 0
  done
  return 1
}

# ---- services and their instances ----------------------------------------------------
# A service kind (kafka, api, ...) has one instance in the single topology, named as the
# kind, and in the cluster topology instances named kind-1, kind-2, ... Each kind's file
# in infra/services defines <kind>_start, _ready, _port (and optionally _health, _setup,
# _group_setup), called with the instance's name and index (0 in single, 1.. in cluster).

SERVICE_KINDS=(mariadb kafka registry redis clickhouse connect haproxy api projector-redis projector-clickhouse)

# Items of a comma-separated list: csv_count LIST, csv_item LIST N (1-based).
csv_count() { local IFS=,; local -a a; read -ra a <<< "$1"; echo "${#a[@]}"; }
csv_item() { local IFS=,; local -a a; read -ra a <<< "$1"; echo "${a[$(($2 - 1))]}"; }

# The services, in start order: `make down` stops them in the reverse order.
build_services() {
  if [[ "$STACK_TOPOLOGY" != cluster ]]; then
    ALL_SERVICES=(mariadb kafka registry redis clickhouse connect api projector-redis projector-clickhouse)
    return 0
  fi
  local i
  ALL_SERVICES=()
  for ((i = 1; i <= $(csv_count "$MYSQL_SHARD_PORTS"); i++)); do ALL_SERVICES+=("mariadb-$i"); done
  for ((i = 1; i <= $(csv_count "$KAFKA_CLUSTER_PORTS"); i++)); do ALL_SERVICES+=("kafka-$i"); done
  for ((i = 1; i <= $(csv_count "$REDIS_CLUSTER_PORTS"); i++)); do ALL_SERVICES+=("redis-$i"); done
  for ((i = 1; i <= $(csv_count "$CLICKHOUSE_CLUSTER_HTTP_PORTS"); i++)); do ALL_SERVICES+=("clickhouse-$i"); done
  for ((i = 1; i <= $(csv_count "$REGISTRY_INSTANCE_PORTS"); i++)); do ALL_SERVICES+=("registry-$i"); done
  for ((i = 1; i <= $(csv_count "$CONNECT_WORKER_PORTS"); i++)); do ALL_SERVICES+=("connect-$i"); done
  ALL_SERVICES+=(haproxy)
  for ((i = 1; i <= $(csv_count "$API_INSTANCE_PORTS"); i++)); do ALL_SERVICES+=("api-$i"); done
  for ((i = 1; i <= PROJECTOR_INSTANCES; i++)); do ALL_SERVICES+=("projector-redis-$i"); done
  for ((i = 1; i <= PROJECTOR_INSTANCES; i++)); do ALL_SERVICES+=("projector-clickhouse-$i"); done
}

is_kind() { local k; for k in "${SERVICE_KINDS[@]}"; do [[ "$k" == "$1" ]] && return 0; done; return 1; }
# kafka-2 -> kafka, projector-redis-1 -> projector-redis, api -> api
kind_of() { if [[ "$1" =~ ^(.+)-([0-9]+)$ ]] && is_kind "${BASH_REMATCH[1]}"; then echo "${BASH_REMATCH[1]}"; else echo "$1"; fi; }
index_of() { if [[ "$1" =~ -([0-9]+)$ ]] && is_kind "$(kind_of "$1")" && [[ "$(kind_of "$1")" != "$1" ]]; then echo "${BASH_REMATCH[1]}"; else echo 0; fi; }
# Call a kind's function for an instance: svc start kafka-2 -> kafka_start kafka-2 2
svc() { local fn="$1" name="$2" kind; kind="$(kind_of "$name")"; "${kind}_${fn}" "$name" "$(index_of "$name")"; }
svc_has() { declare -F "$(kind_of "$2")_$1" >/dev/null; }
# The instances of the running topology that a name stands for: itself, or every instance of a kind.
instances_of() {
  local s found=0
  for s in "${ALL_SERVICES[@]}"; do
    if [[ "$s" == "$1" || "$(kind_of "$s")" == "$1" ]]; then echo "$s"; found=1; fi
  done
  ((found))
}
is_service() { instances_of "$1" >/dev/null; }
# The Kafka bootstrap list of the topology.
kafka_bootstrap() {
  if [[ "$STACK_TOPOLOGY" != cluster ]]; then echo "127.0.0.1:$KAFKA_PORT"; return 0; fi
  local i out=""
  for ((i = 1; i <= $(csv_count "$KAFKA_CLUSTER_PORTS"); i++)); do out+="${out:+,}127.0.0.1:$(csv_item "$KAFKA_CLUSTER_PORTS" "$i")"; done
  echo "$out"
}
# Replication of every topic: 1 in single, 3 (at most the brokers) with 2 in sync in cluster.
kafka_rf() { if [[ "$STACK_TOPOLOGY" == cluster ]]; then local n; n="$(csv_count "$KAFKA_CLUSTER_PORTS")"; echo $((n < 3 ? n : 3)); else echo 1; fi; }
kafka_min_isr() { if [[ "$STACK_TOPOLOGY" == cluster ]]; then local rf; rf="$(kafka_rf)"; echo $((rf < 2 ? rf : 2)); else echo 1; fi; }

service_file() { echo "$INFRA_DIR/services/$1.sh"; }
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
# (The supervisor rewrites the file; read while it does, it can be empty: that is 0.)
restart_count() { local n; n="$(cat "$RUN_DIR/$1.restarts" 2>/dev/null)"; echo "${n:-0}"; }

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

# redis-cli against the read model's Redis: the server (single), or any node of the Redis
# Cluster that answers, following redirections (-c).
stack_redis_cli() {
  if [[ "$STACK_TOPOLOGY" != cluster ]]; then redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; return; fi
  local i port
  for ((i = 1; i <= $(csv_count "$REDIS_CLUSTER_PORTS"); i++)); do
    port="$(csv_item "$REDIS_CLUSTER_PORTS" "$i")"
    if [[ "$(redis-cli -p "$port" ping 2>/dev/null)" == PONG ]]; then redis-cli -c -p "$port" "$@"; return; fi
  done
  return 1
}

# A projector instance's state for `make status`, from the status it publishes to Redis
# every few seconds while its consumer is alive (projectors/shared/status.ts): "running"
# only when that status is fresh; "stalled" when it is older than PROJECTOR_STALLED_AFTER_MS.
projector_health() {
  local name="$1" instance="$2" updated now age limit="${PROJECTOR_STALLED_AFTER_MS:-30000}"
  updated="$(stack_redis_cli HGET "ledger:projector:$name:$instance" updatedAt 2>/dev/null || true)"
  if [[ ! "$updated" =~ ^[0-9]+$ ]]; then
    echo "not reporting (no status in Redis; see $(log_file "$instance"))"
    return 0
  fi
  now="$(date +%s%3N)"
  age=$((now - updated))
  if ((age > limit)); then
    echo "stalled (last status $((age / 1000)) s ago; see $(log_file "$instance"))"
  else
    echo running
  fi
}
