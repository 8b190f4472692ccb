#!/usr/bin/env bash
# Install everything Mixcoach and its tests need, then run the gates and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
echo "== ruff"; .venv/bin/ruff check src tests bench; .venv/bin/ruff format --check -q src tests bench
echo "== mypy"; .venv/bin/mypy
echo "== web build"; bash scripts/check-web-build.sh
echo "== pytest"; exec .venv/bin/python -m pytest "$@"
