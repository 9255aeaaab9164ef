# Apicurio Registry 3 (Confluent-compatible API at /apis/ccompat/v7), H2 file storage.
# shellcheck shell=bash

registry_port() { echo "$REGISTRY_PORT"; }

registry_start() {
  local data="$DATA_DIR/registry"
  mkdir -p "$data"
  local jar="" candidate
  for candidate in "$LIB_DIR"/apicurio/apicurio-registry-app-*-runner.jar; do
    [[ -f "$candidate" ]] && { jar="$candidate"; break; }
  done
  [[ -n "$jar" ]] || die "registry: Apicurio jar missing under $LIB_DIR/apicurio (run make install)"
  # shellcheck disable=SC2086
  spawn registry "$(java_bin)" $REGISTRY_HEAP_OPTS -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
    -Dapicurio.datasource.url="jdbc:h2:file:$data/registry" \
    -Dapicurio.datasource.jdbc.initial-size=2 -Dapicurio.datasource.jdbc.min-size=2 \
    -Dapicurio.datasource.jdbc.max-size=10 \
    -Dquarkus.log.console.format='%d{HH:mm:ss,SSS} %-5p [%c{2.}] %s%e%n' \
    -jar "$jar"
}

registry_ready() { curl -sf --max-time 2 "http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7/subjects" >/dev/null; }
