"""Parses kiln's artifacts with dbt-artifacts-parser, as a consumer would.

Usage: python parse_artifacts.py TARGET_DIR

Each of manifest.json, run_results.json, catalog.json and sources.json is
parsed by the version its metadata names (parse_manifest etc. pick the
pydantic model from dbt_schema_version). Prints one line per artifact,
"<file> <model class> <count>", and exits 1 naming the first artifact the
parser rejects.
"""

import json
import sys
from pathlib import Path

from dbt_artifacts_parser.parser import parse_catalog, parse_manifest, parse_run_results, parse_sources

target = Path(sys.argv[1])
checks = [
    ("manifest.json", parse_manifest, lambda a: len(a.nodes)),
    ("run_results.json", parse_run_results, lambda a: len(a.results)),
    ("catalog.json", parse_catalog, lambda a: len(a.nodes)),
    ("sources.json", parse_sources, lambda a: len(a.results)),
]
for name, parse, count in checks:
    try:
        artifact = parse(json.loads((target / name).read_text()))
    except Exception as e:  # the parser's validation error names the field
        print(f"{name}: dbt-artifacts-parser rejected it: {e}")
        sys.exit(1)
    print(name, type(artifact).__name__, count(artifact))
