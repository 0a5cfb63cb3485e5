#!/usr/bin/env bash
# Rewrites conformance/known-differences.txt from a full dbtdiff corpus run
# (every testdata project and ../shared/corpus, DuckDB and PostgreSQL)
# against the current checkout: run it after fixing a difference, or after
# merging main, and commit the shorter list.
#
#   conformance/regenerate-known.sh        KILN_PG_* as for the tests (default 127.0.0.1, postgres, test)
set -euo pipefail
cd "$(dirname "$0")/.."
KILN_DBT="${KILN_DBT:-$(bash conformance/setup-dbt.sh | tail -n 1)}"
export KILN_DBT KILN_REQUIRE_DBT=1 KILN_REQUIRE_PG=1
export KILN_PG_HOST="${KILN_PG_HOST:-127.0.0.1}" KILN_PG_USER="${KILN_PG_USER:-postgres}" KILN_PG_DATABASE="${KILN_PG_DATABASE:-test}"
log="${TMPDIR:-/tmp}/kiln-dbtdiff-regenerate.log"
marker="$(mktemp)"
# The run fails while differences are unexplained; the list is written anyway.
KILN_DBTDIFF_OUT="${TMPDIR:-/tmp}/kiln-dbtdiff-reports" KILN_DBTDIFF=full KILN_DBTDIFF_WRITE_KNOWN=1 go test -count=1 -timeout 80m -parallel 2 -run '^TestCorpus$' ./conformance/differ/ > "$log" 2>&1 || true
if [ ! conformance/known-differences.txt -nt "$marker" ]; then
  rm -f "$marker"; tail -n 40 "$log"; echo "known-differences.txt was not written (full output: $log)"; exit 1
fi
rm -f "$marker"
echo "$(grep -vc '^#' conformance/known-differences.txt) known differences (full output: $log)"
git diff --stat conformance/known-differences.txt
