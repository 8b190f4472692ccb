#!/usr/bin/env bash
# Install everything Mixcoach and its tests need, then run the gates and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
echo "== ruff"; .venv/bin/ruff check src tests bench; .venv/bin/ruff format --check -q src tests bench
echo "== mypy"; .venv/bin/mypy
echo "== web build"; bash scripts/check-web-build.sh
# The test files are shared among up to 4 processes (pytest-xdist), each file kept in one so its
# fixtures are built once; more would each start their own browser and S3 server for little gain.
workers=$(nproc); [ "$workers" -gt 4 ] && workers=4
echo "== pytest ($workers processes)"; exec .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
