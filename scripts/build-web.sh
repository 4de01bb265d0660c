#!/usr/bin/env bash
# Build the web UI (web/) into src/xueliang/web/static from a clean checkout.
# Idempotent: `npm ci` runs only when package-lock.json changed since the last install.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/web"

xueliang="$root/.venv/bin/xueliang"
if [[ -x "$xueliang" ]] && "$xueliang" openapi --help >/dev/null 2>&1; then
  echo "build-web: regenerating web/openapi.json"
  "$xueliang" openapi --out openapi.json
fi

stamp=node_modules/.xl-package-lock.sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "build-web: npm ci"
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
else
  echo "build-web: node_modules up to date with package-lock.json"
fi

npm run --silent check:api
npm run --silent typecheck
npm run --silent build
echo "build-web: built into src/xueliang/web/static"
