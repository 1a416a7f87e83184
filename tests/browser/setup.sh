#!/usr/bin/env bash
# Installs connect-web and esbuild from npm and bundles the browser tests'
# page script: `tests/browser/setup.sh DIR` leaves DIR/bundle.js. Safe to
# run again: npm only installs when the lock file changed.
set -euo pipefail
out="${1:?usage: setup.sh OUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
if ! cmp -s "$here/package-lock.json" "$out/package-lock.json" || [ ! -d "$out/node_modules" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$out/"
    (cd "$out" && npm ci --no-audit --no-fund --loglevel=error)
fi
# The page's imports resolve in DIR's node_modules, not beside app.js.
NODE_PATH="$out/node_modules" "$out/node_modules/.bin/esbuild" "$here/app.js" \
    --bundle --format=esm --target=es2022 --log-level=warning \
    --outfile="$out/bundle.js"
