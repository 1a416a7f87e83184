#!/usr/bin/env bash
# Installs the tests' clients from npm (connect-web, esbuild, buf) and
# bundles the browser test's page script: `tests/npm/setup.sh DIR` leaves
# DIR/node_modules and DIR/bundle.js. Safe to run again: npm only installs
# when the lock file changed.
set -euo pipefail
out="${1:?usage: setup.sh OUT_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
# Test processes set up at once (nextest runs each test in its own): one
# at a time, and the bundle appears whole.
exec 9> "$out/.setup.lock"
flock 9
if ! cmp -s "$here/package-lock.json" "$out/package-lock.json" || [ ! -d "$out/node_modules" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$out/"
    (cd "$out" && npm ci --no-audit --no-fund --loglevel=error)
fi
# The page's imports resolve in DIR's node_modules, not beside app.js.
NODE_PATH="$out/node_modules" "$out/node_modules/.bin/esbuild" "$here/page/app.js" \
    --bundle --format=esm --target=es2022 --log-level=warning \
    --outfile="$out/bundle.js.new"
mv "$out/bundle.js.new" "$out/bundle.js"
