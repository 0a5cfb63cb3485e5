#!/usr/bin/env bash
# A real 3-node Trino cluster on 127.0.0.1 for kiln's Trino adapter tests:
# one coordinator and two workers (the coordinator schedules no splits on
# itself, so every query really runs distributed), with
#   - catalog "iceberg": Iceberg tables, a JDBC catalog kept in the local
#     PostgreSQL (database kiln_trino_iceberg), data files on local disk;
#   - catalog "memory": Trino's in-memory connector.
#
# Usage: .ci/trino-cluster.sh install|start|stop|status|env
#   install  fetch the pinned server and plugins from Maven Central (mvn) into
#            the cache (KILN_TRINO_CACHE, default ~/.cache/kiln-trino)
#   start    install if needed, lay out the three nodes under KILN_TRINO_HOME
#            (default /tmp/kiln-trino-cluster), start them, and wait until
#            system.runtime.nodes shows 3 active nodes; prints the env lines
#   stop     stop the three nodes this script started (by their pid files)
#   status   print the nodes the coordinator sees
#   env      print the export lines the tests read (KILN_TRINO_*)
#
# Sizes are small on purpose (CI machines are shared): 1.5 GiB heap a node,
# few task threads. Override with KILN_TRINO_HEAP.
set -euo pipefail

TRINO_VERSION=476 # needs Java 24+; Maven Central serves trino-server-core and the plugin zips
JAVA_HOME="${KILN_TRINO_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
CACHE="${KILN_TRINO_CACHE:-$HOME/.cache/kiln-trino}"
HOME_DIR="${KILN_TRINO_HOME:-/tmp/kiln-trino-cluster}"
PORT="${KILN_TRINO_PORT:-18080}" # coordinator; workers take PORT+1 and PORT+2
HEAP="${KILN_TRINO_HEAP:-1536M}"
PG_HOST="${KILN_PG_HOST:-127.0.0.1}" PG_PORT="${KILN_PG_PORT:-5432}"
PG_USER="${KILN_PG_USER:-postgres}" PG_PASSWORD="${KILN_PG_PASSWORD:-}"
PG_DB="${KILN_TRINO_ICEBERG_DB:-kiln_trino_iceberg}"
SERVER="$CACHE/trino-server-$TRINO_VERSION"

log() { echo "trino-cluster: $*" >&2; }

install() {
  if [ -x "$SERVER/bin/launcher" ] && [ -d "$SERVER/plugin/iceberg" ] && [ -d "$SERVER/plugin/memory" ]; then
    return
  fi
  command -v mvn >/dev/null || { log "mvn is needed to fetch Trino from Maven Central (apt-get install maven)"; exit 1; }
  mkdir -p "$CACHE"
  local a
  for a in "trino-server-core:$TRINO_VERSION:tar.gz" "trino-iceberg:$TRINO_VERSION:zip" "trino-memory:$TRINO_VERSION:zip"; do
    local file="${a%%:*}-$TRINO_VERSION.${a##*:}"
    if [ ! -s "$CACHE/$file" ]; then
      log "fetching io.trino:$a"
      mvn -q -B dependency:copy -Dartifact="io.trino:$a" -DoutputDirectory="$CACHE" -Dmdep.useBaseVersion=true >&2
    fi
  done
  local tmp="$CACHE/unpack.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  tar xzf "$CACHE/trino-server-core-$TRINO_VERSION.tar.gz" -C "$tmp"
  mkdir -p "$tmp/trino-server-core-$TRINO_VERSION/plugin"
  for p in iceberg memory; do
    unzip -q "$CACHE/trino-$p-$TRINO_VERSION.zip" -d "$tmp"
    mv "$tmp/trino-$p-$TRINO_VERSION" "$tmp/trino-server-core-$TRINO_VERSION/plugin/$p"
  done
  rm -rf "$SERVER"
  mv "$tmp/trino-server-core-$TRINO_VERSION" "$SERVER"
  rm -rf "$tmp"
  log "installed Trino $TRINO_VERSION in $SERVER"
}

pg_sql() { PGPASSWORD="$PG_PASSWORD" psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "${2:-postgres}" -tAc "$1"; }

# node NAME PORT COORDINATOR(true|false): writes the node's etc/ directory.
node() {
  local name="$1" port="$2" coord="$3" dir="$HOME_DIR/$1"
  mkdir -p "$dir/etc/catalog" "$dir/data"
  cat >"$dir/etc/node.properties" <<EOF
node.environment=kiln
node.id=kiln-$name
node.data-dir=$dir/data
node.internal-address=127.0.0.1
EOF
  cat >"$dir/etc/jvm.config" <<EOF
-server
-Xmx$HEAP
-Xss2M
-XX:+UseSerialGC
-XX:ActiveProcessorCount=2
-XX:ReservedCodeCacheSize=192M
-XX:+ExitOnOutOfMemoryError
-Djdk.attach.allowAttachSelf=true
-Dfile.encoding=UTF-8
--enable-native-access=ALL-UNNAMED
EOF
  cat >"$dir/etc/config.properties" <<EOF
coordinator=$coord
node-scheduler.include-coordinator=false
http-server.http.port=$port
discovery.uri=http://127.0.0.1:$PORT
query.max-memory=1GB
query.max-memory-per-node=512MB
memory.heap-headroom-per-node=384MB
task.concurrency=2
task.max-worker-threads=4
task.min-drivers=4
query.min-expire-age=2m
query.max-history=200
EOF
  if [ "$coord" = true ]; then
    # Workers announce themselves to the coordinator's discovery service.
    echo "discovery-server.enabled=true" >>"$dir/etc/config.properties"
  fi
  cat >"$dir/etc/log.properties" <<EOF
io.trino=WARN
EOF
  cat >"$dir/etc/catalog/iceberg.properties" <<EOF
connector.name=iceberg
iceberg.catalog.type=jdbc
iceberg.jdbc-catalog.catalog-name=kiln
iceberg.jdbc-catalog.driver-class=org.postgresql.Driver
iceberg.jdbc-catalog.connection-url=jdbc:postgresql://$PG_HOST:$PG_PORT/$PG_DB
iceberg.jdbc-catalog.connection-user=$PG_USER
iceberg.jdbc-catalog.connection-password=$PG_PASSWORD
iceberg.jdbc-catalog.default-warehouse-dir=local:///
fs.native-local.enabled=true
local.location=$HOME_DIR/warehouse
EOF
  cat >"$dir/etc/catalog/memory.properties" <<EOF
connector.name=memory
memory.max-data-per-node=256MB
EOF
}

launcher() {
  local name="$1"; shift
  local dir="$HOME_DIR/$name"
  JAVA_HOME="$JAVA_HOME" PATH="$JAVA_HOME/bin:$PATH" "$SERVER/bin/launcher" \
    --etc-dir="$dir/etc" --data-dir="$dir/data" --pid-file="$dir/launcher.pid" "$@"
}


# active_nodes prints how many nodes the coordinator reports active (0 when
# it does not answer yet). It reads /v1/node (workers seen by discovery) plus
# the coordinator itself, which is what system.runtime.nodes lists.
active_nodes() {
  local info
  info="$(curl -sf "http://127.0.0.1:$PORT/v1/info" 2>/dev/null)" || { echo 0; return; }
  case "$info" in *'"starting":false'*) ;; *) echo 0; return ;; esac
  local workers
  workers="$(curl -sf -H 'X-Trino-User: kiln' "http://127.0.0.1:$PORT/v1/node" 2>/dev/null | grep -o '"uri"' | wc -l)" || workers=0
  echo $((workers + 1))
}

env_lines() {
  echo "export KILN_TRINO_HOST=127.0.0.1 KILN_TRINO_PORT=$PORT KILN_TRINO_USER=kiln KILN_TRINO_CATALOG=iceberg"
}

start() {
  install
  [ -x "$JAVA_HOME/bin/java" ] || { log "Java 25 not found at $JAVA_HOME (set KILN_TRINO_JAVA_HOME)"; exit 1; }
  command -v psql >/dev/null || { log "psql is needed to create the Iceberg JDBC catalog database"; exit 1; }
  if [ "$(pg_sql "select count(*) from pg_database where datname = '$PG_DB'")" = 0 ]; then
    pg_sql "create database \"$PG_DB\"" >/dev/null
  fi
  # Trino's Iceberg JDBC catalog expects its two tables to exist (Iceberg's
  # JDBC schema V1: iceberg_type tells tables from views).
  pg_sql "create table if not exists iceberg_namespace_properties (
      catalog_name varchar(255) not null, namespace varchar(255) not null,
      property_key varchar(255) not null, property_value varchar(1000),
      primary key (catalog_name, namespace, property_key));
    create table if not exists iceberg_tables (
      catalog_name varchar(255) not null, table_namespace varchar(255) not null,
      table_name varchar(255) not null, metadata_location varchar(1000),
      previous_metadata_location varchar(1000), iceberg_type varchar(5),
      primary key (catalog_name, table_namespace, table_name))" "$PG_DB" >/dev/null
  if [ "$(active_nodes)" -ge 3 ]; then
    log "already running on port $PORT"
    env_lines
    return
  fi
  mkdir -p "$HOME_DIR/warehouse"
  node coordinator "$PORT" true
  node worker1 "$((PORT + 1))" false
  node worker2 "$((PORT + 2))" false
  local n
  for n in coordinator worker1 worker2; do
    launcher "$n" start >/dev/null
  done
  log "waiting for 3 active nodes in system.runtime.nodes"
  local i
  for i in $(seq 1 180); do
    if [ "$(active_nodes)" -ge 3 ]; then
      log "3 nodes active after ${i}s"
      env_lines
      return
    fi
    for n in coordinator worker1 worker2; do
      if ! launcher "$n" status >/dev/null 2>&1; then
        log "node $n died; its log:"
        tail -n 40 "$HOME_DIR/$n/data/var/log/server.log" >&2 || true
        exit 1
      fi
    done
    sleep 1
  done
  log "the cluster did not reach 3 active nodes in 180s; coordinator log:"
  tail -n 40 "$HOME_DIR/coordinator/data/var/log/server.log" >&2 || true
  exit 1
}

stop() {
  local n
  for n in worker2 worker1 coordinator; do
    [ -d "$HOME_DIR/$n/etc" ] && launcher "$n" stop >/dev/null 2>&1 || true
  done
}

status() {
  local nodes
  nodes="$(active_nodes)"
  echo "coordinator http://127.0.0.1:$PORT: $nodes active node(s)"
  [ "$nodes" -ge 3 ]
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) env_lines ;;
  *) echo "usage: $0 install|start|stop|status|env" >&2; exit 2 ;;
esac
