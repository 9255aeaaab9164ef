# Kafka 4 brokers (KRaft; each node is broker and controller), jars from Maven Central
# (infra/maven/kafka). single: one node on KAFKA_PORT. cluster: kafka-1.. on
# KAFKA_CLUSTER_PORTS, each one's controller on its port + 1, one quorum of all of them.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the templates' variables (render reads them by name)

kafka_port() { if (($2 == 0)); then echo "$KAFKA_PORT"; else csv_item "$KAFKA_CLUSTER_PORTS" "$2"; fi; }
kafka_controller_port() { if (($2 == 0)); then echo "$KAFKA_CONTROLLER_PORT"; else echo $(($(kafka_port "$1" "$2") + 1)); fi; }

# The controller quorum: id@host:port of every node.
kafka_voters() {
  if [[ "$STACK_TOPOLOGY" != cluster ]]; then echo "1@127.0.0.1:$KAFKA_CONTROLLER_PORT"; return 0; fi
  local i out=""
  for ((i = 1; i <= $(csv_count "$KAFKA_CLUSTER_PORTS"); i++)); do
    out+="${out:+,}$i@127.0.0.1:$(kafka_controller_port "kafka-$i" "$i")"
  done
  echo "$out"
}

# The java command line of a Kafka class; heap options as the first argument.
kafka_java() {
  local heap="$1"; shift
  # shellcheck disable=SC2206
  KAFKA_CMD=("$(java_bin)" $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$INFRA_DIR/conf/log4j2.properties"
    -cp "$LIB_DIR/kafka/*" "$@")
}

# The cluster id: a new one for the single node's storage; one shared by every node of the
# cluster, kept beside their data. 16 random bytes, base64url, never starting with "-",
# which the tool would read as an option (it failed 1 start in 64 before this loop).
kafka_cluster_id() {
  local file="$DATA_DIR/kafka-cluster-id" id="-"
  if [[ "$STACK_TOPOLOGY" == cluster && -s "$file" ]]; then cat "$file"; return 0; fi
  while [[ "$id" == -* ]]; do id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"; done
  [[ "$STACK_TOPOLOGY" == cluster ]] && echo "$id" > "$file"
  echo "$id"
}

kafka_start() {
  local name="$1" idx="$2" heap="$KAFKA_HEAP_OPTS"
  [[ "$STACK_TOPOLOGY" == cluster ]] && heap="$KAFKA_CLUSTER_HEAP_OPTS"
  # The template's variables (infra/conf/kafka.properties).
  KAFKA_DATA="$DATA_DIR/$name"
  KAFKA_NODE_ID=$((idx == 0 ? 1 : idx))
  KAFKA_LISTEN_PORT="$(kafka_port "$name" "$idx")"
  KAFKA_CONTROLLER_LISTEN_PORT="$(kafka_controller_port "$name" "$idx")"
  KAFKA_VOTERS="$(kafka_voters)"
  KAFKA_RF="$(kafka_rf)"
  KAFKA_MIN_ISR="$(kafka_min_isr)"
  local conf="$CONF_DIR/$name.properties"
  render "$INFRA_DIR/conf/kafka.properties" "$conf"
  if [[ ! -f "$KAFKA_DATA/meta.properties" ]]; then
    log "$name: formatting storage $KAFKA_DATA"
    mkdir -p "$KAFKA_DATA"
    kafka_java -Xmx128m kafka.tools.StorageTool format -t "$(kafka_cluster_id)" -c "$conf"
    "${KAFKA_CMD[@]}" >> "$(log_file "$name")" 2>&1 \
      || die "$name: storage format failed, see $(log_file "$name")"
  fi
  kafka_java "$heap" kafka.Kafka "$conf"
  spawn "$name" "${KAFKA_CMD[@]}"
}

# Ready when the broker answers on its listener and has registered itself.
kafka_ready() {
  port_open 127.0.0.1 "$(kafka_port "$1" "$2")" && log_since_start "$1" | grep 'Kafka Server started' >/dev/null
}
