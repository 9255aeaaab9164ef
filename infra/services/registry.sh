# Apicurio Registry 3 (Confluent-compatible API at /apis/ccompat/v7).
# single: one instance on REGISTRY_PORT with H2 file storage. cluster: registry-1.. on
# REGISTRY_INSTANCE_PORTS sharing Apicurio's KafkaSQL storage (the kafkasql-journal topic,
# which every instance reads whole), so each answers for every schema id; HAProxy serves
# REGISTRY_PORT in front of them.
# shellcheck shell=bash

registry_port() { if (($2 == 0)); then echo "$REGISTRY_PORT"; else csv_item "$REGISTRY_INSTANCE_PORTS" "$2"; fi; }

registry_start() {
  local name="$1" idx="$2" port jar="" candidate
  port="$(registry_port "$name" "$idx")"
  for candidate in "$LIB_DIR"/apicurio/apicurio-registry-app-*-runner.jar; do
    [[ -f "$candidate" ]] && { jar="$candidate"; break; }
  done
  [[ -n "$jar" ]] || die "registry: Apicurio jar missing under $LIB_DIR/apicurio (run make install)"
  local storage=()
  if [[ "$STACK_TOPOLOGY" == cluster ]]; then
    storage=(-Dapicurio.storage.kind=kafkasql -Dapicurio.kafkasql.bootstrap.servers="$(kafka_bootstrap)"
      -Dapicurio.kafkasql.producer.acks=all -Dregistry.id="$name"
      -Dapicurio.kafkasql.consumer.max.poll.interval.ms=10000)
  else
    local data="$DATA_DIR/registry"
    mkdir -p "$data"
    storage=(-Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2
      -Dapicurio.datasource.url="jdbc:h2:file:$data/registry"
      -Dapicurio.datasource.jdbc.initial-size=2 -Dapicurio.datasource.jdbc.min-size=2
      -Dapicurio.datasource.jdbc.max-size=10)
  fi
  # shellcheck disable=SC2086
  spawn "$name" "$(java_bin)" $REGISTRY_HEAP_OPTS -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" "${storage[@]}" \
    -Dquarkus.log.console.format='%d{HH:mm:ss,SSS} %-5p [%c{2.}] %s%e%n' \
    -jar "$jar"
}

registry_ready() { curl -sf --max-time 2 "http://127.0.0.1:$(registry_port "$1" "$2")/apis/ccompat/v7/subjects" >/dev/null; }
