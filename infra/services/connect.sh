# Kafka Connect (distributed mode) with the Debezium MariaDB and MySQL connectors.
# single: one worker on CONNECT_PORT. cluster: connect-1.. on CONNECT_WORKER_PORTS, one
# group; each advertises its own REST address (HAProxy serves CONNECT_PORT in front of them),
# and the connector's task moves to a live worker when one dies.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the templates' variables (render reads them by name)

connect_port() { if (($2 == 0)); then echo "$CONNECT_PORT"; else csv_item "$CONNECT_WORKER_PORTS" "$2"; fi; }

connect_start() {
  local name="$1" idx="$2" heap="$CONNECT_HEAP_OPTS"
  [[ "$STACK_TOPOLOGY" == cluster ]] && heap="$CONNECT_CLUSTER_HEAP_OPTS"
  CONNECT_LISTEN_PORT="$(connect_port "$name" "$idx")"
  CONNECT_BOOTSTRAP="$(kafka_bootstrap)"
  KAFKA_RF="$(kafka_rf)"
  CONNECT_REBALANCE_DELAY_MS=300000
  [[ "$STACK_TOPOLOGY" == cluster ]] && CONNECT_REBALANCE_DELAY_MS=10000
  render "$INFRA_DIR/conf/connect-distributed.properties" "$CONF_DIR/$name.properties"
  # shellcheck disable=SC2086
  spawn "$name" "$(java_bin)" $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$INFRA_DIR/conf/log4j2.properties" \
    -cp "$LIB_DIR/kafka/*" org.apache.kafka.connect.cli.ConnectDistributed "$CONF_DIR/$name.properties"
}

# Ready when the REST API answers and the worker has joined its group (GET /connectors works then).
connect_ready() { curl -sf --max-time 2 "http://127.0.0.1:$(connect_port "$1" "$2")/connectors" >/dev/null; }
