#!/usr/bin/env bash
# Installs what the tests need (Azurite from package-lock.json), builds everything CI builds,
# and runs every test: unit, Azurite-backed integration, end-to-end through Payments.Host and
# the Stripe emulator, and the Bicep build + lint of infra/.
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error

log=$(mktemp)
set +e
dotnet test Payments.sln --nologo --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line that any CI can read: "N passed, N failed".
# dotnet prints "Passed: N" (and "Failed: N" only when something failed) in its closing summary.
passed=$(awk '/^ *Passed: +[0-9]+/ {s+=$2} END {print s+0}' "$log")
failed=$(awk '/^ *Failed: +[0-9]+/ {s+=$2} END {print s+0}' "$log")
rm -f "$log"
echo "tests: ${passed} passed, ${failed} failed"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
