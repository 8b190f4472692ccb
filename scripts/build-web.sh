#!/usr/bin/env bash
# Build the web page: src/mixcoach/web/src -> src/mixcoach/web/dist (app.js bundled by esbuild,
# app.css by Tailwind CSS, index.html and the icon copied), with the exact tool and library
# versions package-lock.json pins. Needs Node.js 20+ and npm; running Mixcoach does not, because
# the built page is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
