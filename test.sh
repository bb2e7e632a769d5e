#!/usr/bin/env bash
# Every test: the .NET suites (emulator, DRS client, gateway over real Kestrel and HTTP), then
# the Node tests against the built gateway: Banana Cake Pop driven in headless Chromium (needs Debian's
# chromium: apt-get install chromium) and graphql-http's GraphQL over HTTP audit, then
# a one-minute smoke run of the benchmark harness (needs wrk and jq; bench/run.sh installs them).
set -euo pipefail
cd "$(dirname "$0")"
dotnet test DrsGraph.sln --nologo "$@"
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
(cd tests/browser && node --test)
bench/smoke.sh
