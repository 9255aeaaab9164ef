#!/bin/sh
# One-shot job of docker-compose.cluster.yml: makes the nodes of REDIS_CLUSTER_PORTS (on
# 127.0.0.1) one Redis Cluster, one replica per master (6 nodes: 3 masters, 3 replicas).
# Idempotent: nodes that already form a cluster are left as they are. Exits 0 once every
# hash slot is served, non-zero with redis-cli's report otherwise.
set -eu

nodes=""
for p in $(printf '%s\n' "${REDIS_CLUSTER_PORTS:?}" | tr ',' ' '); do nodes="$nodes 127.0.0.1:$p"; done
port="$(printf '%s\n' "$REDIS_CLUSTER_PORTS" | cut -d, -f1 | tr -d ' ')"
first="127.0.0.1:$port"

known="$(redis-cli -h 127.0.0.1 -p "$port" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')"
if [ "${known:-0}" -gt 1 ]; then
  echo "redis-cluster-init: the nodes already form a cluster ($known nodes known to $first)"
else
  # shellcheck disable=SC2086 # one argument per node
  redis-cli --cluster create $nodes --cluster-replicas 1 --cluster-yes
fi

# Slots are assigned at once; every node agreeing on them takes a few seconds.
i=0
until redis-cli -h 127.0.0.1 -p "$port" cluster info | tr -d '\r' | grep -q '^cluster_state:ok$'; do
  i=$((i + 1))
  if [ "$i" -ge 60 ]; then
    redis-cli --cluster check "$first" || true
    echo "redis-cluster-init: the cluster is not ok after 60 s (a half-made cluster: redis-cli --cluster fix $first)" >&2
    exit 1
  fi
  sleep 1
done
redis-cli --cluster check "$first"
