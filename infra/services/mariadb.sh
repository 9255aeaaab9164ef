# MariaDB 10.11 (Debian package), own data folder, port and socket.
# shellcheck shell=bash

mariadb_port() { echo "$MYSQL_PORT"; }
MARIADB_DATA="$DATA_DIR/mariadb"
MARIADB_SOCKET="$RUN_DIR/mariadb.sock"

# Root is reached only through our own socket, as the OS user that runs the stack.
# The MariaDB clients read MYSQL_HOST / MYSQL_TCP_PORT / MYSQL_PWD from the
# environment (and .env exports MYSQL_HOST): without --protocol=socket and a clean
# environment they would talk to the machine's server on 3306 instead of ours.
mariadb_client() {
  local tool="$1"; shift
  env -u MYSQL_HOST -u MYSQL_TCP_PORT -u MYSQL_PWD -u MYSQL_UNIX_PORT \
    "$tool" --no-defaults --protocol=socket --socket="$MARIADB_SOCKET" -uroot "$@"
}
# shellcheck disable=SC2120 # arguments are optional (most callers pass SQL on stdin)
mariadb_root() { mariadb_client mariadb "$@"; }

mariadb_start() {
  export MARIADB_DATA MARIADB_SOCKET RUN_DIR RUN_USER
  RUN_USER="$(run_user)"
  render "$INFRA_DIR/conf/mariadb.cnf" "$CONF_DIR/mariadb.cnf"
  if [[ ! -d "$MARIADB_DATA/mysql" ]]; then
    log "mariadb: initialising data folder $MARIADB_DATA"
    mkdir -p "$MARIADB_DATA"
    mariadb-install-db --defaults-file="$CONF_DIR/mariadb.cnf" \
      --auth-root-authentication-method=socket --auth-root-socket-user="$RUN_USER" \
      --skip-test-db >> "$(log_file mariadb)" 2>&1 \
      || die "mariadb: mariadb-install-db failed, see $(log_file mariadb)"
  fi
  spawn mariadb "$(command -v mariadbd || echo /usr/sbin/mariadbd)" --defaults-file="$CONF_DIR/mariadb.cnf"
}

mariadb_ready() { mariadb_client mariadb-admin --connect-timeout=1 ping; }

# The ledger database and its three users; safe to run again (passwords follow .env).
mariadb_setup() {
  # shellcheck disable=SC2119
  mariadb_root <<SQL
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
