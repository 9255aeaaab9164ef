# The redis projector (projectors/redis): points.events -> the redis read model.
# shellcheck shell=bash

projector-redis_port() { echo "-"; }

projector-redis_start() {
  spawn projector-redis env -C "$REPO_DIR" "$REPO_DIR/node_modules/.bin/tsx" projectors/redis/main.ts
}

# Ready once it has joined its consumer group.
projector-redis_ready() { log_since_start projector-redis | grep '"projector started"' >/dev/null; }

projector-redis_health() { projector_health redis; }
