#!/usr/bin/env bash
# Does the yoga gateway answer like DrsGraph? Starts the emulator, DrsGraph's gateway (cache off, so neither
# side has freshness data) and bench/yoga on loopback, sends both the same queries at the same moment and
# compares the answers: every field of the schema for every seed job plus an invalid ID, the benchmark's
# queries, and a missing token. Needs the Release build (bench/run.sh makes it) and `npm ci` in bench/yoga.
#
#   bench/yoga/check-equivalence.sh        # prints the differences; exit 1 if any is not explained
#
# The emulator's lifecycles run on real time (slowed down 1000x here), so fields computed from "now"
# (processedAt, delays, progress percentages, remaining times) may differ by the milliseconds between the
# two answers; those are counted and listed by name, everything else must be identical (upstream request
# IDs aside, which are per call).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
EMU_DLL="$ROOT/src/DrsGraph.Emulator/bin/Release/net10.0/DrsGraph.Emulator.dll"
GW_DLL="$ROOT/src/DrsGraph.Gateway/bin/Release/net10.0/DrsGraph.Gateway.dll"
PROJECT_ID="054ba152d480d55b2f5dc0069e7ddef0"
WORK="$(mktemp -d /tmp/drsgraph-yoga-check.XXXX)"
[[ -f "$EMU_DLL" && -f "$GW_DLL" ]] || { echo "Release build missing: run bench/run.sh or dotnet build -c Release first" >&2; exit 2; }
[[ -d "$ROOT/bench/yoga/node_modules" ]] || { echo "run npm ci in bench/yoga first" >&2; exit 2; }

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
# shellcheck source=scripts/loopback.sh
source "$ROOT/scripts/loopback.sh"
wait_up() { # url, what
  for _ in $(seq 300); do
    curl -fsS -o /dev/null --max-time 1 -X POST -H 'Content-Type: application/json' -d '{"query":"{ __typename }"}' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$2 did not start (logs in $WORK)" >&2; exit 2
}

EMU="http://127.0.0.1:$(free_port)"; GW="http://127.0.0.1:$(free_port)"; YOGA_PORT="$(free_port)"; YOGA="http://127.0.0.1:$YOGA_PORT"
# TimeScale 1000: the seed jobs are spread over every stage as usual, but no job changes stage in the
# milliseconds between the two answers (at 1.0 one of ~300 sometimes does, and every field of it differs).
dotnet "$EMU_DLL" --urls "$EMU" --Emulator:TimeScale 1000 >"$WORK/emulator.log" 2>&1 & PIDS+=($!)
for _ in $(seq 300); do curl -fsS -o /dev/null "$EMU/_emulator/faults" 2>/dev/null && break; sleep 0.1; done
Gateway__Cache__Enabled=false dotnet "$GW_DLL" --urls "$GW" "--Drs:Endpoint=$EMU" --Drs:AllowInsecureEndpoint=true >"$WORK/gateway.log" 2>&1 & PIDS+=($!)
NODE_ENV=production DRS_ENDPOINT="$EMU" DRS_PROJECT_ID="$PROJECT_ID" PORT="$YOGA_PORT" node "$ROOT/bench/yoga/server.mjs" >"$WORK/yoga.log" 2>&1 & PIDS+=($!)
wait_up "$GW/graphql" "DrsGraph's gateway"; wait_up "$YOGA/graphql" "the yoga gateway"

curl -fsS "$EMU/_emulator/jobs?projectId=$PROJECT_ID" | jq -c '[.jobs[].id]' >"$WORK/ids.json"
FULL='query($ids: [ID!]!) { jobs(ids: $ids) { id status rawStatus phase isTerminal isFailed errorCode errorMessage statusFreshness { fetchedAt stale }
  progress { percent transferStatus rawTransferStatus taskMode rawTaskMode incrementalDelaySeconds incrementalDelayMilliseconds processedAt remainingSeconds phases { name kind percent remainingSeconds } errorCode errorMessage freshness { fetchedAt stale } }
  detail { id parentId name description status rawStatus taskType rawTaskType createdAt startedAt fullTransferCompletedAt updatedAt direction useType rawUseType netType rawNetType
    source { dbType rawDbType host port sslEnabled region projectId instanceId instanceName user vpcId subnetId securityGroupId availabilityZone }
    target { dbType rawDbType host port sslEnabled region projectId instanceId instanceName user vpcId subnetId securityGroupId availabilityZone }
    replicationInstance { ip publicIp instanceType engineType volumeSizeGb startedAt status }
    speedLimits { megabytesPerSecond begin end isUtc } tags { key value } nodeCount needsRestart isTargetReadOnly objectSwitch replaceDefiner migrateUser multiWrite supportsIpV6
    conflictPolicy filterDdlPolicy schemaType availabilityZone vpcId subnetId securityGroupId masterJobId alarmNotify incrementalStartPosition failedReason errorCode errorMessage freshness { fetchedAt stale } } } }'
# The benchmark's own queries (bench/run.sh), on its first 20 live jobs.
Q_FULL20='query($ids: [ID!]!) { jobs(ids: $ids) { id status phase isTerminal isFailed progress { percent incrementalDelaySeconds remainingSeconds phases { name percent } } detail { name taskType createdAt source { dbType host port } target { dbType instanceName } } } }'
Q_STATUS1='query($id: ID!) { job(id: $id) { id status } }'
jq -nc --arg q "$FULL" --slurpfile ids "$WORK/ids.json" '{query: $q, variables: {ids: ($ids[0] + ["not-a-job-id", "00000000-0000-0000-0000-000000000000"])}}' >"$WORK/q-all-jobs-every-field.json"
curl -fsS "$EMU/_emulator/jobs?projectId=$PROJECT_ID" | jq -c '[.jobs[] | select(.deleted | not) | .id][:20]' >"$WORK/ids20.json"
jq -nc --arg q "$Q_FULL20" --slurpfile ids "$WORK/ids20.json" '{query: $q, variables: {ids: $ids[0]}}' >"$WORK/q-bench-full20.json"
jq -nc --arg q "$Q_STATUS1" --slurpfile ids "$WORK/ids20.json" '{query: $q, variables: {id: $ids[0][0]}}' >"$WORK/q-bench-status1.json"

status=0
compare() { # name, body file, token ("" = none)
  local auth=(); [[ -n "$3" ]] && auth=(-H "X-Auth-Token: $3")
  # Both at once: the emulator's clock moves between the two answers otherwise.
  local a b
  curl -sS -H 'Content-Type: application/json' "${auth[@]}" -d @"$2" "$GW/graphql" >"$WORK/$1.drsgraph.json" & a=$!
  curl -sS -H 'Content-Type: application/json' "${auth[@]}" -d @"$2" "$YOGA/graphql" >"$WORK/$1.yoga.json" & b=$!
  wait "$a" "$b" # these two only: the servers are background jobs too
  jq -n --arg name "$1" --slurpfile a "$WORK/$1.drsgraph.json" --slurpfile b "$WORK/$1.yoga.json" '
    def norm: {data, errors: ((.errors // []) | map(.extensions |= del(.upstreamRequestId)) | sort_by([(.path | tostring), .message]))};
    def leaves: [paths(type != "object" and type != "array")] as $p | [$p[] as $q | {key: ($q | tostring), value: $q}] | from_entries;
    def moving: ["processedAt", "incrementalDelayMilliseconds", "incrementalDelaySeconds", "percent", "remainingSeconds"];
    ($a[0] | norm) as $x | ($b[0] | norm) as $y
    | ($x | leaves) as $lx | ($y | leaves) as $ly
    | [($lx + $ly) | to_entries[] | .value as $p | select(($x | getpath($p)) != ($y | getpath($p))) | $p] as $diff
    | ($diff | map(select(.[-1] as $k | moving | index([$k])))) as $clock
    | ($diff - $clock) as $real
    | {query: $name, jobs: (($x.data.jobs // [$x.data.job]) | length), errors: ($x.errors | length),
       same_shape: (($lx | keys) == ($ly | keys)), clock_driven_differences: ($clock | length),
       clock_driven_fields: ($clock | map(.[-1]) | unique), other_differences: $real[:10]}' | tee "$WORK/$1.diff.json"
  jq -e '.same_shape and (.other_differences | length == 0)' "$WORK/$1.diff.json" >/dev/null || status=1
}
compare all-jobs-every-field "$WORK/q-all-jobs-every-field.json" check
compare bench-full20 "$WORK/q-bench-full20.json" check
compare bench-status1 "$WORK/q-bench-status1.json" check
compare no-token "$WORK/q-bench-status1.json" ""
if ((status == 0)); then echo "equivalent (answers in $WORK)"; else echo "DIFFERENT (answers in $WORK)" >&2; fi
exit "$status"
