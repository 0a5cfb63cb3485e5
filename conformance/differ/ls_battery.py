# Runs a battery of `dbt ls --output json` selections in one Python process
# (dbtdiff's reference side). With "preload", the project is parsed once and
# every selection reuses that manifest, which makes a selection cost a few
# hundred milliseconds instead of a full dbt start.
#
#   python ls_battery.py SPEC.json OUT.json
import contextlib
import io
import json
import sys

from dbt.cli.main import dbtRunner


def invoke(runner, args):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        return runner.invoke(args)


def main():
    spec = json.load(open(sys.argv[1]))
    common = ["--project-dir", spec["project_dir"], "--profiles-dir", spec["profiles_dir"], "--target", spec["target"]]
    runner = dbtRunner()
    if spec.get("preload"):
        res = invoke(runner, ["parse", "--quiet"] + common)
        if res.success and res.result is not None:
            runner = dbtRunner(manifest=res.result)
    out = {}
    for entry in spec["battery"]:
        res = invoke(runner, ["ls", "--output", "json", "--quiet"] + common + entry["args"])
        lines = [str(x) for x in (res.result or [])] if res.success else []
        err = ""
        if not res.success:
            err = str(res.exception) if res.exception else "dbt ls failed"
        out[entry["key"]] = {"ok": bool(res.success), "lines": lines, "error": err}
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
