#!/usr/bin/env bash
# Profiles the Host under the webhook benchmark: one Host run at the given concurrency, a 20-second sample of the
# benchmark process's threads once it is under load (dotnet-trace, installed as a global tool if missing), then
# where its managed threads were running (bench/Payments.Bench.Profile). Usage: ./bench/profile.sh [in flight] [events]
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency=${1:-16}
events=${2:-12000}
export PATH="$PATH:$HOME/.dotnet/tools"
command -v dotnet-trace >/dev/null || dotnet tool install -g dotnet-trace --version 10.0.750501
dotnet build -c Release bench/Payments.Bench --nologo -v quiet
dotnet build -c Release bench/Payments.Bench.Profile --nologo -v quiet
out=bench/results/profile-$(date -u +%Y%m%d-%H%M%S)
log="$out.log"
./bench/run.sh --targets host --concurrency "$concurrency" --events "$events" >"$log" 2>&1 &
bench=$!
for _ in $(seq 1 300); do grep -q "host, $concurrency in flight" "$log" && break; sleep 1; done
sleep 3 # past the first requests of the run
pid=$(pgrep -f "bin/Release/net10.0/Payments.Bench " | head -1)
dotnet-trace collect -p "$pid" --profile dotnet-sampled-thread-time --duration 00:00:00:20 -o "$out.nettrace" >/dev/null
wait "$bench"
dotnet bench/Payments.Bench.Profile/bin/Release/net10.0/Payments.Bench.Profile.dll "$out.nettrace" 60 | tee "$out.txt"
echo "trace: $out.nettrace; report: $out.txt; the run: $log"
