# HAProxy (Debian package), cluster topology only: API_PORT, CONNECT_PORT and REGISTRY_PORT
# in front of the API instances, the Connect workers and the registries
# (infra/conf/haproxy.cfg); its statistics on HAPROXY_STATS_PORT (/stats, /stats;csv).
# shellcheck shell=bash
# shellcheck disable=SC2034 # the templates' variables (render reads them by name)

haproxy_port() { echo "$API_PORT"; }

# "    server api-1 127.0.0.1:18091 check" for every instance of a kind.
haproxy_servers() {
  local kind="$1" s out=""
  for s in "${ALL_SERVICES[@]}"; do
    [[ "$(kind_of "$s")" == "$kind" ]] || continue
    out+="${out:+$'\n'}    server $s 127.0.0.1:$(svc port "$s") check"
  done
  echo "$out"
}

haproxy_start() {
  HAPROXY_API_SERVERS="$(haproxy_servers api)"
  HAPROXY_CONNECT_SERVERS="$(haproxy_servers connect)"
  HAPROXY_REGISTRY_SERVERS="$(haproxy_servers registry)"
  render "$INFRA_DIR/conf/haproxy.cfg" "$CONF_DIR/haproxy.cfg"
  local bin; bin="$(command -v haproxy || echo /usr/sbin/haproxy)"
  "$bin" -c -q -f "$CONF_DIR/haproxy.cfg" >> "$(log_file haproxy)" 2>&1 \
    || die "haproxy: invalid configuration $CONF_DIR/haproxy.cfg, see $(log_file haproxy)"
  # -W: master-worker (SIGTERM to the master stops the workers); -db: stay in the foreground.
  spawn haproxy "$bin" -W -db -f "$CONF_DIR/haproxy.cfg"
}

haproxy_ready() {
  port_open 127.0.0.1 "$API_PORT" && port_open 127.0.0.1 "$CONNECT_PORT" && port_open 127.0.0.1 "$REGISTRY_PORT" \
    && curl -sf --max-time 2 "http://127.0.0.1:$HAPROXY_STATS_PORT/stats;csv" >/dev/null
}

# Servers up per backend, from the statistics: "running (api 2/2, connect 2/2, registry 2/2 up)".
haproxy_backends() {
  curl -sf --max-time 2 "http://127.0.0.1:$HAPROXY_STATS_PORT/stats;csv" 2>/dev/null | awk -F, '
    $2 != "FRONTEND" && $2 != "BACKEND" && $1 != "stats" && $1 !~ /^#/ { total[$1]++; if ($18 ~ /^UP/) up[$1]++ }
    END { for (b in total) printf "%s %d/%d\n", b, up[b] + 0, total[b] }' | sort
}

haproxy_health() {
  if ! haproxy_ready; then echo "not answering (see $(log_file haproxy))"; return 0; fi
  local summary
  summary="$(haproxy_backends | paste -sd, - | sed 's/,/, /g')"
  echo "running (up: $summary)"
}

# Wait until a backend has at least one server up (HAProxy checks every second).
haproxy_wait_backend() {
  local backend="$1" deadline=$((SECONDS + 60))
  while ((SECONDS < deadline)); do
    haproxy_backends | awk -v b="$backend" '$1 == b { split($2, a, "/"); up = a[1] > 0 } END { exit !up }' && return 0
    sleep 0.3
  done
  die "haproxy: no $backend instance is up after 60 s (see http://127.0.0.1:$HAPROXY_STATS_PORT/stats)"
}
