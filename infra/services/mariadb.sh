# MariaDB 10.11 (Debian package), own data folder, port and socket.
# single: one server on MYSQL_PORT. cluster: the shards mariadb-1.. on MYSQL_SHARD_PORTS,
# each its own server (data folder, socket, server id, binlog) with the same database and
# users; which users live where is the API's business (ADR 0011).
# shellcheck shell=bash

mariadb_port() { if (($2 == 0)); then echo "$MYSQL_PORT"; else csv_item "$MYSQL_SHARD_PORTS" "$2"; fi; }
mariadb_socket() { echo "$RUN_DIR/$1.sock"; }

# Root is reached only through our own socket, as the OS user that runs the stack.
# The MariaDB clients read MYSQL_HOST / MYSQL_TCP_PORT / MYSQL_PWD from the
# environment (and .env exports MYSQL_HOST): without --protocol=socket and a clean
# environment they would talk to the machine's server on 3306 instead of ours.
# mariadb_client NAME TOOL ARGS...
mariadb_client() {
  local socket tool="$2"; socket="$(mariadb_socket "$1")"; shift 2
  env -u MYSQL_HOST -u MYSQL_TCP_PORT -u MYSQL_PWD -u MYSQL_UNIX_PORT \
    "$tool" --no-defaults --protocol=socket --socket="$socket" -uroot "$@"
}
# mariadb_root NAME [ARGS...]: the mariadb client as root on that server (SQL on stdin).
mariadb_root() { local name="$1"; shift; mariadb_client "$name" mariadb "$@"; }

mariadb_start() {
  local name="$1" idx="$2" conf="$CONF_DIR/$1.cnf"
  export MARIADB_DATA="$DATA_DIR/$name" MARIADB_SOCKET MARIADB_PORT MARIADB_SERVER_ID MARIADB_PID_FILE="$RUN_DIR/$name.mariadbd.pid" RUN_DIR RUN_USER
  MARIADB_SOCKET="$(mariadb_socket "$name")"
  MARIADB_PORT="$(mariadb_port "$name" "$idx")"
  # Every shard a server id of its own (Debezium's connectors use CDC_SERVER_ID and up).
  MARIADB_SERVER_ID=$((MYSQL_SERVER_ID + (idx > 0 ? idx - 1 : 0)))
  RUN_USER="$(run_user)"
  render "$INFRA_DIR/conf/mariadb.cnf" "$conf"
  if [[ ! -d "$MARIADB_DATA/mysql" ]]; then
    log "$name: initialising data folder $MARIADB_DATA"
    mkdir -p "$MARIADB_DATA"
    mariadb-install-db --defaults-file="$conf" \
      --auth-root-authentication-method=socket --auth-root-socket-user="$RUN_USER" \
      --skip-test-db >> "$(log_file "$name")" 2>&1 \
      || die "$name: mariadb-install-db failed, see $(log_file "$name")"
  fi
  spawn "$name" "$(command -v mariadbd || echo /usr/sbin/mariadbd)" --defaults-file="$conf"
}

mariadb_ready() { mariadb_client "$1" mariadb-admin --connect-timeout=1 ping; }

# The ledger database and its three users; safe to run again (passwords follow .env).
# Kept out of the binlog (sql_log_bin = 0): nothing replicates users, and a GRANT or FLUSH
# at the binlog's end is an event the outbox connector skips without moving its offset,
# so "idle" (connector at the database's position) would never come until the next
# command (every `stack start mariadb` runs this again).
mariadb_setup() {
  mariadb_root "$1" <<SQL
SET SESSION sql_log_bin = 0;
CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

CREATE USER IF NOT EXISTS '$MYSQL_MIGRATOR_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_MIGRATOR_PASSWORD';
ALTER USER '$MYSQL_MIGRATOR_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_MIGRATOR_PASSWORD';
GRANT ALL PRIVILEGES ON \`$MYSQL_DATABASE\`.* TO '$MYSQL_MIGRATOR_USER'@'127.0.0.1';

CREATE USER IF NOT EXISTS '$MYSQL_APP_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_APP_PASSWORD';
ALTER USER '$MYSQL_APP_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_APP_PASSWORD';
GRANT SELECT, INSERT, UPDATE, DELETE ON \`$MYSQL_DATABASE\`.* TO '$MYSQL_APP_USER'@'127.0.0.1';

-- Debezium: read the binlog (REPLICATION SLAVE, BINLOG MONITOR = REPLICATION CLIENT),
-- see databases and take the schema snapshot lock (SHOW DATABASES, RELOAD),
-- and read the captured tables only (SELECT on the ledger database).
CREATE USER IF NOT EXISTS '$MYSQL_CDC_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_CDC_PASSWORD';
ALTER USER '$MYSQL_CDC_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_CDC_PASSWORD';
GRANT RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '$MYSQL_CDC_USER'@'127.0.0.1';
GRANT SELECT, LOCK TABLES ON \`$MYSQL_DATABASE\`.* TO '$MYSQL_CDC_USER'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
}

# "running" only while it answers; with shards, which one it is.
mariadb_health() {
  if ! mariadb_ready "$1" "$2" >/dev/null 2>&1; then echo "not answering (see $(log_file "$1"))"; return 0; fi
  if (($2 == 0)); then echo running; else echo "running (shard $2 of $(csv_count "$MYSQL_SHARD_PORTS"))"; fi
}
