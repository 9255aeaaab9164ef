# The clickhouse projector (projectors/clickhouse): points.events -> the clickhouse read model.
# single: one process; cluster: projector-clickhouse-1.. (PROJECTOR_INSTANCES), members of one
# consumer group that share the partitions.
# shellcheck shell=bash

projector-clickhouse_port() { echo "-"; }

projector-clickhouse_start() {
  spawn "$1" env -C "$REPO_DIR" INSTANCE_NAME="$1" "$REPO_DIR/node_modules/.bin/tsx" projectors/clickhouse/main.ts
}

# Ready once it has joined its consumer group.
projector-clickhouse_ready() { log_since_start "$1" | grep '"projector started"' >/dev/null; }

projector-clickhouse_health() { projector_health clickhouse "$1"; }
