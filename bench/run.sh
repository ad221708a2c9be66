#!/usr/bin/env bash
# Runs the webhook benchmark (see bench/README.md): Azurite from the repo's node_modules and the Service Bus
# broker (StandIns/Payments.ServiceBusBroker) as processes of their own, the Stripe emulator and
# Payments.Host in process on loopback, a bare Kestrel baseline beside it.
# Arguments go to the benchmark: ./bench/run.sh --events 3000 --concurrency 16,64 --azurite split
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x node_modules/.bin/azurite ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec dotnet run -c Release --project bench/Payments.Bench -- "$@"
