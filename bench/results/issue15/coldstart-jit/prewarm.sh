#!/bin/bash
# The by-hand experiment behind bench/README.md's "issue 15: a new replica's first seconds" section: how
# cheap a fresh gateway's first 10 s of cold20 load get after PREWARM_S seconds of that same load (a perfect
# start-up warm-up), and the 10 s after. Run from the repository root after `bench/run.sh` has published the
# gateway ReadyToRun and built the emulator:
#   bench/results/issue15/coldstart-jit/prewarm.sh PREWARM_S [NAME=value ...]   (runtime settings for the gateway)
# Prints CPU ms per request (utime+stime of the gateway over the requests wrk completed).
set -euo pipefail
PRE=$1; shift
ROOT=$(pwd)
EMU_PORT=5601 GW_PORT=5600
export BENCH_LUA_DIR="$ROOT/bench/lua" BENCH_BODY=/tmp/prewarm-full20.json BENCH_TOKEN=unique BENCH_THREADS=2
dotnet src/DrsGraph.Emulator/bin/Release/net10.0/DrsGraph.Emulator.dll --urls http://127.0.0.1:$EMU_PORT >/tmp/prewarm-emulator.log 2>&1 &
EMU=$!
trap 'kill $EMU ${GW:-} 2>/dev/null || true' EXIT
sleep 4
PROJECT=054ba152d480d55b2f5dc0069e7ddef0
IDS=$(curl -fsS "http://127.0.0.1:$EMU_PORT/_emulator/jobs?projectId=$PROJECT" | jq -c '[.jobs[] | select(.deleted|not) | .id][:20]')
Q='query($ids: [ID!]!) { jobs(ids: $ids) { id status phase isTerminal isFailed progress { percent incrementalDelaySeconds remainingSeconds phases { name percent } } detail { name taskType createdAt source { dbType host port } target { dbType instanceName } } } }'
jq -nc --arg q "$Q" --argjson ids "$IDS" '{query: $q, variables: {ids: $ids}}' >"$BENCH_BODY"
RL="--Gateway:Security:RateLimit:BurstLimit=1000000 --Gateway:Security:RateLimit:TokensPerPeriod=1000000 --Gateway:Security:RateLimit:AddressBurstLimit=1000000 --Gateway:Security:RateLimit:AddressTokensPerPeriod=1000000"
# shellcheck disable=SC2086
env DOTNET_GCgen0size=0x4000000 "$@" dotnet src/DrsGraph.Gateway/bin/Release/net10.0/linux-x64/publish/DrsGraph.Gateway.dll \
  --urls http://127.0.0.1:$GW_PORT --Drs:Endpoint=http://127.0.0.1:$EMU_PORT --Drs:AllowInsecureEndpoint=true $RL >/tmp/prewarm-gateway.log 2>&1 &
GW=$!
for _ in $(seq 1 100); do curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"query":"{ __typename }"}' http://127.0.0.1:$GW_PORT/graphql && break; sleep 0.1; done
cpu() { awk '{print $14+$15}' /proc/$GW/stat; }
load() { wrk -t2 -c32 -d"$1"s -s bench/lua/graphql.lua http://127.0.0.1:$GW_PORT/graphql; }
[[ $PRE != 0 ]] && load "$PRE" >/dev/null
for label in first10 next10; do
  c0=$(cpu); n=$(load 10 | sed -n 's/^BENCH_JSON //p' | jq .requests); c1=$(cpu)
  echo "prewarm=${PRE}s env=[$*] $label: $n requests, CPU ms/req $(echo "scale=3; ($c1-$c0)*10/$n" | bc)"
done
