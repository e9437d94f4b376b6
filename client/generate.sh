#!/usr/bin/env bash
# The portal's client, from the service's own OpenAPI document.
#   client/generate.sh generate   writes client/openapi.json and client/schema.d.ts (npm run client:generate)
#   client/generate.sh check      regenerates into a temporary folder and fails if client/ differs, compiles
#                                 client/example.ts with tsc --strict, and lints the document with Redocly
#                                 (recommended-strict) and Spectral (spectral:oas), no error or warning (CI)
set -euo pipefail
cd "$(dirname "$0")/.."
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

generate() {
  local out="$1"
  node dist/src/openapi-cli.js "$out/openapi.json"
  npx --no-install openapi-typescript "$out/openapi.json" --output "$out/schema.d.ts" --alphabetize >/dev/null
}

npm run build --silent
case "${1:-generate}" in
  generate)
    generate client
    echo "client/openapi.json and client/schema.d.ts written"
    ;;
  check)
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    generate "$tmp"
    if ! diff -q client/openapi.json "$tmp/openapi.json" >/dev/null || ! diff -q client/schema.d.ts "$tmp/schema.d.ts" >/dev/null; then
      diff -u client/openapi.json "$tmp/openapi.json" | head -40 || true
      echo "client/ is not what the API documents: run npm run client:generate and commit it" >&2
      exit 1
    fi
    npx --no-install tsc -p client/tsconfig.json
    npx --no-install redocly lint client/openapi.json --config client/redocly.yaml --format stylish 2>&1 | grep -v '[║╔╚]' | tail -5
    npx --no-install spectral lint client/openapi.json --ruleset client/spectral.yaml --fail-severity=warn
    echo "client: up to date, example compiles (tsc --strict), lint clean (Redocly recommended-strict, Spectral spectral:oas)"
    ;;
  *)
    echo "usage: client/generate.sh generate|check" >&2
    exit 2
    ;;
esac
