#!/usr/bin/env bash
# Regenerates cases.json: every case rendered by the pinned reference dbt.
#
#   conformance/jinjacorpus/regenerate.sh            uses $KILN_DBT's Python, else installs the
#                                                    reference dbt with conformance/setup-dbt.sh
#
# Then run `go test ./conformance/jinjacorpus/` and fix the engine (or, for a
# deliberate difference, add the case to allowlist.txt with a reason).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dbt="${KILN_DBT:-}"
if [ -z "$dbt" ]; then
  dbt="$("$here/../setup-dbt.sh" | tail -n 1)"
fi
python="$(dirname "$dbt")/python"
exec "$python" "$here/generate.py"
