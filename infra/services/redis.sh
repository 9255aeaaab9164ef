# Redis (Debian package), own port and data folder, append-only file on.
# shellcheck shell=bash

redis_port() { echo "$REDIS_PORT"; }

redis_start() {
  local data="$DATA_DIR/redis"
  mkdir -p "$data"
  spawn redis "$(command -v redis-server)" --port "$REDIS_PORT" --bind 127.0.0.1 \
    --dir "$data" --daemonize no --logfile "" --save "" \
    --appendonly yes --appendfsync everysec --protected-mode yes
}

redis_ready() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }
