# Installs what the local stack needs and is missing. Sourced by infra/bin/stack.
# shellcheck shell=bash

# command -> Debian package that provides it
APT_NEEDS=(
  "mariadbd:mariadb-server" "mariadb:mariadb-client" "mariadb-install-db:mariadb-server"
  "redis-server:redis-server" "redis-cli:redis-tools"
  "clickhouse-server:clickhouse-server" "clickhouse-client:clickhouse-client"
  "curl:curl" "java:openjdk-17-jre-headless" "mvn:maven"
  "chromium:chromium" "shellcheck:shellcheck" "haproxy:haproxy"
)

have_cmd() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" ]]; }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

install_apt() {
  local missing=() pair
  for pair in "${APT_NEEDS[@]}"; do
    have_cmd "${pair%%:*}" || missing+=("${pair#*:}")
  done
  ((${#missing[@]} == 0)) && return 0
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing Debian packages: ${missing[*]}"
  # Installing a server package must not start the machine's own instance of it:
  # a temporary policy-rc.d refuses every service start during the install.
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"; added_policy=1
  fi
  local rc=0
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >> "$LOG_DIR/install.log" 2>&1 || rc=$?
  ((added_policy)) && as_root rm -f "$policy"
  ((rc == 0)) || die "apt-get install failed; see $LOG_DIR/install.log"
}

# Java artifacts from Maven Central, re-resolved when a pom changes.
install_java() {
  local stamp="$LIB_DIR/.poms.sha" want
  want="$(cat "$INFRA_DIR"/maven/pom.xml "$INFRA_DIR"/maven/*/pom.xml | sha256sum | cut -c1-64)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  log "resolving Java artifacts with Maven (Kafka, Debezium, Apicurio) into $LIB_DIR"
  rm -rf "$LIB_DIR/kafka" "$LIB_DIR/connect-plugins" "$LIB_DIR/apicurio"
  mvn -q -B -f "$INFRA_DIR/maven/pom.xml" -Dstack.lib="$LIB_DIR" package >> "$LOG_DIR/install.log" 2>&1 \
    || die "Maven failed; see $LOG_DIR/install.log"
  echo "$want" > "$stamp"
}

install_npm() {
  if [[ -f "$REPO_DIR/node_modules/.package-lock.json" \
        && "$REPO_DIR/node_modules/.package-lock.json" -nt "$REPO_DIR/package-lock.json" ]]; then
    return 0
  fi
  log "installing npm packages (npm ci)"
  # npm ci refuses a lock without the other platforms' optional packages (rollup's
  # native builds), which this npm leaves out when it writes the lock. Then
  # `npm install --no-save` installs the same locked versions and rewrites nothing.
  (cd "$REPO_DIR" && { npm ci --no-audit --no-fund --loglevel=error \
      || { echo "npm ci refused the lock; installing the locked versions with npm install --no-save"; \
           npm install --no-save --no-audit --no-fund --loglevel=error; }; }) >> "$LOG_DIR/install.log" 2>&1 \
    || die "npm install failed; see $LOG_DIR/install.log"
}

# The admin console (web/), built into web/dist when its sources are newer than the build.
build_web() {
  local stamp="$REPO_DIR/web/dist/index.html"
  [[ -f "$REPO_DIR/web/index.html" ]] || return 0
  if [[ -f "$stamp" ]] && [[ -z "$(find "$REPO_DIR/web" -path "$REPO_DIR/web/dist" -prune -o -newer "$stamp" -type f -print -quit)" ]]; then
    return 0
  fi
  log "building the admin console (web/ -> web/dist)"
  (cd "$REPO_DIR" && npm run --silent build:web) >> "$LOG_DIR/install.log" 2>&1 \
    || die "building the admin console failed; see $LOG_DIR/install.log"
}

# Schemathesis (PyPI), the OpenAPI fuzzer of `make test-schemathesis` / `make fuzz`, in a
# virtual environment of its own under the stack folder (git-ignored). Installed when the
# venv is missing or holds another version than this one.
SCHEMATHESIS_VERSION=4.32.5
install_schemathesis() {
  local venv="$STACK_DIR/venv" have=""
  if [[ -x "$venv/bin/python" ]]; then
    have="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null || true)"
  fi
  [[ "$have" == "$SCHEMATHESIS_VERSION" ]] && return 0
  log "installing Schemathesis $SCHEMATHESIS_VERSION (PyPI) into $venv"
  # A venv whose python no longer runs (python3 upgraded or moved) is made again.
  if ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
    # Debian's own python3 makes venvs only with python3-venv (ensurepip) installed.
    if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
      log "installing Debian package python3-venv (python3 -m venv needs it)"
      as_root apt-get install -y -q python3-venv >> "$LOG_DIR/install.log" 2>&1 || die "apt-get install python3-venv failed; see $LOG_DIR/install.log"
    fi
    python3 -m venv --clear "$venv" >> "$LOG_DIR/install.log" 2>&1 \
      || { rm -rf "$venv"; die "python3 -m venv failed (Debian: apt-get install python3-venv); see $LOG_DIR/install.log"; }
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >> "$LOG_DIR/install.log" 2>&1 \
    || die "pip install schemathesis==$SCHEMATHESIS_VERSION failed; see $LOG_DIR/install.log"
}

install_all() {
  install_apt
  install_java
  install_npm
  build_web
  install_schemathesis
}
