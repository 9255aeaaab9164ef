# Kafka Connect (distributed mode) with the Debezium MariaDB and MySQL connectors.
# shellcheck shell=bash

connect_port() { echo "$CONNECT_PORT"; }
connect_depends() { echo kafka; }

connect_start() {
  render "$INFRA_DIR/conf/connect-distributed.properties" "$CONF_DIR/connect-distributed.properties"
  # shellcheck disable=SC2086
  spawn connect "$(java_bin)" $CONNECT_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$INFRA_DIR/conf/log4j2.properties" \
    -cp "$LIB_DIR/kafka/*" org.apache.kafka.connect.cli.ConnectDistributed "$CONF_DIR/connect-distributed.properties"
}

# Ready when the REST API answers and the worker has joined its group (GET /connectors works then).
connect_ready() { curl -sf --max-time 2 "http://127.0.0.1:$CONNECT_PORT/connectors" >/dev/null; }
