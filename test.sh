#!/usr/bin/env bash
# Every test: the .NET suites (emulator, DRS client, gateway over real Kestrel and HTTP), then
# the Node tests against the built gateway: Banana Cake Pop driven in headless Chromium (needs Debian's
# chromium: apt-get install chromium) and graphql-http's GraphQL over HTTP audit, then
# a two-minute smoke run of the benchmark harness (needs wrk and jq; bench/run.sh installs them).
set -euo pipefail
cd "$(dirname "$0")"
# A snapshot missing from the clone is a failure here too, as in CI, not a new snapshot written on the
# fly. Recording one is deliberate: SNAPSHOOTER_STRICT_MODE=false dotnet test ... (README, "Testing").
export SNAPSHOOTER_STRICT_MODE=true
dotnet test DrsGraph.sln --nologo "$@"
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
(cd tests/browser && node --test)
bench/smoke.sh
