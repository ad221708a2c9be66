#!/usr/bin/env bash
# The fault campaign (issue 10; see bench/README.md, "Fault campaign"): Azurite, the Service Bus broker, the
# Stripe emulator and Payments.Host as processes of their own; store checkouts and purchases through faulty
# storage and Stripe, duplicated and shuffled webhooks, an SMTP outage and SIGKILLs of the Host; then it
# waits for quiet, counts every effect and writes bench/results/faults-latest.md.
#   ./bench/faults.sh                                   # full scale: 1,000 checkouts + 1,000 purchases
#   ./bench/faults.sh --checkouts 20 --purchases 20     # a small run while developing
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x node_modules/.bin/azurite ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# Builds the bench with what it starts: the Host, the emulator and the broker (project references).
dotnet build -c Release bench/Payments.Bench --nologo -v quiet
exec dotnet bench/Payments.Bench/bin/Release/net10.0/Payments.Bench.dll faults "$@"
