# The redis projector (projectors/redis): points.events -> the redis read model.
# single: one process; cluster: projector-redis-1.. (PROJECTOR_INSTANCES), members of one
# consumer group that share the partitions.
# shellcheck shell=bash

projector-redis_port() { echo "-"; }

projector-redis_start() {
  spawn "$1" env -C "$REPO_DIR" INSTANCE_NAME="$1" "$REPO_DIR/node_modules/.bin/tsx" projectors/redis/main.ts
}

# Ready once it has joined its consumer group.
projector-redis_ready() { log_since_start "$1" | grep '"projector started"' >/dev/null; }

projector-redis_health() { projector_health redis "$1"; }
