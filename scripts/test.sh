#!/usr/bin/env bash
# The whole test suite: lint, a full dbt build (unit tests + data tests) on the sample into a
# warehouse of its own, docs generation, the Great Expectations suite, and pytest (loader, parser
# and report unit tests; end-to-end builds on fixture files; kills, readers and a second writer).
# Run scripts/setup.sh once first. Prints how long each stage took.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/dbt ]; then
    echo "test: .venv missing - run scripts/setup.sh first" >&2
    exit 1
fi
export PATH="$PWD/.venv/bin:$PATH"
export DBT_PROFILES_DIR="$PWD"

work="$(mktemp -d)"
# a throwaway PostgreSQL cluster on a free loopback port for the target-sensitive tests
# (src/styringsoverblik/pgserver.py); its folder must be reachable by the postgres user
pg_dir="$(mktemp -d /tmp/styringsoverblik-pg.XXXXXX)"
lint_pid=""
cleanup() {
    if [ -n "$lint_pid" ]; then kill "$lint_pid" 2>/dev/null || true; fi
    python -m styringsoverblik.pgserver stop --dir "$pg_dir" || true
    rm -rf "$work" "$pg_dir"
}
trap cleanup EXIT
export DBT_DUCKDB_PATH="$work/test.duckdb"

timings=()
stage() {
    local name="$1"
    shift
    echo "== $name"
    local started=$SECONDS
    "$@"
    timings+=("$(printf '%-28s %4d s' "$name" $((SECONDS - started)))")
}

stage "PostgreSQL cluster" python -m styringsoverblik.pgserver start --dir "$pg_dir"
export STYRINGSOVERBLIK_TEST_PG_DIR="$pg_dir"
# sqlfluff (one core) lints beside the sample build and its checks (dbt runs on about one core);
# its report and verdict come when they are done
echo "== sqlfluff lint (beside the next stages)"
lint_started=$SECONDS
sqlfluff lint models macros analyses tests/dbt/singular > "$work/sqlfluff.log" 2>&1 &
lint_pid=$!
sample_vars="{raw_responses_path: '$PWD/data/sample/responses_2023_synthetic.csv', export_path: '$work/exports'}"
stage "dbt build (sample)" dbt build --target-path "$work/target" --vars "$sample_vars"
stage "dbt docs generate" dbt docs generate --target-path "$work/target" --vars "$sample_vars" --quiet
stage "docs check" python -m styringsoverblik.docs_check "$work/target"
stage "dbt-score" dbt-score lint --fail-project-under 9 --manifest "$work/target/manifest.json"
stage "Great Expectations" python -m styringsoverblik.gx_validate --database "$DBT_DUCKDB_PATH"
echo "== sqlfluff lint (its report)"
lint_status=0
wait "$lint_pid" || lint_status=$?
lint_pid=""
cat "$work/sqlfluff.log"
timings+=("$(printf '%-28s %4d s' "sqlfluff lint (beside)" $((SECONDS - lint_started)))")
if [ "$lint_status" -ne 0 ]; then
    echo "test: sqlfluff lint failed (exit $lint_status)" >&2
    exit "$lint_status"
fi
# pytest reuses this build of the sample as its shared sample build (tests copy it before changing anything)
export STYRINGSOVERBLIK_SAMPLE_WAREHOUSE="$DBT_DUCKDB_PATH"
stage "pytest" python -m pytest tests/python --durations=25

echo "== timings"
printf '%s\n' "${timings[@]}"
