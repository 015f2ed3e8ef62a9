#!/usr/bin/env bash
# The whole test suite: lint, a full dbt build (unit tests + data tests) on the sample into a
# warehouse of its own, docs generation, the Great Expectations suite, and pytest (end-to-end
# builds on fixture files). Run scripts/setup.sh once first.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/dbt ]; then
    echo "test: .venv missing - run scripts/setup.sh first" >&2
    exit 1
fi
export PATH="$PWD/.venv/bin:$PATH"
export DBT_PROFILES_DIR="$PWD"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export DBT_DUCKDB_PATH="$work/test.duckdb"

echo "== sqlfluff lint"
sqlfluff lint models analyses tests/dbt/singular

echo "== dbt build (sample, strict) with unit and data tests"
dbt build --target-path "$work/target"

echo "== dbt docs generate"
dbt docs generate --target-path "$work/target" >/dev/null
python -m styringsoverblik.docs_check "$work/target"

echo "== Great Expectations"
python -m styringsoverblik.gx_validate --database "$DBT_DUCKDB_PATH"

echo "== pytest"
python -m pytest tests/python
