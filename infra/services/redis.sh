# Redis (Debian package), own ports and data folders, append-only file on.
# single: one server on REDIS_PORT. cluster: redis-1.. on REDIS_CLUSTER_PORTS, made into one
# Redis Cluster of 3 masters with a replica each on the first `make up`; a master that dies
# is replaced by its replica, and comes back (its supervisor restarts it) as a replica.
# shellcheck shell=bash

redis_port() { if (($2 == 0)); then echo "$REDIS_PORT"; else csv_item "$REDIS_CLUSTER_PORTS" "$2"; fi; }

redis_start() {
  local name="$1" idx="$2" port data="$DATA_DIR/$1" cluster=()
  port="$(redis_port "$name" "$idx")"
  mkdir -p "$data"
  if ((idx > 0)); then
    cluster=(--cluster-enabled yes --cluster-config-file nodes.conf
      --cluster-node-timeout "$REDIS_CLUSTER_NODE_TIMEOUT_MS" --cluster-require-full-coverage no)
  fi
  spawn "$name" "$(command -v redis-server)" --port "$port" --bind 127.0.0.1 \
    --dir "$data" --daemonize no --logfile "" --save "" \
    --appendonly yes --appendfsync everysec --protected-mode yes "${cluster[@]}"
}

redis_ready() { [[ "$(redis-cli -h 127.0.0.1 -p "$(redis_port "$1" "$2")" ping 2>/dev/null)" == PONG ]]; }

# cluster: "running (master, slots 0-5460)" or "running (replica of 127.0.0.1:16381)".
redis_health() {
  local port info
  port="$(redis_port "$1" "$2")"
  if ! redis_ready "$1" "$2"; then echo "not answering (see $(log_file "$1"))"; return 0; fi
  if (($2 == 0)); then echo running; return 0; fi
  info="$(redis-cli -p "$port" cluster info 2>/dev/null | tr -d '\r')"
  if [[ "$info" != *cluster_state:ok* ]]; then echo "not in a healthy cluster (cluster_state $(grep -o 'cluster_state:[a-z]*' <<< "$info" | cut -d: -f2))"; return 0; fi
  local me
  me="$(redis-cli -p "$port" cluster nodes 2>/dev/null | tr -d '\r' | awk '$3 ~ /myself/')"
  if [[ "$me" == *master* ]]; then
    echo "running (master, slots $(awk '{ s=""; for (i = 9; i <= NF; i++) s = s (s ? " " : "") $i; print s }' <<< "$me"))"
  else
    local master_id master
    master_id="$(awk '{print $4}' <<< "$me")"
    master="$(redis-cli -p "$port" cluster nodes 2>/dev/null | tr -d '\r' | awk -v id="$master_id" '$1 == id { split($2, a, "@"); print a[1] }')"
    echo "running (replica of ${master:-?})"
  fi
}

# cluster, once all nodes answer: make them one cluster if they are not yet (the first
# `make up`), then wait until every node sees every slot served.
redis_group_setup() {
  [[ "$STACK_TOPOLOGY" == cluster ]] || return 0
  local n i port first nodes=() known
  n="$(csv_count "$REDIS_CLUSTER_PORTS")"
  first="$(csv_item "$REDIS_CLUSTER_PORTS" 1)"
  for ((i = 1; i <= n; i++)); do nodes+=("127.0.0.1:$(csv_item "$REDIS_CLUSTER_PORTS" "$i")"); done
  known="$(redis-cli -p "$first" cluster info 2>/dev/null | tr -d '\r' | awk -F: '$1 == "cluster_known_nodes" {print $2}')"
  if [[ "${known:-1}" == 1 ]]; then
    log "redis: creating the Redis Cluster of ${nodes[*]} (1 replica per master)"
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >> "$(log_file redis-1)" 2>&1 \
      || { warn "redis: redis-cli --cluster create failed, see $(log_file redis-1)"; return 1; }
  fi
  local deadline=$((SECONDS + 60)) ok
  while ((SECONDS < deadline)); do
    ok=1
    for ((i = 1; i <= n; i++)); do
      port="$(csv_item "$REDIS_CLUSTER_PORTS" "$i")"
      [[ "$(redis-cli -p "$port" cluster info 2>/dev/null | tr -d '\r')" == *cluster_state:ok* ]] || { ok=0; break; }
    done
    ((ok)) && { log "redis: cluster state ok on all $n nodes"; return 0; }
    sleep 0.5
  done
  warn "redis: the cluster is not ok after 60 s (redis-cli -p $first cluster info)"
  return 1
}
