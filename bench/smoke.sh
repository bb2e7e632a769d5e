#!/usr/bin/env bash
# The benchmark harness, checked rather than measured (part of ./test.sh, about two minutes): every part of
# bench/run.sh runs for a second or two on a few scenarios, and the answers and upstream call counts must
# be right. The figures of such a short run mean nothing and are thrown away.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d /tmp/drsgraph-bench-smoke.XXXX)"
trap 'rm -rf "$out"' EXIT

# The plain build (BENCH_READY_TO_RUN=0): the ReadyToRun publish would add half a minute to every test run.
# The micro-benchmarks are not in DrsGraph.sln: compile them here so they cannot rot unnoticed.
dotnet build bench/DrsGraph.Benchmarks/DrsGraph.Benchmarks.csproj -c Release --nologo -v q

# The live-updates scenario too, shortened (2 changes, 3 s windows): its own gateway, limits and driver
# drift from the rest of the harness unless something runs them.
BENCH_READY_TO_RUN=0 BENCH_DURATION=2 BENCH_WARMUP=1 BENCH_WARMUP_MIN=1 BENCH_WARMUP_MAX=2 BENCH_START_WARMUP_MIN=2 BENCH_START_WARMUP_MAX=3 \
  BENCH_SUB_CHANGES=2 BENCH_SUB_WINDOW=3 \
  BENCH_APPEND=0 BENCH_RESULTS_DIR="$out" BENCH_ONLY="baseline status1 poll200 cold20 yoga_cold20 subscriptions" \
  bench/run.sh >"$out/run.log" 2>&1 || { cat "$out/run.log"; echo "bench smoke: run.sh failed" >&2; exit 1; }

# No failed or malformed answer anywhere; a cold 20-job query costs exactly 3 calls in both gateways; a
# repeated one costs none in DrsGraph; yoga really ran (node is required here, as for the IDE build).
jq -e '
  ([.scenarios[] | .errors | .connect + .read + .write + .status + .timeout + .bad_responses] | add) == 0
  and ([.scenarios[] | select(.name == "cold20" or .name == "yoga_cold20") | .upstream_calls_per_request_alone] == [3, 3])
  and ([.scenarios[] | select(.name == "status1" or .name == "poll200") | .upstream_calls_per_request_alone] == [0, 0])
  and ([.scenarios[] | select(.skipped == true)] | length) == 0
  and ([.scenarios[].name] | length) == 5' "$out"/*[0-9]Z.json >/dev/null \
  || { cat "$out/run.log"; jq '.scenarios[] | {name, errors, skipped, alone: .upstream_calls_per_request_alone}' "$out"/*[0-9]Z.json; echo "bench smoke: wrong figures" >&2; exit 1; }
# Live updates: every subscription got an event for each change, the pollers were all answered, and the
# shared poller called DRS at all (the figures themselves mean nothing after 3 s).
jq -e '
  .events_timed == .subscriptions * .changes
  and .pollers.failures == 0 and .pollers.requests > 0
  and .subscribers.upstream.total > 0 and .memory_per_subscription_kb != null' "$out"/*.subscriptions.json >/dev/null \
  || { cat "$out/run.log"; cat "$out"/*.subscriptions.json; echo "bench smoke: wrong live-update figures" >&2; exit 1; }
echo "bench smoke: passed (5 scenarios, 0 bad answers, 3 upstream calls per cold 20-job query, 0 per warm one; live updates: every subscription saw every change)"
