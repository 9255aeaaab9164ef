# Kafka 4 broker (KRaft, one node), jars from Maven Central (infra/maven/kafka).
# shellcheck shell=bash

kafka_port() { echo "$KAFKA_PORT"; }
KAFKA_DATA="$DATA_DIR/kafka"

# The java command line of a Kafka class; heap options as the first argument.
kafka_java() {
  local heap="$1"; shift
  # shellcheck disable=SC2206
  KAFKA_CMD=("$(java_bin)" $heap -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$INFRA_DIR/conf/log4j2.properties"
    -cp "$LIB_DIR/kafka/*" "$@")
}

kafka_start() {
  export KAFKA_DATA
  render "$INFRA_DIR/conf/kafka.properties" "$CONF_DIR/kafka.properties"
  if [[ ! -f "$KAFKA_DATA/meta.properties" ]]; then
    log "kafka: formatting storage $KAFKA_DATA"
    mkdir -p "$KAFKA_DATA"
    local cluster_id
    # 16 random bytes, base64url; never starting with "-", which the tool would read as
    # an option (it failed 1 start in 64 before this loop).
    cluster_id="-"
    while [[ "$cluster_id" == -* ]]; do
      cluster_id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    done
    kafka_java -Xmx128m kafka.tools.StorageTool format -t "$cluster_id" -c "$CONF_DIR/kafka.properties"
    "${KAFKA_CMD[@]}" >> "$(log_file kafka)" 2>&1 \
      || die "kafka: storage format failed, see $(log_file kafka)"
  fi
  kafka_java "$KAFKA_HEAP_OPTS" kafka.Kafka "$CONF_DIR/kafka.properties"
  spawn kafka "${KAFKA_CMD[@]}"
}

# Ready when the broker answers on its listener and has registered itself.
kafka_ready() {
  port_open 127.0.0.1 "$KAFKA_PORT" && log_since_start kafka | grep 'Kafka Server started' >/dev/null
}
