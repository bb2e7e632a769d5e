#!/usr/bin/env bash
# DrsGraph load benchmark: one command, loopback only, bounded in time (about 12 minutes on 2 cores, bench/yoga included).
#
#   bench/run.sh                      # the full run: Release build, every scenario, results + README table
#   BENCH_DURATION=2 BENCH_WARMUP=1 BENCH_WARMUP_MIN=1 BENCH_WARMUP_MAX=2 BENCH_START_WARMUP_MIN=2 \
#     BENCH_START_WARMUP_MAX=3 BENCH_APPEND=0 bench/run.sh                    # a smoke run of the harness
#
# It builds Release, starts the emulator standalone (no added latency; one scenario adds 30 +/- 5 ms via
# its faults API), Redis (only when the gateway on this checkout has the Redis cache), and the gateway
# (one process for every scenario, warmed up once; peak RSS reset per scenario), drives each scenario with wrk + Lua,
# counts upstream calls from the emulator's request log, and writes bench/results/<timestamp>.json plus
# a markdown table appended to bench/README.md. Then, when node is installed, the same for the comparison
# gateway in bench/yoga (graphql-yoga + dataloader) against the same emulator: the yoga_* scenarios.
# See bench/README.md for what each figure means.
#
# Knobs (environment): BENCH_DURATION (s, default 10), BENCH_WARMUP (s per warm-up round, 5),
# BENCH_WARMUP_MIN/MAX (s, 5/20: per scenario), BENCH_START_WARMUP_MIN/MAX (s, 20/60: per process; see warm_up()), BENCH_CONNECTIONS (32),
# BENCH_THREADS (2), BENCH_POLLERS (200), BENCH_APPEND (1: append to bench/README.md),
# BENCH_RESULTS_DIR (bench/results), BENCH_SKIP_BUILD (0), BENCH_ONLY (space-separated scenario names),
# BENCH_GATEWAY_ENV (NAME=value words set for the gateway process only, e.g. DOTNET_gcServer=0),
# BENCH_READY_TO_RUN (1: measure the gateway published ReadyToRun, as the Dockerfile ships it; 0: the
# plain Release build), BENCH_COLDSTART_S (10: the first seconds of load the coldstart scenario measures before its warm-up),
# BENCH_REDIS (1; 0: no Redis even when the cache supports it, memory level only),
# BENCH_YOGA (1: also measure the graphql-yoga + dataloader comparison gateway in bench/yoga when node and
# npm are installed; 0: skip it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
DURATION="${BENCH_DURATION:-10}"
WARMUP="${BENCH_WARMUP:-5}"
WARMUP_MIN="${BENCH_WARMUP_MIN:-5}"
WARMUP_MAX="${BENCH_WARMUP_MAX:-20}"
START_WARMUP_MIN="${BENCH_START_WARMUP_MIN:-20}"
START_WARMUP_MAX="${BENCH_START_WARMUP_MAX:-60}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
THREADS="${BENCH_THREADS:-2}"
POLLERS="${BENCH_POLLERS:-200}"
APPEND="${BENCH_APPEND:-1}"
RESULTS_DIR="${BENCH_RESULTS_DIR:-$BENCH/results}"
SKIP_BUILD="${BENCH_SKIP_BUILD:-0}"
ONLY="${BENCH_ONLY:-}"
PROJECT_ID="054ba152d480d55b2f5dc0069e7ddef0"   # the emulator's demo project (its seed data)
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
# The exact command, knobs included, for the report.
# (grep finds nothing when no knob is set: not a failure.)
COMMAND="$({ env | grep -E '^BENCH_(REDIS|YOGA|COLDSTART_S|READY_TO_RUN|DURATION|WARMUP|WARMUP_MIN|WARMUP_MAX|START_WARMUP_MIN|START_WARMUP_MAX|CONNECTIONS|THREADS|POLLERS|APPEND|RESULTS_DIR|SKIP_BUILD|ONLY|GATEWAY_ENV)=' || true; } | sort | sed -E "s/=(.*)/='\\1'/" | tr '\n' ' ')bench/run.sh"
# Paths inside the repository are recorded relative to it: a report never names this machine's checkout.
COMMAND="${COMMAND//"$ROOT/"/}"
WORK="$(mktemp -d "/tmp/drsgraph-bench.$STAMP.XXXX")"
CLK_TCK="$(getconf CLK_TCK)"
export BENCH_LUA_DIR="$BENCH/lua"

EMU_PID=""; GW_PID=""; REDIS_PID=""; YOGA_PID=""; RAW_PID=""
log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Only the processes this script started, by PID.
stop_pid() {
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() { stop_pid "$RAW_PID"; stop_pid "$YOGA_PID"; stop_pid "$GW_PID"; stop_pid "$EMU_PID"; stop_pid "$REDIS_PID"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- tools
need_install=()
command -v wrk >/dev/null || need_install+=(wrk)
command -v jq >/dev/null || need_install+=(jq)
command -v curl >/dev/null || need_install+=(curl)
if ((${#need_install[@]})); then
  log "installing ${need_install[*]} (Debian packages)"
  apt-get install -y "${need_install[@]}" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "${need_install[@]}" >/dev/null; }
fi
command -v dotnet >/dev/null || die "dotnet not found"

# free_port (a free loopback port; ss tells which are taken, a tiny race is acceptable on a quiet box),
# wait_http and status_kb (VmHWM / VmRSS in kB).
# shellcheck source=scripts/loopback.sh
source "$ROOT/scripts/loopback.sh"

selected() { [[ -z "$ONLY" || " $ONLY " == *" $1 "* ]]; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }           # utime + stime, all threads

# ---------------------------------------------------------------- build
cd "$ROOT"
EMU_DLL="$ROOT/src/DrsGraph.Emulator/bin/Release/net10.0/DrsGraph.Emulator.dll"
GW_DLL="$ROOT/src/DrsGraph.Gateway/bin/Release/net10.0/DrsGraph.Gateway.dll"
RAW_DLL="$BENCH/DrsGraph.RawPeer/bin/Release/net10.0/DrsGraph.RawPeer.dll"
# The runtime settings the gateway ships with (the Dockerfile's ENV, launchSettings.json), so the figures
# are those of a deployed gateway; BENCH_GATEWAY_ENV comes after and can override them.
GATEWAY_RUNTIME_ENV="DOTNET_GCgen0size=0x4000000 DOTNET_TC_CallCountingDelayMs=0"
# BENCH_READY_TO_RUN=1 (the default): the gateway measured is a ReadyToRun publish for this machine's
# runtime identifier, as the Dockerfile ships it, so the start-up and coldstart figures are those of the
# image; 0: the plain Release build (`dotnet run`'s JIT-only code).
READY_TO_RUN="${BENCH_READY_TO_RUN:-1}"
case "$(uname -m)" in aarch64|arm64) RID=linux-arm64 ;; *) RID=linux-x64 ;; esac
if [[ "$READY_TO_RUN" == 1 ]]; then
  GW_DLL="$ROOT/src/DrsGraph.Gateway/bin/Release/net10.0/$RID/publish/DrsGraph.Gateway.dll"
fi
if [[ "$SKIP_BUILD" != 1 ]]; then
  log "building Release (emulator, gateway)"
  dotnet build -c Release -nologo -v q src/DrsGraph.Emulator/DrsGraph.Emulator.csproj >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; die "emulator build failed"; }
  dotnet build -c Release -nologo -v q src/DrsGraph.Gateway/DrsGraph.Gateway.csproj >>"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; die "gateway build failed"; }
  if [[ "$READY_TO_RUN" == 1 ]]; then
    log "publishing the gateway ReadyToRun for $RID (BENCH_READY_TO_RUN=0 measures the plain build)"
    dotnet publish -c Release -nologo -v q -r "$RID" --self-contained false -p:PublishReadyToRun=true -p:UseAppHost=false \
      src/DrsGraph.Gateway/DrsGraph.Gateway.csproj >>"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; die "gateway ReadyToRun publish failed"; }
  fi
  if selected raw; then
    dotnet build -c Release -nologo -v q bench/DrsGraph.RawPeer/DrsGraph.RawPeer.csproj >>"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; die "raw peer build failed"; }
  fi
fi
[[ -f "$EMU_DLL" && -f "$GW_DLL" ]] || die "Release build output missing"

# The comparison gateway (bench/yoga: graphql-yoga + dataloader on Node) runs only where node and npm are
# installed: without them its scenarios are skipped, said here and marked in the results, never dropped
# silently. Installed with `npm ci` from the committed lock file, so every run measures the same packages.
YOGA_DIR="$BENCH/yoga"
YOGA_SCENARIOS="yoga_status1 yoga_cold20 yoga_cold20_30ms"
YOGA_SKIP=""; YOGA_VERSIONS="null"
yoga_wanted=no
for name in $YOGA_SCENARIOS; do selected "$name" && yoga_wanted=yes; done
if [[ "$yoga_wanted" == yes ]]; then
  if [[ "${BENCH_YOGA:-1}" != 1 ]]; then
    YOGA_SKIP="BENCH_YOGA=${BENCH_YOGA}"
  elif ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    YOGA_SKIP="node or npm not installed"
  elif (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
    YOGA_SKIP="node $(node --version) is older than 20"
  fi
  if [[ -n "$YOGA_SKIP" ]]; then
    log "SKIPPING the graphql-yoga comparison ($YOGA_SCENARIOS): $YOGA_SKIP"
  else
    log "installing the graphql-yoga comparison gateway (npm ci in bench/yoga)"
    (cd "$YOGA_DIR" && npm ci --no-audit --no-fund) >"$WORK/yoga-npm.log" 2>&1 \
      || { tail -20 "$WORK/yoga-npm.log"; die "npm ci in bench/yoga failed (BENCH_YOGA=0 skips the comparison)"; }
    YOGA_VERSIONS="$(jq -c --arg node "$(node --version)" '.packages as $p | {node: $node,
      "graphql-yoga": $p["node_modules/graphql-yoga"].version, graphql: $p["node_modules/graphql"].version,
      dataloader: $p["node_modules/dataloader"].version}' "$YOGA_DIR/package-lock.json")"
  fi
fi

# ---------------------------------------------------------------- what is on this checkout
# Detect, don't assume: the Redis+memory cache binds Gateway:Cache and ConnectionStrings:Redis.
CACHE=no
if grep -rqs --include='*.cs' '"Gateway:Cache"' src/DrsGraph.Gateway; then CACHE=yes; fi
REDIS_ARG=(); REDIS_VERSION=""; REDIS_PORT=""
if [[ "$CACHE" == yes && "${BENCH_REDIS:-1}" == 1 ]]; then
  if ! command -v redis-server >/dev/null; then
    log "installing redis-server (Debian)"
    apt-get install -y redis-server >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y redis-server >/dev/null; }
  fi
  REDIS_PORT="$(free_port)"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$REDIS_PORT" ping >/dev/null || die "redis did not start (see $WORK/redis.log)"
  REDIS_VERSION="$(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p')"
  REDIS_ARG=("--ConnectionStrings:Redis=127.0.0.1:$REDIS_PORT")
fi
# Freshness of a cached status, for "upstream calls per TTL"; the cache's documented default is 5 s.
STATUS_TTL_S=""
if [[ "$CACHE" == yes ]]; then
  ttl="$(jq -r '.Gateway.Cache.StatusTtl // empty' appsettings.json 2>/dev/null || true)"
  if [[ -z "$ttl" ]]; then
    ttl="$(grep -rhoE 'StatusTtl \{ get; set; \} = TimeSpan\.FromSeconds\([0-9.]+\)' src/DrsGraph.Gateway | grep -oE '[0-9.]+' | head -1 || true)"
  else
    ttl="$(awk -F: '{print $1 * 3600 + $2 * 60 + $3}' <<<"$ttl")"
  fi
  STATUS_TTL_S="${ttl:-}"
fi
# The rate limit stays in the path with its limits raised (scripts/loopback.sh); older checkouts have none.
GW_ARGS=(); RATE_LIMIT="none on this checkout"
if jq -e '.Gateway.Security.RateLimit' appsettings.json >/dev/null 2>&1; then
  GW_ARGS+=("${RAISED_RATE_LIMIT_ARGS[@]}")
  RATE_LIMIT="on, limits raised to 1000000 per caller, per address and period"
fi
log "cache on this checkout: $CACHE${REDIS_PORT:+ (redis on 127.0.0.1:$REDIS_PORT)}${STATUS_TTL_S:+, status TTL ${STATUS_TTL_S}s}"

# ---------------------------------------------------------------- emulator
EMU_PORT="$(free_port)"
EMU="http://127.0.0.1:$EMU_PORT"
dotnet "$EMU_DLL" --urls "$EMU" >"$WORK/emulator.log" 2>&1 &
EMU_PID=$!
wait_http "$EMU/_emulator/faults" 30 || die "emulator did not start (see $WORK/emulator.log)"
curl -fsS -X DELETE "$EMU/_emulator/faults" >/dev/null
log "emulator pid $EMU_PID on $EMU"

# The same real, existing (not deleted) seed jobs for every scenario, in the emulator's order.
curl -fsS "$EMU/_emulator/jobs?projectId=$PROJECT_ID" >"$WORK/jobs.json"
IDS20="$(jq -c '[.jobs[] | select(.deleted | not) | .id][:20]' "$WORK/jobs.json")"
IDS100="$(jq -c '[.jobs[] | select(.deleted | not) | .id][:100]' "$WORK/jobs.json")"
[[ "$(jq length <<<"$IDS100")" == 100 ]] || die "the emulator has fewer than 100 live jobs"

Q_STATUS1='query($id: ID!) { job(id: $id) { id status } }'
Q_FULL20='query($ids: [ID!]!) { jobs(ids: $ids) { id status phase isTerminal isFailed progress { percent incrementalDelaySeconds remainingSeconds phases { name percent } } detail { name taskType createdAt source { dbType host port } target { dbType instanceName } } } }'
Q_DETAIL100='query($ids: [ID!]!) { jobs(ids: $ids) { id detail { name status taskType createdAt updatedAt source { dbType host port } target { dbType host port instanceName } } } }'
Q_POLL20='query($ids: [ID!]!) { jobs(ids: $ids) { id status progress { percent } } }'
jq -nc --arg q "$Q_STATUS1" --argjson ids "$IDS20" '{query: $q, variables: {id: $ids[0]}}' >"$WORK/status1.json"
jq -nc --arg q "$Q_FULL20" --argjson ids "$IDS20" '{query: $q, variables: {ids: $ids}}' >"$WORK/full20.json"
jq -nc --arg q "$Q_DETAIL100" --argjson ids "$IDS100" '{query: $q, variables: {ids: $ids}}' >"$WORK/detail100.json"
jq -nc --arg q "$Q_POLL20" --argjson ids "$IDS20" '{query: $q, variables: {ids: $ids}}' >"$WORK/poll20.json"
# What the gateway's client sends: explicit paging (progress ignores page_req).
jq -nc --argjson ids "$IDS20" '{jobs: $ids, page_req: {cur_page: 1, per_page: 100}}' >"$WORK/batch20.json"

# ---------------------------------------------------------------- gateway
GW_PORT="$(free_port)"
GW="http://127.0.0.1:$GW_PORT"
start_gateway() {
  [[ -n "$REDIS_PORT" ]] && redis-cli -p "$REDIS_PORT" flushall >/dev/null
  # shellcheck disable=SC2086 # BENCH_GATEWAY_ENV is a list of NAME=value words, for runtime experiments
  env $GATEWAY_RUNTIME_ENV ${BENCH_GATEWAY_ENV:-} dotnet "$GW_DLL" --urls "$GW" "--Drs:Endpoint=$EMU" --Drs:AllowInsecureEndpoint=true "${REDIS_ARG[@]}" "${GW_ARGS[@]}" >"$WORK/gateway.$1.log" 2>&1 &
  GW_PID=$!
  wait_http "$GW/graphql" 120 -X POST -H 'Content-Type: application/json' -d '{"query":"{ __typename }"}' \
    || die "gateway did not start (see $WORK/gateway.$1.log)"
}
stop_gateway() { stop_pid "$GW_PID"; GW_PID=""; }

# One gateway process serves every scenario, as a deployed one would serve every kind of load: it is
# started and warmed up once (the cold 20-job load exercises every path: GraphQL, the three loaders, the
# client, the cache when there is one), then each scenario resets its peak RSS and warms up briefly.
ensure_gateway() {
  [[ -n "$GW_PID" ]] && return 0
  start_gateway shared
  log "gateway pid $GW_PID on $GW; warming it up with the cold 20-job load"
  export BENCH_BODY="$WORK/full20.json" BENCH_TOKEN=unique BENCH_RATE=0 BENCH_THREADS="$THREADS"
  warm_up "$CONNECTIONS" graphql.lua "$GW/graphql" "$GW_PID" gateway-start "$START_WARMUP_MIN" "$START_WARMUP_MAX"
}

# The graphql-yoga comparison gateway: one Node process against the same emulator, started and warmed up
# the same way (V8's JIT tiers up under load too), after DrsGraph's gateway is stopped so neither idles
# on the cores while the other is measured.
YOGA_PORT=""; YOGA=""
ensure_yoga() {
  [[ -n "$YOGA_PID" ]] && return 0
  YOGA_PORT="$(free_port)"; YOGA="http://127.0.0.1:$YOGA_PORT"
  NODE_ENV=production DRS_ENDPOINT="$EMU" DRS_PROJECT_ID="$PROJECT_ID" HOST=127.0.0.1 PORT="$YOGA_PORT" \
    node "$YOGA_DIR/server.mjs" >"$WORK/yoga.log" 2>&1 &
  YOGA_PID=$!
  wait_http "$YOGA/graphql" 30 -X POST -H 'Content-Type: application/json' -d '{"query":"{ __typename }"}' \
    || die "the yoga gateway did not start (see $WORK/yoga.log)"
  log "yoga gateway pid $YOGA_PID on $YOGA; warming it up with the cold 20-job load"
  export BENCH_BODY="$WORK/full20.json" BENCH_TOKEN=unique BENCH_RATE=0 BENCH_THREADS="$THREADS"
  warm_up "$CONNECTIONS" graphql.lua "$YOGA/graphql" "$YOGA_PID" yoga-start "$START_WARMUP_MIN" "$START_WARMUP_MAX"
}

# The process's peak RSS so far is kept, then VmHWM restarts from the current RSS (Linux clear_refs 5),
# so each scenario reports its own peak.
PROCESS_PEAK_KB=0; YOGA_PEAK_KB=0
reset_peak() {
  local hwm
  hwm="$(status_kb "$1" VmHWM)"
  [[ "$1" == "$GW_PID" && "${hwm:-0}" -gt "$PROCESS_PEAK_KB" ]] && PROCESS_PEAK_KB="$hwm"
  [[ "$1" == "$YOGA_PID" && "${hwm:-0}" -gt "$YOGA_PEAK_KB" ]] && YOGA_PEAK_KB="$hwm"
  echo 5 >"/proc/$1/clear_refs" 2>/dev/null || log "  (cannot reset VmHWM: peak RSS is the process's so far)"
}

# One request by hand before the load: the scenario must return 200, data, and no GraphQL errors.
check_gateway() { # url, body, expected job count
  local out
  out="$(curl -sS --max-time 10 -H 'Content-Type: application/json' -H 'X-Auth-Token: bench-check' -d @"$2" "$1")"
  jq -e --argjson n "$3" '(.errors | not) and ((.data.jobs // [.data.job]) | length == $n) and all((.data.jobs // [.data.job])[]; . != null)' >/dev/null <<<"$out" \
    || die "check failed for $(basename "$2") on $1: $(head -c 600 <<<"$out")"
}

# wrk's JSON line (from lua/common.lua's done()).
run_wrk() { # connections, seconds, script, url, output file
  BENCH_RUN_ID="$(date +%s%N)" wrk -t"$THREADS" -c"$1" -d"$2s" --timeout 10s --latency -s "$BENCH/lua/$3" "$4" >"$5" 2>&1 || { cat "$5" >&2; die "wrk failed"; }
  grep '^BENCH_JSON ' "$5" | tail -1 | cut -d' ' -f2-
}

# Upstream calls since the last clear: the log's last sequence number is the total (it keeps only the
# last 10 000 entries, so the per-endpoint split and non-2xx count are over those).
upstream_counts() {
  sleep 0.3 # let calls of requests still in flight when wrk stopped be logged and answered
  curl -fsS "$EMU/_emulator/requests" | jq -c '.requests as $r | {
      total: (if ($r | length) == 0 then 0 else $r[-1].sequence end),
      kept: ($r | length),
      by_endpoint: (reduce $r[] as $x ({}; .[$x.endpoint] += 1)),
      non_2xx: ([$r[] | select(.statusCode != null and (.statusCode < 200 or .statusCode > 299))] | length) }'
}

# The exact upstream cost of one request on its own, after the load: 5 sequential requests with the
# scenario's token mode (a new token each for cold scenarios), log cleared before, counted after.
probe_calls() { # url, body, token mode
  local i token
  curl -fsS -X DELETE "$EMU/_emulator/requests" >/dev/null
  for i in 1 2 3 4 5; do
    token="$3"; [[ "$token" == unique ]] && token="bench-probe-$RANDOM-$i"
    curl -fsS -o /dev/null --max-time 10 -H 'Content-Type: application/json' -H "X-Auth-Token: $token" -d @"$2" "$1"
  done
  sleep 0.2
  curl -fsS "$EMU/_emulator/requests" | jq '(.requests | length) / 5'
}

# Warm-up until steady: after start, the JIT (tiered compilation with dynamic PGO) keeps recompiling hot
# code for 20-40 s of load on 2 cores, and CPU per request falls 3-5x meanwhile. So each process gets one
# long warm-up when it starts (BENCH_START_WARMUP_MIN..MAX s: the emulator in the baseline, the gateway
# with the cold 20-job load), and each scenario a short one of its own load (BENCH_WARMUP_MIN..MAX s):
# rounds of BENCH_WARMUP s for at least the minimum (the drop comes in steps, so two similar early rounds
# prove nothing), then until two rounds in a row cost the same CPU per request within 10 %, or the
# maximum. The rounds are recorded in the JSON.
warm_up() { # connections, lua, url, pid, name, min seconds, max seconds
  local conns="$1" lua="$2" url="$3" pid="$4" name="$5" min="$6" max="$7" elapsed=0 round=0 c0 c1 json prev="" now
  : >"$WORK/$name.warmup.jsonl"
  while :; do
    round=$((round + 1))
    c0="$(cpu_ticks "$pid")"
    json="$(run_wrk "$conns" "$WARMUP" "$lua" "$url" "$WORK/$name.warmup.$round.txt")"
    c1="$(cpu_ticks "$pid")"
    elapsed=$((elapsed + WARMUP))
    now="$(jq -n --argjson w "$json" --argjson cpu "$((c1 - c0))" --argjson tck "$CLK_TCK" \
      'if $w.requests > 0 then $cpu / $tck * 1000 / $w.requests else 0 end')"
    jq -nc --argjson w "$json" --argjson cpu_ms "$now" '{rps: $w.rps, p50_ms: $w.p50_ms, cpu_ms_per_request: $cpu_ms}' >>"$WORK/$name.warmup.jsonl"
    if [[ -n "$prev" && "$elapsed" -ge "$min" ]] && jq -en --argjson a "$prev" --argjson b "$now" '$a > 0 and (($b - $a) | fabs) / $a < 0.10' >/dev/null; then
      break
    fi
    ((elapsed + WARMUP > max)) && break
    prev="$now"
  done
  log "  warm-up: $round rounds of ${WARMUP}s, CPU ms/req $(jq -r '.cpu_ms_per_request * 100 | round / 100' "$WORK/$name.warmup.jsonl" | paste -sd' ')"
}

# The gateway's GC counters from its own /metrics (the System.Runtime meter, exported by the Prometheus
# endpoint): bytes allocated since start and collections per generation. Read before and after a
# scenario's measured window; "null" when the process has no such endpoint (yoga, raw, the emulator).
# The exporter caches a scrape for 300 ms: both reads are more than that apart from any other.
gc_sample() { # base url
  curl -fsS --max-time 5 "$1/metrics" 2>/dev/null | awk '
    /^dotnet_gc_heap_total_allocated_bytes_total/ { a = $NF }
    /^dotnet_gc_collections_total/ && /gen0/ { g0 = $NF }
    /^dotnet_gc_collections_total/ && /gen1/ { g1 = $NF }
    /^dotnet_gc_collections_total/ && /gen2/ { g2 = $NF }
    END { if (a == "") print "null"; else printf "{\"allocated_bytes\":%s,\"gen0\":%s,\"gen1\":%s,\"gen2\":%s}\n", a, g0 + 0, g1 + 0, g2 + 0 }' \
    || echo null
}

SCENARIOS="$WORK/scenarios.jsonl"; : >"$SCENARIOS"

# name, description, target (gateway: DrsGraph | yoga: bench/yoga | emulator), lua, body, token, connections,
# [rate to hold, req/s]. Both gateways are measured by the same code: the target only picks the process.
scenario() {
  local name="$1" desc="$2" target="$3" lua="$4" body="$5" token="$6" conns="$7" rate="${8:-0}"
  local url pid t0 t1 e0 e1 wrk_json up hwm rss alone min="${SCENARIO_WARMUP_MIN:-$WARMUP_MIN}" max="${SCENARIO_WARMUP_MAX:-$WARMUP_MAX}"
  local gc0=null gc1=null first=null f0 f1 fw
  selected "$name" || return 0
  if [[ "$target" == yoga && -n "$YOGA_SKIP" ]]; then
    # Recorded, so the results say the comparison was asked for and why it is missing.
    jq -nc --arg name "$name" --arg desc "$desc" --arg reason "$YOGA_SKIP" \
      '{name: $name, description: $desc, target: "yoga", skipped: true, skip_reason: $reason}' >>"$SCENARIOS"
    log "scenario $name: skipped ($YOGA_SKIP)"
    return 0
  fi
  log "scenario $name: $desc"
  case "$target" in
    gateway) ensure_gateway; pid="$GW_PID"; url="$GW/graphql" ;;
    yoga) ensure_yoga; pid="$YOGA_PID"; url="$YOGA/graphql" ;;
    raw) pid="$RAW_PID"; url="$RAW/graphql" ;;
    *) pid="$EMU_PID"; url="$EMU/v3/$PROJECT_ID/jobs/batch-status"; min="$START_WARMUP_MIN"; max="$START_WARMUP_MAX" ;;
  esac
  export BENCH_BODY="$body" BENCH_TOKEN="$token" BENCH_RATE="$rate" BENCH_THREADS="$THREADS" BENCH_BATCH_PREFIX="/v3/$PROJECT_ID/jobs/batch-"
  [[ "$target" != emulator ]] && check_gateway "$url" "$body" "$(jq '.variables.ids // [1] | length' "$body")"
  reset_peak "$pid"
  # SCENARIO_FIRST_S (coldstart): the first seconds of load, measured before any warm-up.
  if [[ -n "${SCENARIO_FIRST_S:-}" ]]; then
    f0="$(cpu_ticks "$pid")"
    fw="$(run_wrk "$conns" "$SCENARIO_FIRST_S" "$lua" "$url" "$WORK/$name.first.txt")"
    f1="$(cpu_ticks "$pid")"
    first="$(jq -nc --argjson w "$fw" --argjson cpu "$((f1 - f0))" --argjson tck "$CLK_TCK" \
      '{duration_s: $w.duration_s, rps: $w.rps, requests: $w.requests, p50_ms: $w.p50_ms, p99_ms: $w.p99_ms,
        cpu_ms_per_request: (if $w.requests > 0 then $cpu / $tck * 1000 / $w.requests else null end)}')"
    log "  first ${SCENARIO_FIRST_S}s of load: $(jq -r '"\(.rps | floor) req/s, CPU ms/req \(.cpu_ms_per_request * 100 | round / 100)"' <<<"$first")"
  fi
  warm_up "$conns" "$lua" "$url" "$pid" "$name" "$min" "$max"
  sleep 1 # requests the warm-up left in flight may still call upstream: let them finish before counting
  curl -fsS -X DELETE "$EMU/_emulator/requests" >/dev/null
  [[ "$target" == gateway ]] && gc0="$(gc_sample "${url%/graphql}")"
  t0="$(cpu_ticks "$pid")"; e0="$(cpu_ticks "$EMU_PID")"
  wrk_json="$(run_wrk "$conns" "$DURATION" "$lua" "$url" "$WORK/$name.txt")"
  t1="$(cpu_ticks "$pid")"; e1="$(cpu_ticks "$EMU_PID")"
  up="$(upstream_counts)"
  [[ "$target" == gateway ]] && gc1="$(gc_sample "${url%/graphql}")"
  hwm="$(status_kb "$pid" VmHWM)"; rss="$(status_kb "$pid" VmRSS)"
  alone=null
  if [[ "$target" != emulator ]]; then
    check_gateway "$url" "$body" "$(jq '.variables.ids // [1] | length' "$body")"
    alone="$(probe_calls "$url" "$body" "$token")"
  fi
  # Upstream calls per request under load = calls logged / requests wrk saw answered. Each connection may
  # have one more request in flight when wrk stops, whose calls are logged too: a slight over-count,
  # which the sequential probe (upstream_calls_per_request_alone) does not have.
  jq -nc --arg name "$name" --arg desc "$desc" --arg target "$target" --arg token "$token" \
    --argjson conns "$conns" --argjson rate "$rate" --argjson wrk "$wrk_json" --argjson up "$up" \
    --argjson cpu "$(( t1 - t0 ))" --argjson ecpu "$(( e1 - e0 ))" --argjson tck "$CLK_TCK" \
    --argjson hwm "${hwm:-0}" --argjson rss "${rss:-0}" --argjson latency "${SCENARIO_LATENCY:-null}" --argjson alone "$alone" --argjson gc0 "$gc0" --argjson gc1 "$gc1" --argjson first "$first" --slurpfile warmup "$WORK/$name.warmup.jsonl" '
    {name: $name, description: $desc, target: $target, connections: $conns, threads: '"$THREADS"',
     token: (if $token == "unique" then "unique per request (cold cache)" else "fixed" end),
     target_rps: (if $rate > 0 then $rate else null end), upstream_latency: $latency,
     rps: $wrk.rps, p50_ms: $wrk.p50_ms, p90_ms: $wrk.p90_ms, p99_ms: $wrk.p99_ms, max_ms: $wrk.max_ms,
     requests: $wrk.requests, duration_s: $wrk.duration_s, errors: $wrk.errors,
     upstream: $up, warmup_rounds: $warmup,
     upstream_calls_per_request: (if $target != "emulator" and $wrk.requests > 0 then $up.total / $wrk.requests else null end),
     upstream_calls_per_request_alone: $alone,
     upstream_calls_per_s: ($up.total / $wrk.duration_s),
     cpu_s: ($cpu / $tck), cpu_pct_of_one_core: ($cpu / $tck / $wrk.duration_s * 100),
     cpu_ms_per_request: (if $wrk.requests > 0 then $cpu / $tck * 1000 / $wrk.requests else null end),
     emulator_cpu_s: (if $target != "emulator" then $ecpu / $tck else null end),
     peak_rss_mb: ($hwm / 1024), rss_end_mb: ($rss / 1024),
     gc: (if $gc0 != null and $gc1 != null and $wrk.requests > 0 then
       {allocated_kb_per_request: (($gc1.allocated_bytes - $gc0.allocated_bytes) / 1024 / $wrk.requests),
        gen0: ($gc1.gen0 - $gc0.gen0), gen1: ($gc1.gen1 - $gc0.gen1), gen2: ($gc1.gen2 - $gc0.gen2)} else null end),
     first_load: $first,
     coldstart_ratio: (if $first != null and $first.cpu_ms_per_request != null and $wrk.requests > 0
       then $first.cpu_ms_per_request / ($cpu / $tck * 1000 / $wrk.requests) else null end)}' >>"$SCENARIOS"
  log "  $(tail -1 "$SCENARIOS" | jq -r '"\(.rps | floor) req/s, p50 \(.p50_ms * 100 | round / 100) ms, p99 \(.p99_ms * 100 | round / 100) ms, upstream/req \(.upstream_calls_per_request // "-" | if type == "number" then (. * 100 | round / 100) else . end) (alone \(.upstream_calls_per_request_alone // "-")), cpu \(.cpu_pct_of_one_core | round)%, peak rss \(.peak_rss_mb | round) MB, bad \(.errors.bad_responses + .errors.status + .errors.timeout)"')"
}
rps_of() { jq -r --arg n "$1" 'select(.name == $n and (.skipped | not)) | .rps' "$SCENARIOS"; }

# ---------------------------------------------------------------- scenarios
scenario baseline "emulator batch endpoints called directly, 20 IDs, status/progress/detail in turn" \
  emulator batch.lua "$WORK/batch20.json" fixed "$CONNECTIONS"
scenario status1 "one job's status" gateway graphql.lua "$WORK/status1.json" bench-token "$CONNECTIONS"
scenario warm20 "20 jobs x status+progress+detail, warm: one token" \
  gateway graphql.lua "$WORK/full20.json" bench-token "$CONNECTIONS"
# raw (issue 15): bare Kestrel (bench/DrsGraph.RawPeer) parsing the same body and writing the gateway's own
# warm20 answer, captured here byte for byte: the ceiling of this machine for this request. Measured while
# the gateway idles, with the same Lua, connections and warm-up.
if selected raw; then
  ensure_gateway
  curl -fsS --max-time 10 -H 'Content-Type: application/json' -H 'X-Auth-Token: bench-token' -d @"$WORK/full20.json" \
    "$GW/graphql" >"$WORK/answer20.json" || die "could not capture the gateway's warm20 answer for the raw peer"
  RAW_PORT="$(free_port)"; RAW="http://127.0.0.1:$RAW_PORT"
  dotnet "$RAW_DLL" --urls "$RAW" --answer "$WORK/answer20.json" >"$WORK/raw.log" 2>&1 &
  RAW_PID=$!
  wait_http "$RAW/graphql" 30 -X POST -H 'Content-Type: application/json' -d @"$WORK/full20.json" \
    || die "the raw peer did not start (see $WORK/raw.log)"
  log "raw peer pid $RAW_PID on $RAW, answering $(wc -c <"$WORK/answer20.json") bytes"
  scenario raw "bare Kestrel: parse the warm20 request body, write the gateway's warm20 answer (same bytes)" \
    raw graphql.lua "$WORK/full20.json" bench-token "$CONNECTIONS"
  stop_pid "$RAW_PID"; RAW_PID=""
fi
if selected warm20_half && [[ -n "$(rps_of warm20)" ]]; then
  HALF="$(jq -n --argjson r "$(rps_of warm20)" '$r / 2')"
  HALF_CONNS=$(( CONNECTIONS / 2 ))
  scenario warm20_half "warm20 held at half its peak rate ($(printf '%.0f' "$HALF") req/s, wrk paced by lua/graphql.lua)" \
    gateway graphql.lua "$WORK/full20.json" bench-token "$HALF_CONNS" "$HALF"
fi
scenario detail100 "100 jobs x detail, one token" gateway graphql.lua "$WORK/detail100.json" bench-token "$CONNECTIONS"
scenario poll200 "$POLLERS clients polling the same 20 jobs (status+progress), one token, no pause" \
  gateway graphql.lua "$WORK/poll20.json" bench-token "$POLLERS"
# The cold 20-job load while the emulator answers 30 +/- 5 ms late (its faults API), then on time again.
LATENCY_30MS='{"latencyMs":25,"jitterMs":10}'
scenario_30ms() { # name, description, target (gateway | yoga)
  selected "$1" || return 0
  curl -fsS -X PUT -H 'Content-Type: application/json' -d "$LATENCY_30MS" "$EMU/_emulator/faults" >/dev/null
  SCENARIO_LATENCY="$LATENCY_30MS" scenario "$1" "$2" "$3" graphql.lua "$WORK/full20.json" unique "$CONNECTIONS"
  curl -fsS -X DELETE "$EMU/_emulator/faults" >/dev/null
}
# Cold scenarios last: each request leaves a new token's entries in the cache.
scenario cold20 "20 jobs x status+progress+detail, cold: a new X-Auth-Token per request" \
  gateway graphql.lua "$WORK/full20.json" unique "$CONNECTIONS"
scenario_30ms cold20_30ms "cold20 against a 30 +/- 5 ms upstream (emulator faults: 25 ms + 0..10 ms)" gateway
if [[ -n "$GW_PID" ]]; then
  reset_peak "$GW_PID"
  stop_gateway
fi
# cold20_nocache (issue 15, target 1): the same cold load through a second gateway process started with
# Gateway:Cache:Enabled=false, in the same run, so the cache's miss path is the only difference. Its peak
# RSS counts towards the run's gateway peak like the first process's.
if selected cold20_nocache; then
  saved_args=("${GW_ARGS[@]}")
  GW_ARGS+=("--Gateway:Cache:Enabled=false")
  scenario cold20_nocache "cold20 through a gateway started with Gateway:Cache:Enabled=false" \
    gateway graphql.lua "$WORK/full20.json" unique "$CONNECTIONS"
  reset_peak "$GW_PID"
  stop_gateway
  GW_ARGS=("${saved_args[@]}")
fi
# coldstart (issue 15, target 5): a freshly started gateway (defaults) under the cold 20-job load at once:
# its CPU ms per request over the first BENCH_COLDSTART_S (10) seconds, then after the same warm-up as a
# gateway start, its steady figure; coldstart_ratio is the first over the steady. Besides the gateway's own
# start-up warm-up (Gateway:Health:WarmUpRequests, through a copy of itself before it listens), the one check
# request before the load is the only traffic it has seen.
if selected coldstart; then
  start_gateway coldstart
  log "gateway pid $GW_PID on $GW, fresh (no warm-up)"
  SCENARIO_FIRST_S="${BENCH_COLDSTART_S:-10}" SCENARIO_WARMUP_MIN="$START_WARMUP_MIN" SCENARIO_WARMUP_MAX="$START_WARMUP_MAX" \
    scenario coldstart "a fresh gateway: cold20 over its first ${BENCH_COLDSTART_S:-10} s of load, then steady" \
    gateway graphql.lua "$WORK/full20.json" unique "$CONNECTIONS"
  reset_peak "$GW_PID"
  stop_gateway
fi
# ---------------------------------------------------------------- live updates (issue 14)
# BENCH_ONLY=subscriptions: a gateway of its own (limits raised for one caller's 1000 subscriptions),
# driven by bench/subscriptions/driver.mjs (graphql-ws): memory per connection and per idle subscription,
# change-to-client latency at 1000 subscriptions, upstream calls per minute of 1000 subscribers vs 1000
# clients polling every 5 s. Knobs: BENCH_SUB_CHANGES (10), BENCH_SUB_WINDOW (30 s of polling).
# Written to bench/results/<timestamp>.subscriptions.json (not to the wrk table).
subscriptions_scenario() {
  selected subscriptions || return 0
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "scenario subscriptions: skipped (node or npm not installed)"; return 0
  fi
  [[ -d "$BENCH/subscriptions/node_modules" ]] || (cd "$BENCH/subscriptions" && npm ci --no-audit --no-fund >/dev/null)
  local saved=("${GW_ARGS[@]}") saved_env="$GATEWAY_RUNTIME_ENV" out
  stop_gateway
  # One client address, one token: the replica-wide and per-address ceilings are raised with the per-caller ones.
  GW_ARGS+=("--Gateway:Subscriptions:MaxJobsPerCaller=100000" "--Gateway:Subscriptions:MaxJobsPerReplica=10000000"
    "--Gateway:Subscriptions:MaxSubscriptionsPerCaller=100000" "--Gateway:Subscriptions:MaxSubscriptionsPerReplica=10000000"
    "--GraphQL:Streaming:MaxConnectionsPerCaller=1000" "--GraphQL:Streaming:MaxConnectionsPerAddress=100000")
  # Workstation GC with a small gen0 budget, so RSS and the heap after the last GC follow live memory
  # rather than the 64 MB gen0 budget the throughput scenarios run with.
  GATEWAY_RUNTIME_ENV="DOTNET_gcServer=0 DOTNET_GCgen0size=0x200000"
  start_gateway subscriptions
  log "scenario subscriptions: 50 WebSockets x 20 jobUpdates on 20 jobs, then 1000 clients polling every 5 s (gateway pid $GW_PID)"
  GATEWAY="$GW/graphql" EMULATOR="$EMU" GATEWAY_PID="$GW_PID" PROJECT_ID="$PROJECT_ID" \
    CHANGES="${BENCH_SUB_CHANGES:-10}" WINDOW_S="${BENCH_SUB_WINDOW:-30}" \
    node "$BENCH/subscriptions/driver.mjs" >"$WORK/subscriptions.json" 2> >(tee "$WORK/subscriptions.log" >&2) \
    || die "the subscriptions driver failed (see $WORK/subscriptions.log)"
  stop_gateway
  GW_ARGS=("${saved[@]}"); GATEWAY_RUNTIME_ENV="$saved_env"
  mkdir -p "$RESULTS_DIR"
  out="$RESULTS_DIR/$STAMP.subscriptions.json"
  jq --arg command "$COMMAND" --arg commit "$(git -C "$ROOT" rev-parse --short HEAD)" --arg redis "${REDIS_PORT:+yes}" \
    '{command: $command, commit: $commit, redis: ($redis == "yes")} + .' "$WORK/subscriptions.json" >"$out"
  log "  $(jq -r '"latency p50 \(.change_to_client_ms.p50) ms p99 \(.change_to_client_ms.p99) ms; upstream/min: subscribers idle \(.subscribers_idle.upstream_calls_per_min), changing \(.subscribers.upstream_calls_per_min), pollers \(.pollers.upstream_calls_per_min); RSS per connection \(.memory_per_connection_kb) KB, per subscription \(.memory_per_subscription_kb) KB; heap per connection \(.heap_per_connection_kb) KB, per subscription \(.heap_per_subscription_kb) KB"' "$out")"
  log "  results: $out"
}
subscriptions_scenario

# The graphql-yoga + dataloader comparison (bench/yoga), after DrsGraph's gateway has stopped: the same
# emulator, queries, Lua, warm-up and measurements. It has no cache, so every request is cold; the
# single-job query goes upstream on each request where DrsGraph's status1 is answered from its cache.
scenario yoga_status1 "status1 through graphql-yoga + dataloader (no cache: one upstream call per request)" \
  yoga graphql.lua "$WORK/status1.json" bench-token "$CONNECTIONS"
scenario yoga_cold20 "cold20 through graphql-yoga + dataloader (no cache: every request is cold)" \
  yoga graphql.lua "$WORK/full20.json" unique "$CONNECTIONS"
scenario_30ms yoga_cold20_30ms "cold20_30ms through graphql-yoga + dataloader" yoga
if [[ -n "$YOGA_PID" ]]; then
  reset_peak "$YOGA_PID"
  stop_pid "$YOGA_PID"; YOGA_PID=""
fi
EMU_HWM_MB="$(( $(status_kb "$EMU_PID" VmHWM) / 1024 ))"

# ---------------------------------------------------------------- results
mkdir -p "$RESULTS_DIR"
RESULT="$RESULTS_DIR/$STAMP.json"
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo '+dirty-src')"
CPU_MODEL="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
MEM_TOTAL="$(free -h | awk '/^Mem:/ {print $2}')"
DOTNET_VERSION="$(dotnet --list-runtimes | awk '/Microsoft.AspNetCore.App/ {v=$2} END {print v}')"
GC_MODE="$(jq -r '.runtimeOptions.configProperties["System.GC.Server"] // false | if . then "server" else "workstation" end' \
  "${GW_DLL%.dll}.runtimeconfig.json")"
GC_MODE="$GC_MODE GC, $GATEWAY_RUNTIME_ENV, $(if [[ "$READY_TO_RUN" == 1 ]]; then echo "ReadyToRun publish ($RID)"; else echo "plain build (no ReadyToRun)"; fi)"
jq -s --arg stamp "$STAMP" --arg commit "$COMMIT" --arg cpu "$CPU_MODEL" --arg mem "$MEM_TOTAL" \
  --argjson nproc "$(nproc)" --arg kernel "$(uname -r)" --arg dotnet "$DOTNET_VERSION" --arg gc "$GC_MODE" \
  --arg wrk "$(wrk -v 2>&1 | head -1 | awk '{print $2}')" --arg redis "$REDIS_VERSION" --arg cache "$CACHE" \
  --arg ttl "$STATUS_TTL_S" --argjson duration "$DURATION" --argjson warmup "$WARMUP" --argjson warmupmin "$WARMUP_MIN" --argjson warmupmax "$WARMUP_MAX" --argjson startmin "$START_WARMUP_MIN" --argjson startmax "$START_WARMUP_MAX" --argjson gwpeak "$(( PROCESS_PEAK_KB / 1024 ))" --argjson yogapeak "$(( YOGA_PEAK_KB / 1024 ))" --argjson yoga "$YOGA_VERSIONS" --arg yogaskip "$YOGA_SKIP" --arg ratelimit "$RATE_LIMIT" --argjson emuhwm "$EMU_HWM_MB" \
  --arg command "$COMMAND" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '
  def by($n): (map(select(.name == $n)) | first);
  . as $s
  | (by("baseline").rps) as $base
  | (if $ttl == "" then null else ($ttl | tonumber) end) as $ttl_s
  | {
    timestamp: $stamp, commit: $commit, command: $command,
    machine: {nproc: $nproc, cpu: $cpu, memory: $mem, kernel: $kernel, dotnet_runtime: $dotnet, gc: $gc,
              wrk: $wrk, redis: (if $redis == "" then null else $redis end), loadavg_at_end: $load,
              yoga: $yoga},
    config: {duration_s: $duration, warmup_round_s: $warmup, warmup_min_s: $warmupmin, warmup_max_s: $warmupmax, start_warmup_min_s: $startmin, start_warmup_max_s: $startmax, gateway_process_peak_rss_mb: $gwpeak, rate_limit: $ratelimit, cache_on_checkout: ($cache == "yes"),
             redis: ($redis != ""), status_ttl_s: $ttl_s, emulator_peak_rss_mb: $emuhwm,
             yoga_process_peak_rss_mb: (if $yogapeak > 0 then $yogapeak else null end),
             yoga_skipped: (if $yogaskip == "" then null else $yogaskip end)},
    baseline: (if $base then {batch_calls_per_s: $base, query_equivalents_per_s: ($base / 3)} else null end),
    scenarios: $s,
    targets: [
      (by("warm20") as $w | by("cold20") as $c | if $w and $c then
        {target: "warm 20-job throughput >= 10x cold", value: ($w.rps / $c.rps), unit: "x", met: ($w.rps >= 10 * $c.rps)} else empty end),
      (by("cold20") as $c | if $c and $base then
        {target: "cold 20-job throughput >= 60% of direct batch calls/s / 3", value: ($c.rps / ($base / 3) * 100), unit: "%", met: ($c.rps >= 0.6 * $base / 3)} else empty end),
      (by("warm20_half") as $h | if $h then
        {target: "warm p99 < 20 ms at half of peak throughput", value: $h.p99_ms, unit: "ms", achieved_rps: $h.rps, met: ($h.p99_ms < 20)} else empty end),
      (by("poll200") as $p | if $p then
        (if $ttl_s then ($p.upstream.total / ($p.duration_s / $ttl_s)) else null end) as $per_ttl
        | {target: "200 pollers cost at most a few upstream calls per TTL", value: ($per_ttl // $p.upstream.total),
           unit: (if $per_ttl then "upstream calls per \($ttl_s) s status TTL (2 endpoints polled)" else "upstream calls in \($p.duration_s | round) s (no cache: no TTL)" end),
           met: ($per_ttl != null and $per_ttl <= 6)} else empty end),
      (if $gwpeak > 0 then {target: "peak RSS < 250 MB", value: $gwpeak, unit: "MB", met: ($gwpeak < 250)} else empty end),
      # Issue 15: ratios between scenarios of this one run (each only when both sides were measured).
      (by("cold20") as $c | by("cold20_nocache") as $n | if $c and $n then
        {target: "issue 15: cold20 CPU/req <= 1.15x cold20_nocache", value: ($c.cpu_ms_per_request / $n.cpu_ms_per_request), unit: "x", met: ($c.cpu_ms_per_request <= 1.15 * $n.cpu_ms_per_request),
         why: "cache on \($c.cpu_ms_per_request * 100 | round / 100) CPU ms/req, off \($n.cpu_ms_per_request * 100 | round / 100)\(if $redis != "" then " (memory + Redis)" else " (memory level only)" end)"} else empty end),
      (by("cold20") as $c | by("yoga_cold20") as $y | if $c and $y and ($y.skipped | not) then
        ({target: "issue 15: cold20 CPU/req <= 0.5x yoga_cold20", value: ($c.cpu_ms_per_request / $y.cpu_ms_per_request), unit: "x", met: ($c.cpu_ms_per_request <= 0.5 * $y.cpu_ms_per_request),
          why: "DrsGraph \($c.cpu_ms_per_request * 100 | round / 100) CPU ms/req, yoga \($y.cpu_ms_per_request * 100 | round / 100)"},
         {target: "issue 15: cold20 req/s >= 2x yoga_cold20", value: ($c.rps / $y.rps), unit: "x", met: ($c.rps >= 2 * $y.rps),
          why: "DrsGraph \($c.rps | round) req/s, yoga \($y.rps | round)"}) else empty end),
      (by("cold20_30ms") as $c | by("yoga_cold20_30ms") as $y | if $c and $y and ($y.skipped | not) then
        {target: "issue 15: cold20_30ms req/s >= 2x yoga_cold20_30ms", value: ($c.rps / $y.rps), unit: "x", met: ($c.rps >= 2 * $y.rps),
         why: "DrsGraph \($c.rps | round) req/s, yoga \($y.rps | round)"} else empty end),
      (by("warm20") as $w | by("raw") as $x | if $w and $x then
        {target: "issue 15: warm20 req/s >= 60% of raw", value: ($w.rps / $x.rps * 100), unit: "%", met: ($w.rps >= 0.6 * $x.rps),
         why: "warm20 \($w.rps | round) req/s, raw peer \($x.rps | round) req/s"} else empty end),
      (if $gwpeak > 0 then {target: "issue 15: peak RSS < 200 MB", value: $gwpeak, unit: "MB", met: ($gwpeak < 200),
         why: "VmHWM of every gateway process of the run\(if $redis != "" then " (with Redis)" else " (BENCH_REDIS=0 or no Redis)" end)"} else empty end),
      (by("coldstart") as $f | if $f and $f.coldstart_ratio then
        {target: "issue 15: coldstart CPU/req over the first \($f.first_load.duration_s | round) s <= 2x steady", value: $f.coldstart_ratio, unit: "x", met: ($f.coldstart_ratio <= 2),
         why: "first \($f.first_load.duration_s | round) s: \($f.first_load.cpu_ms_per_request * 100 | round / 100) CPU ms/req at \($f.first_load.rps | round) req/s; steady \($f.cpu_ms_per_request * 100 | round / 100) at \($f.rps | round) req/s"} else empty end)
    ]
  }' "$SCENARIOS" >"$RESULT"
log "results: $RESULT"

# ---------------------------------------------------------------- table
TABLE="$(jq -r -f "$BENCH/table.jq" "$RESULT")"
printf '\n%s\n' "$TABLE"
if [[ "$APPEND" == 1 ]]; then
  printf '\n%s\n' "$TABLE" >>"$BENCH/README.md"
  log "table appended to bench/README.md"
fi
