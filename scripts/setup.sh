#!/usr/bin/env bash
# Install what Mixcoach needs into .venv/ at the repository root. Sourced by run.sh and test.sh.
# Usage: setup.sh [runtime|test]   (test adds the tools and Debian packages the test suite uses)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-runtime}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "mixcoach setup: need root (or sudo) to run: $*" >&2; return 1; fi; }

apt_install() {  # install the Debian packages that are not there yet
  local missing=()
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "mixcoach setup: installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  # Debian's python3 ships venv (ensurepip) separately.
  "$python" -m venv .venv 2>/dev/null || { rm -rf .venv; apt_install python3-venv; "$python" -m venv .venv; }
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true

if [ "$profile" = test ]; then
  # The test command rebuilds the web page (Tailwind CSS 4 needs Node.js 20 or newer).
  node_major=$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || true)
  if [ -z "$node_major" ] || [ "$node_major" -lt 20 ]; then
    echo "mixcoach setup: the tests rebuild the web page and need Node.js 20+ with npm" \
      "(found: $(node --version 2>/dev/null || echo none))." >&2
    exit 1
  fi
  # ffmpeg: the independent loudness meter the tests compare with; fluidsynth + a General MIDI
  # soundfont render the key/tempo evaluation set from public-domain scores.
  apt_install $(tr '\n' ' ' < scripts/apt-test-packages.txt)
  .venv/bin/python -m pip install -q -e '.[test]' 2>&1 | grep -v '^WARNING: Location' || true
else
  .venv/bin/python -m pip install -q -e . 2>&1 | grep -v '^WARNING: Location' || true
fi
