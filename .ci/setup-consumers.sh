#!/usr/bin/env bash
# Installs the real consumers of kiln's CLI and artifacts that the tests
# drive (cmd/cli/consumers_test.go, docs/dbtdocs_test.go) into a
# virtualenv, and prints the venv's path on the last line:
#
#   .ci/setup-consumers.sh [VENV_DIR]   default: $KILN_CONSUMERS_VENV or ~/.cache/kiln/consumers-venv
#
#   - dagster + dagster-dbt: a Dagster definition runs `build` with kiln as
#     its dbt executable (dagster-dbt needs no dbt-core for that);
#   - dbt-artifacts-parser: parses manifest, run_results, catalog, sources;
#   - dbt's docs app: the index.html inside the dbt-core wheel, extracted
#     to VENV/dbt-docs/index.html (the wheel itself is not installed).
# Versions are pinned; a venv whose stamp matches is reused.
set -euo pipefail

DAGSTER_VERSION=1.13.27
DAGSTER_DBT_VERSION=0.29.27
DATEUTIL_VERSION=4.0.0 # dagster-dbt imports it but declares it only through dbt-core
ARTIFACTS_PARSER_VERSION=0.15.0
DBT_CORE_VERSION=1.11.16 # only its docs index.html is used

venv="${1:-${KILN_CONSUMERS_VENV:-$HOME/.cache/kiln/consumers-venv}}"
want="dagster==$DAGSTER_VERSION dagster-dbt==$DAGSTER_DBT_VERSION python-dateutil==$DATEUTIL_VERSION dbt-artifacts-parser==$ARTIFACTS_PARSER_VERSION"
stamp="$venv/.kiln-pins"

if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want dbt-core==$DBT_CORE_VERSION" ] && [ -f "$venv/dbt-docs/index.html" ]; then
  echo "$venv"
  exit 0
fi
python3 -m venv "$venv" >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check $want >&2
wheels="$(mktemp -d)"
"$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps -d "$wheels" "dbt-core==$DBT_CORE_VERSION" >&2
mkdir -p "$venv/dbt-docs"
"$venv/bin/python" - "$wheels" "$venv/dbt-docs/index.html" >&2 <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/dbt_core-*.whl")[0]
with zipfile.ZipFile(wheel) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("dbt/task/docs/index.html"))
PY
rm -rf "$wheels"
echo "$want dbt-core==$DBT_CORE_VERSION" > "$stamp"
echo "$venv"
