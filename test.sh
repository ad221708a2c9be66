#!/usr/bin/env bash
# Installs what the tests need (Azurite from package-lock.json), builds everything CI builds,
# and runs every test: unit, Azurite-backed integration, end-to-end through Payments.Host and
# through Payments.Functions under the real Functions worker (with a stand-in host), the Stripe
# emulator, and the Bicep build + lint of infra/.
set -euo pipefail
cd "$(dirname "$0")"

# --prefer-offline: packages already in npm's cache are not revalidated against the registry (the lockfile pins them).
npm ci --prefer-offline --no-audit --no-fund --loglevel=error

# The pages' browser tests (Payments.Tests/Web) drive Debian's Chromium through Playwright; Playwright's own browser
# download cannot work offline, so the system one is installed here when missing (as root, as CI runs).
if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the page tests"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
  else
    sudo apt-get update -q >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
  fi
fi

# Our package feed lacks Microsoft.Azure.Functions.Worker.Extensions.ServiceBus, so the Functions app's
# triggers are built here against its stand-in (StandIns/Payments.WorkerServiceBusExtension), and the
# stand-in Functions host runs them; such a build refuses to publish (PAYFN001). On a feed that has the
# package, run the same command without -p:PaymentsServiceBusExtensionStandIn=true.

log=$(mktemp)
export PAYMENTS_FUNCTIONS_REPORT
PAYMENTS_FUNCTIONS_REPORT=$(mktemp)
set +e
dotnet test Payments.sln --nologo -p:PaymentsServiceBusExtensionStandIn=true --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# How many of Payments.Functions' functions loaded under the real worker (one line per worker started).
if [ -s "$PAYMENTS_FUNCTIONS_REPORT" ]; then
  sort -u "$PAYMENTS_FUNCTIONS_REPORT"
else
  echo "Functions: the worker did not report loading (see the failures above)"
fi
rm -f "$PAYMENTS_FUNCTIONS_REPORT"

# The failures again, at the end where a CI log's tail shows them: each failed test's name and
# its message (up to its stack trace), however much output scrolled past in between.
# (awk stops at 200 lines itself: `| head` would end awk with SIGPIPE, failing the script under pipefail.)
awk '/^  Failed / {show=1} /^  Stack Trace:/ {show=0} show && shown++ < 200' "$log" > "$log.failures"
if [ -s "$log.failures" ]; then
  echo "failed tests:"
  cat "$log.failures"
fi
rm -f "$log.failures"

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
