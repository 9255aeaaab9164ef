# ClickHouse server (Debian package clickhouse-server 18.16), own ports and data folder.
# shellcheck shell=bash

clickhouse_port() { echo "$CLICKHOUSE_HTTP_PORT"; }
CLICKHOUSE_DATA="$DATA_DIR/clickhouse"

clickhouse_start() {
  export CLICKHOUSE_DATA LOG_DIR
  mkdir -p "$CLICKHOUSE_DATA" "$CONF_DIR/clickhouse"
  render "$INFRA_DIR/conf/clickhouse/config.xml" "$CONF_DIR/clickhouse/config.xml"
  render "$INFRA_DIR/conf/clickhouse/users.xml" "$CONF_DIR/clickhouse/users.xml"
  chmod 600 "$CONF_DIR/clickhouse/users.xml"
  spawn clickhouse "$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)" \
    --config-file="$CONF_DIR/clickhouse/config.xml"
}

clickhouse_ready() { [[ "$(curl -sf --max-time 2 "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/ping")" == Ok.* ]]; }

# The analytics database; the tables belong to the ClickHouse projector.
clickhouse_setup() {
  curl -sf --max-time 10 -u "$CLICKHOUSE_WRITER_USER:$CLICKHOUSE_WRITER_PASSWORD" \
    --data-binary "CREATE DATABASE IF NOT EXISTS $CLICKHOUSE_DATABASE" \
    "http://127.0.0.1:$CLICKHOUSE_HTTP_PORT/" >/dev/null
}
