#!/usr/bin/env bash
# Install Mixcoach into .venv/ and run it: with no arguments the web app on http://127.0.0.1:8000
# (SQLite, offline feedback engine); otherwise the given command, e.g. `run.sh analyze song.wav`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh runtime
if [ $# -eq 0 ]; then set -- serve; fi
exec .venv/bin/mixcoach "$@"
