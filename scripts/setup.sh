#!/usr/bin/env bash
# Install everything into .venv and build the warehouse on the shipped (synthetic) sample.
# Needs only Python 3.11 and the package registry.
set -euo pipefail
cd "$(dirname "$0")/.."

python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
            python_bin="$candidate"
            break
        fi
    done
fi
if [ -z "$python_bin" ]; then
    echo "setup: Python 3.11 not found (set PYTHON=/path/to/python3.11)" >&2
    exit 1
fi

# Debian's packages: headless Chromium (`styringsoverblik report --pdf`, the report's browser
# tests) and PostgreSQL (the shared-server target; the test command starts a throwaway cluster)
packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || packages+=(postgresql)
if [ "${#packages[@]}" -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    "$python_bin" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'

export DBT_PROFILES_DIR="$PWD"
mkdir -p warehouse
.venv/bin/dbt build
echo "setup: warehouse built at ${DBT_DUCKDB_PATH:-warehouse/styringsoverblik.duckdb}"
