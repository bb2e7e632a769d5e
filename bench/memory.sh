#!/usr/bin/env bash
# Where the gateway's resident memory goes: one gateway (the ReadyToRun publish bench/run.sh measures, with
# the shipped runtime settings) against the emulator, no Redis, idle and then after cold20 load.
#
#   bench/memory.sh                                              # shipped settings, 40 s of cold20 load
#   BENCH_GATEWAY_ENV='Gateway__Cache__MaxMemoryMegabytes=32 DOTNET_GCHeapHardLimit=0x6000000' bench/memory.sh
#
# It prints one JSON object: the process's RSS split as Linux counts it (/proc/<pid>/status: RssAnon is the
# GC heap and native allocations; RssFile the mapped assemblies and native libraries; RssShmem the
# runtime's second mapping of JIT-compiled code, which W^X keeps), at start and after the load, peak RSS
# (VmHWM) once ready (the start-up warm-up's peak) and after the load, and what the runtime says of its heap
# after the last GC (System.Runtime metrics on /metrics).
# The rate limit stays on with its limits raised, as in run.sh; a load that got any bad answer (a 429, a
# timeout) measured something else, so the script prints its figures and fails.
# Knobs: BENCH_DURATION (s of load, 40), BENCH_CONNECTIONS (32), BENCH_GATEWAY_ENV (NAME=value words),
# BENCH_SKIP_BUILD (0), BENCH_READY_TO_RUN (1; 0: the plain Release build), BENCH_TOKEN ("unique": cold20,
# a new token per request, the default; a fixed token instead: warm20, the answers come from the cache).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${BENCH_DURATION:-40}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
PROJECT_ID="054ba152d480d55b2f5dc0069e7ddef0"   # the emulator's demo project (its seed data)
export BENCH_LUA_DIR="$ROOT/bench/lua"
WORK="$(mktemp -d /tmp/drsgraph-memory.XXXX)"
EMU_PID=""; GW_PID=""
log() { printf '[memory %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
cleanup() { for pid in "$GW_PID" "$EMU_PID"; do [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
# shellcheck source=scripts/loopback.sh
source "$ROOT/scripts/loopback.sh"
for tool in wrk jq curl; do command -v "$tool" >/dev/null || die "$tool is not installed (bench/run.sh installs it)"; done

rss_split() { # pid -> {rss_mb, anon_mb, file_mb, shmem_mb}
  jq -nc --argjson rss "$(status_kb "$1" VmRSS)" --argjson anon "$(status_kb "$1" RssAnon)" --argjson file "$(status_kb "$1" RssFile)" \
    --argjson shmem "$(status_kb "$1" RssShmem)" '{rss_mb: ($rss / 1024 | floor), anon_mb: ($anon / 1024 | floor), file_mb: ($file / 1024 | floor), shmem_mb: ($shmem / 1024 | floor)}'
}
metric() { awk -v m="$1" 'index($0, m) == 1 {v = $NF; exit} END {print v == "" ? 0 : v}' "$WORK/metrics.txt"; } # 0 when the metric is absent (e.g. no cache)

cd "$ROOT"
case "$(uname -m)" in aarch64|arm64) RID=linux-arm64 ;; *) RID=linux-x64 ;; esac
EMU_DLL="$ROOT/src/DrsGraph.Emulator/bin/Release/net10.0/DrsGraph.Emulator.dll"
GW_DLL="$ROOT/src/DrsGraph.Gateway/bin/Release/net10.0/DrsGraph.Gateway.dll"
[[ "${BENCH_READY_TO_RUN:-1}" == 1 ]] && GW_DLL="$ROOT/src/DrsGraph.Gateway/bin/Release/net10.0/$RID/publish/DrsGraph.Gateway.dll"
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  log "building Release"
  dotnet build -c Release -nologo -v q src/DrsGraph.Emulator/DrsGraph.Emulator.csproj >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; die "emulator build failed"; }
  if [[ "${BENCH_READY_TO_RUN:-1}" == 1 ]]; then
    dotnet publish -c Release -nologo -v q -r "$RID" --self-contained false -p:PublishReadyToRun=true -p:UseAppHost=false \
      src/DrsGraph.Gateway/DrsGraph.Gateway.csproj >>"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; die "gateway publish failed"; }
  else
    dotnet build -c Release -nologo -v q src/DrsGraph.Gateway/DrsGraph.Gateway.csproj >>"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; die "gateway build failed"; }
  fi
fi

EMU="http://127.0.0.1:$(free_port)"
dotnet "$EMU_DLL" --urls "$EMU" >"$WORK/emulator.log" 2>&1 &
EMU_PID=$!
wait_http "$EMU/_emulator/faults" 30 || die "emulator did not start (see $WORK/emulator.log)"

GW="http://127.0.0.1:$(free_port)"
# The shipped runtime settings first (as bench/run.sh), the experiment's after them.
# shellcheck disable=SC2086 # BENCH_GATEWAY_ENV is a list of NAME=value words
env DOTNET_GCgen0size=0x4000000 DOTNET_TC_CallCountingDelayMs=0 ${BENCH_GATEWAY_ENV:-} dotnet "$GW_DLL" --urls "$GW" "--Drs:Endpoint=$EMU" --Drs:AllowInsecureEndpoint=true \
  "${RAISED_RATE_LIMIT_ARGS[@]}" >"$WORK/gateway.log" 2>&1 &
GW_PID=$!
wait_http "$GW/health/ready" 120 || die "gateway did not become ready (see $WORK/gateway.log)"
sleep 2
idle="$(rss_split "$GW_PID")"
# The peak so far: the start-up warm-up's, before any caller (a replica that starts and waits reaches this much).
ready_hwm="$(status_kb "$GW_PID" VmHWM)"

curl -fsS "$EMU/_emulator/jobs?projectId=$PROJECT_ID" >"$WORK/jobs.json"
Q='query($ids: [ID!]!) { jobs(ids: $ids) { id status phase isTerminal isFailed progress { percent incrementalDelaySeconds remainingSeconds phases { name percent } } detail { name taskType createdAt source { dbType host port } target { dbType instanceName } } } }'
jq -nc --arg q "$Q" --argjson ids "$(jq -c '[.jobs[] | select(.deleted | not) | .id][:20]' "$WORK/jobs.json")" '{query: $q, variables: {ids: $ids}}' >"$WORK/full20.json"
TOKEN="${BENCH_TOKEN:-unique}"
log "$(if [[ "$TOKEN" == unique ]]; then echo cold20; else echo warm20; fi) load for ${DURATION}s on $GW (pid $GW_PID)"
BENCH_BODY="$WORK/full20.json" BENCH_TOKEN="$TOKEN" BENCH_RATE=0 BENCH_THREADS=2 \
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s "$ROOT/bench/lua/graphql.lua" "$GW/graphql" >"$WORK/wrk.txt" 2>&1 || die "wrk failed: $(tail -5 "$WORK/wrk.txt")"
loaded="$(rss_split "$GW_PID")"
curl -fsS "$GW/metrics" >"$WORK/metrics.txt"

gen() { metric "dotnet_gc_last_collection_heap_size_bytes{otel_scope_name=\"System.Runtime\",gc_heap_generation=\"$1\"}"; }
result="$(jq -nc --arg env "${BENCH_GATEWAY_ENV:-}" --arg load "$(if [[ "$TOKEN" == unique ]]; then echo cold20; else echo warm20; fi)" --argjson idle "$idle" --argjson loaded "$loaded" --argjson ready_hwm "$ready_hwm" --argjson hwm "$(status_kb "$GW_PID" VmHWM)" \
  --argjson wrk "$(sed -n 's/^BENCH_JSON //p' "$WORK/wrk.txt")" \
  --argjson committed "$(metric 'dotnet_gc_last_collection_memory_committed_size_bytes')" \
  --argjson g0 "$(gen gen0)" --argjson g1 "$(gen gen1)" --argjson g2 "$(gen gen2)" --argjson loh "$(gen loh)" --argjson poh "$(gen poh)" \
  --argjson entries "$(metric 'drsgraph_cache_memory_entries{')" '
  {gateway_env: $env, load: $load, idle: $idle, peak_at_ready_mb: ($ready_hwm / 1024 | floor), after_load: $loaded, peak_rss_mb: ($hwm / 1024 | floor), rps: $wrk.rps, bad: ($wrk.errors.status + $wrk.errors.bad_responses + $wrk.errors.timeout),
   gc_committed_mb: ($committed / 1048576 | floor), heap_after_gc_mb: (($g0 + $g1 + $g2 + $loh + $poh) / 1048576 | floor),
   gen2_mb: ($g2 / 1048576 | floor), cache_entries: $entries}')"
echo "$result"
bad="$(jq -r .bad <<<"$result")"
[[ "$bad" == 0 ]] || die "$bad bad answers under load (see $WORK/wrk.txt): these figures measure something else"
