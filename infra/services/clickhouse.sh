# ClickHouse servers (Debian package clickhouse-server 18.16), own ports and data folders.
# single: one server on CLICKHOUSE_HTTP_PORT/CLICKHOUSE_TCP_PORT. cluster (ADR 0012):
# clickhouse-1.. on CLICKHOUSE_CLUSTER_HTTP_PORTS/_TCP_PORTS/_INTERSERVER_PORTS (the first
# on the single topology's ports, the entry the Node services use), each one shard of the
# cluster CLICKHOUSE_CLUSTER_NAME (one replica each, no ZooKeeper), named in every
# server's remote_servers.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the templates' variables (render reads them by name)

clickhouse_http_port() { if (($2 == 0)); then echo "$CLICKHOUSE_HTTP_PORT"; else csv_item "$CLICKHOUSE_CLUSTER_HTTP_PORTS" "$2"; fi; }
clickhouse_tcp_port() { if (($2 == 0)); then echo "$CLICKHOUSE_TCP_PORT"; else csv_item "$CLICKHOUSE_CLUSTER_TCP_PORTS" "$2"; fi; }
clickhouse_port() { clickhouse_http_port "$@"; }

# The <remote_servers> entries: in cluster one shard per server, each its only replica;
# the Distributed table's remote reads and inserts log in as the writer. Empty in single.
clickhouse_remote_servers() {
  [[ "$STACK_TOPOLOGY" == cluster ]] || return 0
  local i out="<$CLICKHOUSE_CLUSTER_NAME>"
  for ((i = 1; i <= $(csv_count "$CLICKHOUSE_CLUSTER_TCP_PORTS"); i++)); do
    out+="<shard><internal_replication>false</internal_replication><replica><host>127.0.0.1</host>"
    out+="<port>$(csv_item "$CLICKHOUSE_CLUSTER_TCP_PORTS" "$i")</port>"
    out+="<user>$CLICKHOUSE_WRITER_USER</user><password>$CLICKHOUSE_WRITER_PASSWORD</password></replica></shard>"
  done
  echo "$out</$CLICKHOUSE_CLUSTER_NAME>"
}

clickhouse_start() {
  local name="$1" idx="$2" conf="$CONF_DIR/$1"
  # The templates' variables (infra/conf/clickhouse/config.xml).
  CLICKHOUSE_NAME="$name"
  CLICKHOUSE_DATA="$DATA_DIR/$name"
  CLICKHOUSE_LISTEN_HTTP_PORT="$(clickhouse_http_port "$name" "$idx")"
  CLICKHOUSE_LISTEN_TCP_PORT="$(clickhouse_tcp_port "$name" "$idx")"
  # cluster: each server's interserver port, which only replication uses (none today,
  # ADR 0012); the single server has none, as before.
  CLICKHOUSE_INTERSERVER=""
  ((idx > 0)) && CLICKHOUSE_INTERSERVER="<interserver_http_port>$(csv_item "$CLICKHOUSE_CLUSTER_INTERSERVER_PORTS" "$idx")</interserver_http_port><interserver_http_host>127.0.0.1</interserver_http_host>"
  CLICKHOUSE_REMOTE_SERVERS="$(clickhouse_remote_servers)"
  export LOG_DIR
  mkdir -p "$CLICKHOUSE_DATA" "$conf"
  render "$INFRA_DIR/conf/clickhouse/config.xml" "$conf/config.xml"
  render "$INFRA_DIR/conf/clickhouse/users.xml" "$conf/users.xml"
  chmod 600 "$conf/config.xml" "$conf/users.xml"
  spawn "$name" "$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)" \
    --config-file="$conf/config.xml"
}

clickhouse_ready() { [[ "$(curl -sf --max-time 2 "http://127.0.0.1:$(clickhouse_http_port "$1" "$2")/ping")" == Ok.* ]]; }

# The analytics database, on every server, once all answer (@clickhouse/client, like
# every ClickHouse call); the tables belong to the ClickHouse projector.
clickhouse_group_setup() {
  node_step "clickhouse: creating the database" infra/scripts/clickhouse-database.ts
}
