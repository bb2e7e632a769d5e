#!/usr/bin/env bash
# DrsGraph micro-benchmarks (BenchmarkDotNet, [MemoryDiagnoser], ShortRun in process): a few minutes.
#
#   bench/micro.sh                          # every benchmark; summaries saved under bench/results/
#   bench/micro.sh --filter '*Mapper*'      # a subset (any BenchmarkDotNet argument is passed on)
#
# The project is not in DrsGraph.sln (so `dotnet test DrsGraph.sln` stays fast); it is built by path.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT="$ROOT/bench/DrsGraph.Benchmarks/DrsGraph.Benchmarks.csproj"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS="${BENCH_RESULTS_DIR:-$ROOT/bench/results}"
ARTIFACTS="$(mktemp -d "/tmp/drsgraph-micro.$STAMP.XXXX")"

echo "[micro] building $PROJECT (Release)" >&2
dotnet build -c Release -nologo -v q "$PROJECT" >"$ARTIFACTS/build.log" 2>&1 || { tail -30 "$ARTIFACTS/build.log"; exit 1; }

args=("$@")
((${#args[@]})) || args=(--filter '*')
# Quiet: the emulator that captures the wire samples logs warnings only; BenchmarkDotNet prints progress.
dotnet "$ROOT/bench/DrsGraph.Benchmarks/bin/Release/net10.0/DrsGraph.Benchmarks.dll" "${args[@]}" --artifacts "$ARTIFACTS" \
  | tee "$ARTIFACTS/console.log" | grep -E '^(\| |Run time|// \* Summary)' || true

# One markdown file per run: the machine, the command, and BenchmarkDotNet's GitHub-flavoured tables.
mkdir -p "$RESULTS"
OUT="$RESULTS/micro-$STAMP.md"
{
  echo "# Micro-benchmarks $STAMP (commit $(git -C "$ROOT" rev-parse --short HEAD))"
  echo
  echo "Command: \`bench/micro.sh${*:+ $*}\` on $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -h | awk '/^Mem:/ {print $2}') RAM; load average before the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  for report in "$ARTIFACTS"/results/*-report-github.md; do
    [[ -f "$report" ]] || continue
    cat "$report"
    echo
  done
} >"$OUT"
grep -q '^|' "$OUT" || { echo "[micro] no BenchmarkDotNet report found (see $ARTIFACTS/console.log)" >&2; exit 1; }
echo "[micro] summary: $OUT" >&2
