#!/usr/bin/env bash
# Soak test: minutes of mixed load against a Release gateway in front of a Release emulator, with the
# emulator's faults switched on and off in phases. Loopback only. Usage: soak/soak.sh [duration]
# where duration is seconds or minutes ("150", "3m"); default 3m. Prints requests, answers by kind,
# 5xx, unhandled exceptions in the gateway's log and the gateway's RSS at start and end.
# SOAK_REDIS=1: the gateway caches in a redis-server this script starts too, and Redis is stopped for
# the middle fifth of the run and started again: the gateway must fail open and reconnect by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

duration=${1:-3m}
case "$duration" in
  *m) seconds=$(( ${duration%m} * 60 )) ;;
  *s) seconds=${duration%s} ;;
  *) seconds=$duration ;;
esac
concurrency=${SOAK_CONCURRENCY:-16}

work=$(mktemp -d /tmp/drsgraph-soak.XXXXXX)
pids=()
cleanup() {
  # Only the processes this script started, by their id.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

echo "soak: building Release (emulator, gateway, driver) ..."
dotnet build -c Release -v quiet --nologo src/DrsGraph.Emulator/DrsGraph.Emulator.csproj >"$work/build.log" 2>&1 \
  && dotnet build -c Release -v quiet --nologo src/DrsGraph.Gateway/DrsGraph.Gateway.csproj >>"$work/build.log" 2>&1 \
  && dotnet build -c Release -v quiet --nologo soak/SoakDriver/SoakDriver.csproj >>"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log"; exit 1; }

# Waits until a log file shows a line matching the pattern and prints the URL in it.
wait_for_url() {
  local log=$1 pattern=$2
  for _ in $(seq 1 1200); do
    if url=$(grep -oE "$pattern" "$log" | head -1 | grep -oE 'http://127\.0\.0\.1:[0-9]+'); then
      echo "$url"; return 0
    fi
    sleep 0.1
  done
  echo "soak: no URL in $log:" >&2; cat "$log" >&2; return 1
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# shellcheck source=scripts/loopback.sh
source scripts/loopback.sh

gateway_args=()
redis=${SOAK_REDIS:-0}
if [[ "$redis" == 1 ]]; then
  redis_port=$(free_port)
  start_redis() {
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >>"$work/redis.log" 2>&1 &
    redis_pid=$!
    pids+=("$redis_pid")
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return; sleep 0.1; done
    echo "soak: redis-server did not start:" >&2; cat "$work/redis.log" >&2; return 1
  }
  start_redis
  gateway_args+=("--ConnectionStrings:Redis=127.0.0.1:$redis_port")
fi

dotnet src/DrsGraph.Emulator/bin/Release/net10.0/DrsGraph.Emulator.dll --urls http://127.0.0.1:0 >"$work/emulator.log" 2>&1 &
pids+=($!)
emulator=$(wait_for_url "$work/emulator.log" 'listening on http://127\.0\.0\.1:[0-9]+')

# The runtime settings the Dockerfile ships (DOTNET_GCgen0size, DOTNET_TC_CallCountingDelayMs), so the soak runs the deployed configuration.
# Its twenty callers all come from 127.0.0.1: the per-address ceiling is off (AddressBurstLimit=0), as it
# would be for twenty users behind one exempt service; their per-token limits stay.
DOTNET_GCgen0size=${DOTNET_GCgen0size:-0x4000000} DOTNET_TC_CallCountingDelayMs=${DOTNET_TC_CallCountingDelayMs:-0} dotnet src/DrsGraph.Gateway/bin/Release/net10.0/DrsGraph.Gateway.dll --urls http://127.0.0.1:0 --Drs:Endpoint="$emulator" --Drs:AllowInsecureEndpoint=true --Gateway:Security:RateLimit:AddressBurstLimit=0 "${gateway_args[@]}" >"$work/gateway.log" 2>&1 &
gateway_pid=$!
pids+=("$gateway_pid")
gateway=$(wait_for_url "$work/gateway.log" 'Now listening on: http://127\.0\.0\.1:[0-9]+')
echo "soak: emulator $emulator, gateway $gateway (pid $gateway_pid), $seconds s, $concurrency workers, Redis: $([[ "$redis" == 1 ]] && echo "127.0.0.1:$redis_port" || echo no), logs in $work"

curl -sf -o /dev/null -H 'Content-Type: application/json' -H 'X-Auth-Token: warm-up' \
  -d '{"query":"{ job(id: \"9a470239-2308-4bb5-a6bc-1040402fjb21\") { status } }"}' "$gateway/graphql"
rss_start=$(rss_kb "$gateway_pid")

dotnet soak/SoakDriver/bin/Release/net10.0/SoakDriver.dll "$gateway" "$emulator" "$seconds" "$concurrency" > >(tee "$work/driver.log") &
driver_pid=$!
if [[ "$redis" == 1 ]]; then
  sleep $((seconds * 2 / 5))
  kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true
  echo "[$(date +%T)] redis: stopped"
  sleep $((seconds / 5))
  start_redis
  echo "[$(date +%T)] redis: started again"
fi
wait "$driver_pid"

rss_end=$(rss_kb "$gateway_pid")
alive=yes; kill -0 "$gateway_pid" 2>/dev/null || alive=NO
echo "unhandled exceptions (gateway log lines with 'Unhandled exception'): $(grep -c 'Unhandled exception' "$work/gateway.log" || true)"
echo "error-level log lines (fail:) in the gateway log: $(grep -c '^fail:' "$work/gateway.log" || true)"
echo "gateway still running: $alive"
echo "gateway RSS: start $((rss_start / 1024)) MB, end $((rss_end / 1024)) MB"
if [[ "$redis" == 1 ]]; then
  # Written after the restart: the gateway reconnected by itself.
  echo "redis keys at the end (restarted empty): $(redis-cli -p "$redis_port" dbsize)"
fi
