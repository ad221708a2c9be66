#!/usr/bin/env bash
# Runs Payments locally and offline: Azurite (Table and Blob storage in .azurite/, wiped at start), the
# Service Bus broker on 127.0.0.1:5672 (in memory), an SMTP sink on 127.0.0.1:1025 (emails land in
# .mail/), the Stripe emulator on 127.0.0.1:12111 and the PayPal emulator on 127.0.0.1:12112 (both delivering
# signed webhooks to the Host), and Payments.Host on http://127.0.0.1:7071 (its ServiceBusConnection is in appsettings.Development.json).
set -euo pipefail
cd "$(dirname "$0")"

# Every start is fresh: the Stripe emulator keeps its objects in memory only, so rows Azurite kept from
# an earlier run would name customers and payment methods Stripe no longer has. --keep-data keeps them
# anyway (the app then retires what Stripe lost at first use, and saved cards must be added again).
keep_data=false
for arg in "$@"; do
  case "$arg" in
    --keep-data) keep_data=true ;;
    *) echo "usage: ./run.sh [--keep-data]" >&2; exit 2 ;;
  esac
done

npm ci --prefer-offline --no-audit --no-fund --loglevel=error
# Only what runs here: Payments.Functions is not built (our feed lacks its Service Bus extension; see docs/azure.md).
for project in Payments.Host StandIns/Payments.StripeEmulator StandIns/Payments.PaypalEmulator StandIns/Payments.ServiceBusBroker; do
  dotnet build "$project" --nologo -v quiet
done

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if [ "$keep_data" = false ]; then
  rm -rf .azurite
fi
mkdir -p .azurite
node_modules/.bin/azurite --silent --location .azurite --disableTelemetry --skipApiVersionCheck --loose \
  --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 &
pids+=($!)
# The queues and their properties (as in infra/main.bicep) come from the broker's appsettings.json.
dotnet run --no-build --project StandIns/Payments.ServiceBusBroker -- --Broker:Port=5672 &
pids+=($!)
node scripts/smtp-sink.mjs 1025 &
pids+=($!)
# The webhook secret matches Webhooks:Secret in Payments.Host/appsettings.Development.json. Rate limits as a real
# test key gets them (a sandbox: 25 requests/s, 25 per endpoint), so local runs meet Stripe's 429s where Stripe would.
dotnet run --no-build --project StandIns/Payments.StripeEmulator -- \
  --Webhook:Url=http://127.0.0.1:7071/api/stripe/webhook --Webhook:Secret=whsec_local_development_secret \
  --RateLimits:Mode=sandbox &
pids+=($!)
# PayPal offline: its REST app (emulator-client-id / emulator-client-secret) and webhook id are the emulator's defaults,
# for the Host's Development settings; its webhooks are signed by a certificate chaining to the root at
# http://127.0.0.1:12112/_emulator/root-ca.pem (made at each start). See StandIns/Payments.PaypalEmulator/README.md.
dotnet run --no-build --project StandIns/Payments.PaypalEmulator -- \
  --urls http://127.0.0.1:12112 \
  --Webhook:Url=http://127.0.0.1:7071/api/paypal/webhook --Webhook:Id=EMULATORWEBHOOK01 &
pids+=($!)

wait_for() { # host port name
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "$3 did not start on $1:$2" >&2
  exit 1
}
wait_for 127.0.0.1 10000 "Azurite (blobs)"
wait_for 127.0.0.1 10002 "Azurite (tables)"
wait_for 127.0.0.1 5672 "Service Bus broker"
wait_for 127.0.0.1 12111 "Stripe emulator"
wait_for 127.0.0.1 12112 "PayPal emulator"
wait_for 127.0.0.1 1025 "SMTP sink"

echo "Payments is starting on http://127.0.0.1:7071 (mint a token: dotnet run --no-build --project Payments.Host -- token --sub alice)"
ASPNETCORE_ENVIRONMENT=Development dotnet run --no-build --project Payments.Host &
pids+=($!)
wait "${pids[-1]}"
