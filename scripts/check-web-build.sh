#!/usr/bin/env bash
# Rebuild the web page from its sources and fail if the committed build in src/mixcoach/web/dist
# differs from it (a source edited without rebuilding, or a build edited by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
dist=src/mixcoach/web/dist
committed=$(mktemp -d)
trap 'rm -rf "$committed"' EXIT
if [ -d "$dist" ]; then cp -a "$dist/." "$committed/"; fi
bash scripts/build-web.sh
if ! diff -r "$committed" "$dist" >/dev/null; then
  echo "check-web-build: $dist is not the build of src/mixcoach/web/src:" >&2
  diff -rq "$committed" "$dist" >&2 || true
  echo "check-web-build: run scripts/build-web.sh and commit $dist." >&2
  exit 1
fi
echo "check-web-build: $dist matches a fresh build of its sources."
