"""A Dagster definition whose dbt executable is kiln.

Usage: python dagster_build.py KILN_BINARY PROJECT_DIR OUT_JSON

Loads PROJECT_DIR/target/manifest.json (written by `kiln parse`), defines
the project's dbt assets with dagster-dbt, materializes them all with
`dbt build` through DbtCliResource(dbt_executable=KILN_BINARY), and writes
OUT_JSON: the asset materializations and asset check evaluations Dagster
recorded, by dbt unique_id (stdout carries dagster-dbt's echo of the log).
"""

import json
import sys
from pathlib import Path

from dagster import AssetExecutionContext, materialize
from dagster_dbt import DbtCliResource, dbt_assets

kiln, project_dir, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
manifest = project_dir / "target" / "manifest.json"


@dbt_assets(manifest=manifest)
def project_assets(context: AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()


result = materialize(
    [project_assets],
    resources={"dbt": DbtCliResource(project_dir=str(project_dir), profiles_dir=str(project_dir), dbt_executable=kiln)},
    raise_on_error=False,
)

materialized = []
for ev in result.get_asset_materialization_events():
    meta = ev.materialization.metadata
    uid = meta.get("unique_id")
    materialized.append(uid.value if uid is not None else "/".join(ev.materialization.asset_key.path))

checks = []
for ev in result.get_asset_check_evaluations():
    meta = ev.metadata
    uid = meta.get("unique_id")
    checks.append({"unique_id": uid.value if uid is not None else ev.check_name, "passed": ev.passed})

out.write_text(json.dumps({"success": result.success, "materialized": sorted(materialized), "checks": checks}))
