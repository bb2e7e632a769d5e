#!/bin/bash
# The by-hand probe behind bench/README.md's "2026-12-06 07:00-08:45 UTC" section: a gateway (the ReadyToRun publish
# `bench/run.sh` leaves behind), an emulator and a Redis on fixed loopback ports, the harness's cold20 load (a new token
# per request, 32 connections), 30 s of warm-up, 10 s measured, then one of:
#   perf  - 10 s of `perf record -g` on the gateway under the same load (JIT'd frames resolved through perf maps)
#   redis - Redis's own command statistics over 10 s of that load (INFO commandstats, memory, keyspace)
#   top   - what every process of the machine uses meanwhile (top, vmstat)
#   alloc - 8 s of `dotnet-trace collect --profile gc-verbose` (allocation ticks with stacks; summarise with
#           alloc-summary/: `dotnet run -c Release --project bench/results/issue15/cold-path-probe/alloc-summary` with the
#           trace as its argument)
# Run from the repository root after `bench/run.sh` (it builds the publish and the emulator):
#   bench/results/issue15/cold-path-probe/probe.sh perf|redis|top|alloc NAME [gateway arguments...]
#   e.g. ... probe.sh redis with-redis --ConnectionStrings:Redis=127.0.0.1:5602
#        ... probe.sh perf memory-only          ... probe.sh perf no-cache --Gateway:Cache:Enabled=false
# Output in ${PROBE_OUT:-/tmp/probe}. Categorise a perf profile with categorise.py (same folder). PROBE_TOKEN=bench-token
# sends one fixed token instead of a new one per request (warm20 instead of cold20).
set -uo pipefail
MODE=$1 NAME=$2; shift 2
OUT=${PROBE_OUT:-/tmp/probe}; mkdir -p "$OUT"
ROOT=$(pwd)
EMU_PORT=5601 GW_PORT=5600 REDIS_PORT=5602
export BENCH_LUA_DIR="$ROOT/bench/lua" BENCH_BODY="$OUT/full20.json" BENCH_TOKEN=${PROBE_TOKEN:-unique} BENCH_THREADS=2
redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$OUT/redis.log" 2>&1 &
RED=$!
dotnet src/DrsGraph.Emulator/bin/Release/net10.0/DrsGraph.Emulator.dll --urls http://127.0.0.1:$EMU_PORT >"$OUT/emulator.log" 2>&1 &
EMU=$!
trap 'kill $EMU $RED ${GW:-} 2>/dev/null || true' EXIT
sleep 4
PROJECT=054ba152d480d55b2f5dc0069e7ddef0
IDS=$(curl -fsS "http://127.0.0.1:$EMU_PORT/_emulator/jobs?projectId=$PROJECT" | jq -c '[.jobs[] | select(.deleted|not) | .id][:20]')
Q='query($ids: [ID!]!) { jobs(ids: $ids) { id status phase isTerminal isFailed progress { percent incrementalDelaySeconds remainingSeconds phases { name percent } } detail { name taskType createdAt source { dbType host port } target { dbType instanceName } } } }'
jq -nc --arg q "$Q" --argjson ids "$IDS" '{query: $q, variables: {ids: $ids}}' >"$BENCH_BODY"
RL="--Gateway:Security:RateLimit:BurstLimit=1000000 --Gateway:Security:RateLimit:TokensPerPeriod=1000000 --Gateway:Security:RateLimit:AddressBurstLimit=1000000 --Gateway:Security:RateLimit:AddressTokensPerPeriod=1000000"
# shellcheck disable=SC2086
env DOTNET_GCgen0size=0x4000000 DOTNET_TC_CallCountingDelayMs=0 DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 \
  dotnet src/DrsGraph.Gateway/bin/Release/net10.0/linux-x64/publish/DrsGraph.Gateway.dll \
  --urls http://127.0.0.1:$GW_PORT --Drs:Endpoint=http://127.0.0.1:$EMU_PORT --Drs:AllowInsecureEndpoint=true $RL "$@" >"$OUT/gateway-$NAME.log" 2>&1 &
GW=$!
# The start-up warm-up runs before the gateway listens: up to a minute.
for _ in $(seq 1 600); do curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"query":"{ __typename }"}' http://127.0.0.1:$GW_PORT/graphql && break; sleep 0.1; done
cpu() { awk '{print $14+$15}' /proc/$GW/stat; }
load() { wrk -t2 -c32 -d"$1"s -s bench/lua/graphql.lua http://127.0.0.1:$GW_PORT/graphql; }
load 30 >/dev/null
c0=$(cpu); n=$(load 10 | sed -n 's/^BENCH_JSON //p' | jq .requests); c1=$(cpu)
echo "$NAME: $n requests in 10 s, gateway CPU ms/req $(echo "scale=3; ($c1-$c0)*10/$n" | bc)"
load 14 >/dev/null & LP=$!
sleep 2
case $MODE in
  perf) perf record -F 999 -g -p $GW -o "$OUT/perf-$NAME.data" -- sleep 10 >/dev/null 2>&1 ;;
  redis) redis-cli -p $REDIS_PORT config resetstat >/dev/null; sleep 10
         for section in commandstats memory stats keyspace; do redis-cli -p $REDIS_PORT info $section; done >"$OUT/redis-$NAME.txt" ;;
  top) vmstat 1 10 >"$OUT/vmstat-$NAME.txt" & top -b -d 5 -n 2 >"$OUT/top-$NAME.txt"; wait ;;
  alloc) "${DOTNET_TRACE:-dotnet-trace}" collect -p $GW --profile gc-verbose --duration 00:00:00:08 -o "$OUT/alloc-$NAME.nettrace" >/dev/null ;;
esac
wait $LP
