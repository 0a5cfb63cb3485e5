#!/usr/bin/env bash
# kiln and dbt-trino side by side on the same Trino cluster, in the same run:
# a generated 200-model project (go run ./bench/gen) with its seeds and tests
# is built by each tool twice (first build, then a rebuild that replaces
# everything), into its own schema of the Iceberg catalog, and the
# wall times are printed as a Markdown table. Afterwards the row counts of
# every model in both schemas are compared: the tools must build the same
# tables.
#
# Needs a running cluster (.ci/trino-cluster.sh start) and dbt-trino in a
# venv of its own, created here if missing (KILN_DBT_TRINO_VENV, default
# ~/.cache/kiln/dbt-trino-venv; dbt-core 1.11.16 and dbt-trino 1.11.0 from PyPI).
#
# Usage: bench/trino/run.sh [MODELS]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/../.."
MODELS="${1:-200}"
HOST="${KILN_TRINO_HOST:-127.0.0.1}" PORT="${KILN_TRINO_PORT:-18080}"
USER_="${KILN_TRINO_USER:-kiln}" CATALOG="${KILN_TRINO_CATALOG:-iceberg}"
VENV="${KILN_DBT_TRINO_VENV:-$HOME/.cache/kiln/dbt-trino-venv}"
WORK="${KILN_BENCH_DIR:-/tmp/kiln-bench-trino}"
THREADS=4

if [ ! -x "$VENV/bin/dbt" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q dbt-core==1.11.16 dbt-trino==1.11.0
fi

rm -rf "$WORK" && mkdir -p "$WORK"
go build -o "$WORK/kiln" ./cmd/kiln
go run ./bench/gen -models "$MODELS" -out "$WORK/project" >/dev/null
cd "$WORK/project"
# The generator's sources live in DuckDB's schema "main"; on Trino the seeds
# they read are in the target's schema.
sed -i 's/^    schema: main$/    schema: "{{ target.schema }}"/' models/staging/_sources.yml
cat >profiles.yml <<YML
bench:
  target: kiln
  outputs:
    kiln: &trino
      type: trino
      method: none
      host: $HOST
      port: $PORT
      user: $USER_
      database: $CATALOG
      schema: bench_kiln
      threads: $THREADS
      http_scheme: http
    dbt:
      <<: *trino
      schema: bench_dbt
YML

# sql runs one statement on the cluster through the trino client that
# dbt-trino installs (no other tool needed).
sql() {
  "$VENV/bin/python" - "$1" <<PY
import sys, trino
c = trino.dbapi.connect(host="$HOST", port=$PORT, user="$USER_", catalog="$CATALOG").cursor()
c.execute(sys.argv[1])
for r in c.fetchall():
    print("\t".join(str(v) for v in r))
PY
}
for s in bench_kiln bench_dbt; do sql "drop schema if exists $CATALOG.$s cascade" >/dev/null; done
nodes="$(sql "select count(*) from system.runtime.nodes where state = 'active'")"

# timed NAME CMD...: wall seconds of one run (fails the script if it fails).
timed() {
  local name="$1"; shift
  local t0 t1
  t0=$(date +%s.%N)
  if ! "$@" >"$WORK/$name.log" 2>&1; then
    echo "$name failed; its log:" >&2; tail -n 30 "$WORK/$name.log" >&2; exit 1
  fi
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
k1=$(timed kiln-1 "$WORK/kiln" build --target kiln)
d1=$(timed dbt-1 "$VENV/bin/dbt" build --target dbt --profiles-dir .)
k2=$(timed kiln-2 "$WORK/kiln" build --target kiln)
d2=$(timed dbt-2 "$VENV/bin/dbt" build --target dbt --profiles-dir .)
summary() { grep -Eo 'PASS=[0-9]+ WARN=[0-9]+ ERROR=[0-9]+ SKIP=[0-9]+' "$WORK/$1.log" | tail -1; }

# The same tables: row counts of every relation in both schemas.
# One query per relation: a union of 400 counts exceeds Trino's 150 stages.
counts() {
  local s="$1" t
  for t in $(sql "select table_name from $CATALOG.information_schema.tables where table_schema = '$s' order by 1"); do
    echo "$t $(sql "select count(*) from $CATALOG.$s.\"$t\"")"
  done
}
if [ "$(counts bench_kiln)" != "$(counts bench_dbt)" ]; then
  echo "kiln and dbt-trino built different tables:" >&2
  diff <(counts bench_kiln) <(counts bench_dbt) >&2 || true
  exit 1
fi
rels="$(counts bench_kiln | wc -l)"

echo "| tool | first build | rebuild | result |"
echo "|---|---|---|---|"
printf '| kiln %s | %.1f s | %.1f s | %s |\n' "$("$WORK/kiln" --version | head -1 | awk '{print $2}')" "$k1" "$k2" "$(summary kiln-2)"
printf '| dbt-trino %s | %.1f s | %.1f s | %s |\n' "$("$VENV/bin/pip" show dbt-trino 2>/dev/null | awk '/^Version/{print $2}')" "$d1" "$d2" "$(summary dbt-2)"
echo
echo "$MODELS models, $THREADS threads, Trino $(sql "select node_version from system.runtime.nodes where coordinator") on $nodes active nodes; both built the same $rels relations with the same row counts."
