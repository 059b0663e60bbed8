#!/usr/bin/env bash
# The whole test suite, from a fresh checkout: installs what the tests need (Debian packages
# when missing and running as root; the build of every package and the chat page), checks
# types and lint, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 24 ]; then
  echo "tidewire tests need Node.js >= 24, found $(node --version) at $(command -v node)." >&2
  echo "Run them through npm (npm test), which puts node_modules/.bin/node (Node 24) first on PATH." >&2
  exit 1
fi

bash scripts/ensure-system-deps.sh

echo "== typecheck"; tsc -p tsconfig.json --noEmit
echo "== lint"; biome check --diagnostic-level=error .
echo "== build (packages, chat page)"; npm run -s build
echo "== tests on $(node --version)"
npm run -s test:unit
