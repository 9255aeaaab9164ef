#!/bin/sh
# One instance of a clustered part of docker-compose.cluster.yml. .env gives each part's
# instances as one list of ports (KAFKA_CLUSTER_PORTS=19092,19094,19096, ...), the same
# lists the local cluster topology and common/src/config.ts read; compose cannot index a
# list, so this script picks instance N's port, sets what that instance's image reads, and
# runs the image's own start command. Every instance listens on 127.0.0.1 (host networking).
#
#   cluster-node.sh run <kind> <n> [args...]   start instance n (args: the image's command, where it takes one)
#   cluster-node.sh check <kind> <n>           its health check (exit 0: healthy)
#
# kind: kafka (KAFKA_CLUSTER_PORTS; each controller on its port + 1), connect
# (CONNECT_WORKER_PORTS), registry (REGISTRY_INSTANCE_PORTS), redis (REDIS_CLUSTER_PORTS),
# api (API_INSTANCE_PORTS), mysql (MYSQL_SHARD_PORTS: the write model's shards, ADR 0011),
# clickhouse (CLICKHOUSE_CLUSTER_HTTP_PORTS, _TCP_PORTS and _INTERSERVER_PORTS), haproxy
# (every list; n is ignored).
set -eu

# The ports of list variable $1, one per line.
ports() {
  list=""
  eval "list=\"\${$1:-}\""
  [ -n "$list" ] || { echo "cluster-node.sh: $1 is not set" >&2; exit 1; }
  printf '%s\n' "$list" | tr ',' '\n' | tr -d ' ' | grep .
}

# The n-th port of list variable $1.
nth() {
  p="$(ports "$1" | sed -n "${2}p")"
  [ -n "$p" ] || { echo "cluster-node.sh: $1 has no port number $2" >&2; exit 1; }
  echo "$p"
}

# Exports PREFIX_1, PREFIX_2, ... (PREFIX = $2) from the ports of list variable $1.
export_each() {
  i=1
  for p in $(ports "$1"); do
    export "${2}_$i=$p"
    i=$((i + 1))
  done
}

# Every broker as <$1>127.0.0.1:<port>, comma-separated.
brokers() {
  out=""
  for p in $(ports KAFKA_CLUSTER_PORTS); do out="${out:+$out,}${1}127.0.0.1:$p"; done
  echo "$out"
}

mode="${1:?usage: cluster-node.sh run|check <kind> <n> [args...]}"
kind="${2:?kind missing}"
n="${3:?instance number missing}"
shift 3

case "$kind" in
  kafka) port="$(nth KAFKA_CLUSTER_PORTS "$n")" ;;
  connect) port="$(nth CONNECT_WORKER_PORTS "$n")" ;;
  registry) port="$(nth REGISTRY_INSTANCE_PORTS "$n")" ;;
  redis) port="$(nth REDIS_CLUSTER_PORTS "$n")" ;;
  api) port="$(nth API_INSTANCE_PORTS "$n")" ;;
  mysql) port="$(nth MYSQL_SHARD_PORTS "$n")" ;;
  clickhouse) port="$(nth CLICKHOUSE_CLUSTER_HTTP_PORTS "$n")" ;;
  haproxy) port="${HAPROXY_STATS_PORT:?}" ;;
  *) echo "cluster-node.sh: unknown kind $kind" >&2; exit 2 ;;
esac

if [ "$mode" = check ]; then
  case "$kind" in
    kafka)
      # Healthy once this broker's metadata lists every broker (all registered and unfenced).
      # The tool's JVM gets a small heap of its own: it runs beside the broker, within its memory limit.
      known="$(KAFKA_HEAP_OPTS='-Xms16m -Xmx64m' /opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server "127.0.0.1:$port" 2>/dev/null | grep -c '(id: ')" || true
      [ "$known" -eq "$(ports KAFKA_CLUSTER_PORTS | wc -l)" ] ;;
    connect) curl -sf "http://127.0.0.1:$port/connectors" >/dev/null ;;
    registry) curl -sf "http://127.0.0.1:$port/subjects" >/dev/null ;;
    redis) redis-cli -p "$port" ping | grep -q PONG ;;
    mysql) mysqladmin ping -h127.0.0.1 -P"$port" --silent ;;
    clickhouse) wget -qO- "http://127.0.0.1:$port/ping" | grep -q Ok ;;
    api) node -e "fetch('http://127.0.0.1:$port/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" ;;
    # HAProxy's monitor-uri answers 200 while at least one Connect worker and one registry are up.
    # (bash's /dev/tcp: the haproxy image has bash but no HTTP client)
    haproxy) bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && printf 'GET /health HTTP/1.0\r\n\r\n' >&3 && head -n1 <&3 | grep -q ' 200 '" ;;
  esac
  exit
fi
[ "$mode" = run ] || { echo "cluster-node.sh: unknown mode $mode" >&2; exit 2; }

case "$kind" in
  kafka)
    # Combined broker and controller; the controller quorum is every node.
    voters="" i=1
    for p in $(ports KAFKA_CLUSTER_PORTS); do
      voters="${voters:+$voters,}$i@127.0.0.1:$((p + 1))"
      i=$((i + 1))
    done
    export KAFKA_NODE_ID="$n"
    export KAFKA_CONTROLLER_QUORUM_VOTERS="$voters"
    export KAFKA_LISTENERS="PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))"
    export KAFKA_ADVERTISED_LISTENERS="PLAINTEXT://127.0.0.1:$port"
    exec /etc/kafka/docker/run ;;
  connect)
    # The Debezium image's entry point turns these into bootstrap.servers, listeners and
    # rest.advertised.host.name/port (it overwrites CONNECT_REST_ADVERTISED_* with them):
    # the other worker forwards requests to the leader at the advertised address.
    BOOTSTRAP_SERVERS="$(brokers '')"
    export BOOTSTRAP_SERVERS
    export CONNECT_LISTENERS="http://127.0.0.1:$port"
    export REST_HOST_NAME=127.0.0.1 REST_PORT="$port" ADVERTISED_HOST_NAME=127.0.0.1 ADVERTISED_PORT="$port"
    exec /docker-entrypoint.sh start ;;
  registry)
    # Instances are told apart by host and port; both are leader-eligible, on one _schemas topic.
    SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS="$(brokers PLAINTEXT://)"
    export SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS
    export SCHEMA_REGISTRY_LISTENERS="http://127.0.0.1:$port"
    exec /etc/confluent/docker/run ;;
  redis)
    # Each node keeps its files (nodes.conf, AOF) in its own folder of the shared volume;
    # the image's entry point gives /data to the redis user and drops root.
    mkdir -p "/data/$port"
    exec docker-entrypoint.sh redis-server --port "$port" --dir "/data/$port" \
      --cluster-enabled yes --cluster-config-file nodes.conf "$@" ;;
  api)
    export API_LISTEN_PORT="$port"
    exec "$@" ;;
  mysql)
    # docker-compose.yml's mysqld options, then this shard's port and server id (the later
    # option wins): every shard a binlog and a replication identity of its own.
    exec docker-entrypoint.sh mysqld "$@" --port="$port" --server-id="$((MYSQL_SERVER_ID + n - 1))" ;;
  clickhouse)
    # clickhouse-cluster.xml reads this server's ports and every shard's TCP port.
    export CLICKHOUSE_HTTP_PORT="$port"
    CLICKHOUSE_TCP_PORT="$(nth CLICKHOUSE_CLUSTER_TCP_PORTS "$n")"
    CLICKHOUSE_INTERSERVER_PORT="$(nth CLICKHOUSE_CLUSTER_INTERSERVER_PORTS "$n")"
    export CLICKHOUSE_TCP_PORT CLICKHOUSE_INTERSERVER_PORT
    export_each CLICKHOUSE_CLUSTER_TCP_PORTS CLICKHOUSE_SHARD_TCP_PORT
    exec /entrypoint.sh ;;
  haproxy)
    # haproxy.cfg names each instance as "${API_INSTANCE_PORT_1}" and so on.
    export_each API_INSTANCE_PORTS API_INSTANCE_PORT
    export_each CONNECT_WORKER_PORTS CONNECT_WORKER_PORT
    export_each REGISTRY_INSTANCE_PORTS REGISTRY_INSTANCE_PORT
    exec "$@" ;;
esac
