# dbtdiff's reference side: one long-lived Python process per compared
# project that runs every dbt command through dbt's programmatic entry point
# (dbt.cli.main.dbtRunner), so dbt's start-up (importing dbt and its
# adapters, about 3 s of CPU) is paid once per project instead of once per
# command and per `ls` selection.
#
#   python dbt_server.py        requests on stdin, one JSON object a line;
#                               one JSON answer a line on file descriptor 3
#
# Requests:
#   {"op": "ping"} -> {} once dbt is imported
#   {"op": "invoke", "cwd": DIR, "args": [...]}
#       -> {"exit": 0|1|2, "stdout": "...", "stderr": "...", "seconds": f}
#       exit is what the `dbt` executable would return: 0 success, 1 a
#       failed run, 2 an error that stopped dbt.
#   {"op": "ls", "cwd": DIR, "common": [...], "battery": [{"key", "args"}], "preload": bool}
#       -> {"results": {key: {"ok", "lines", "error"}}}
#       with preload the project is parsed once and every selection reuses
#       that manifest, which makes a selection cost tens of milliseconds.
#
# Between commands the process forgets what dbt keeps per process and a
# separate `dbt` run would not share: the deprecations already shown, and
# dbt-duckdb's open database (closed, so that the file is free for kiln's
# side of the comparison to read and for the next command to reopen).
import contextlib
import io
import json
import os
import sys
import time
import traceback

from dbt.cli.main import dbtRunner


def forget_process_state():
    try:
        from dbt import deprecations

        deprecations.reset_deprecations()
    except Exception:
        pass
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager as M

        with M._LOCK:
            env, M._ENV = M._ENV, None
        if env is not None:
            try:
                env.close()
            except Exception:
                # DuckDB refuses to close a connection a finished
                # command's cursor still holds ("connection is busy"):
                # dropping the environment is enough, the next command
                # opens a new one.
                pass
    except ImportError:
        pass


def run(runner, cwd, args):
    os.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            res = runner.invoke(args)
        finally:
            forget_process_state()
    if res.success:
        code = 0
    elif res.exception is None:
        code = 1
    else:
        code = 2
        # The executable prints what stopped it; the runner only returns it.
        err.write(f"{type(res.exception).__name__}: {res.exception}\n")
    return res, code, out.getvalue(), err.getvalue(), time.perf_counter() - start


def ls(req):
    runner = dbtRunner()
    common = req["common"]
    if req.get("preload"):
        res, code, _, _, _ = run(runner, req["cwd"], ["parse", "--quiet"] + common)
        if code == 0 and res.result is not None:
            runner = dbtRunner(manifest=res.result)
    results = {}
    for entry in req["battery"]:
        res, code, _, _, _ = run(runner, req["cwd"], ["ls", "--output", "json", "--quiet"] + common + entry["args"])
        ok = code == 0
        lines = [str(x) for x in (res.result or [])] if ok else []
        error = "" if ok else (str(res.exception) if res.exception else "dbt ls failed")
        results[entry["key"]] = {"ok": ok, "lines": lines, "error": error}
    return {"results": results}


def main():
    answers = os.fdopen(3, "w")
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            if req["op"] == "ping":
                answer = {}
            elif req["op"] == "invoke":
                _, code, out, err, secs = run(dbtRunner(), req["cwd"], req["args"])
                answer = {"exit": code, "stdout": out, "stderr": err, "seconds": secs}
            elif req["op"] == "ls":
                answer = ls(req)
            else:
                answer = {"error": "unknown op " + repr(req["op"])}
        except BaseException:
            answer = {"error": traceback.format_exc()}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
