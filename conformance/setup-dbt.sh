#!/usr/bin/env bash
# Installs the reference dbt that kiln is compared with (the conformance
# harness, the Jinja corpus goldens and the side-by-side benchmarks) into a
# virtualenv, and prints the path of its `dbt` executable on the last line.
#
#   conformance/setup-dbt.sh [VENV_DIR]      default: $KILN_DBT_VENV or ~/.cache/kiln/dbt-venv
#
# Tests find dbt through KILN_DBT (that path) or `dbt` on PATH. The versions
# are pinned: dbt-core is the newest 1.11.x, the adapters are what pip
# resolves with it, and the Python duckdb package is the DuckDB version kiln
# embeds (duckdb-go v2.20000.0 = DuckDB 2.0.0), so both read and write the
# same engine.
set -euo pipefail

DBT_CORE_VERSION=1.11.16
DBT_DUCKDB_VERSION=1.11.1
DBT_POSTGRES_VERSION=1.11.0
DUCKDB_VERSION=2.0.0
JINJA2_VERSION=3.1.6

venv="${1:-${KILN_DBT_VENV:-$HOME/.cache/kiln/dbt-venv}}"
want="dbt-core==$DBT_CORE_VERSION dbt-duckdb==$DBT_DUCKDB_VERSION dbt-postgres==$DBT_POSTGRES_VERSION duckdb==$DUCKDB_VERSION Jinja2==$JINJA2_VERSION"
stamp="$venv/.kiln-pins"

if [ -x "$venv/bin/dbt" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  echo "$venv/bin/dbt"
  exit 0
fi
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check $want >&2
echo "$want" > "$stamp"
"$venv/bin/dbt" --version >&2
echo "$venv/bin/dbt"
