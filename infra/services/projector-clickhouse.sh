# The clickhouse projector (projectors/clickhouse): points.events -> the clickhouse read model.
# shellcheck shell=bash

projector-clickhouse_port() { echo "-"; }

projector-clickhouse_start() {
  spawn projector-clickhouse env -C "$REPO_DIR" "$REPO_DIR/node_modules/.bin/tsx" projectors/clickhouse/main.ts
}

# Ready once it has joined its consumer group.
projector-clickhouse_ready() { log_since_start projector-clickhouse | grep '"projector started"' >/dev/null; }

projector-clickhouse_health() { projector_health clickhouse; }
