# Markdown for one results file (bench/results/<timestamp>.json): jq -r -f bench/table.jq <file>
def r1: if . == null then "-" else (. * 10 | round / 10 | tostring) end;
def r2: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
def r0: if . == null then "-" else (round | tostring) end;
def by($n): (.scenarios | map(select(.name == $n)) | first);
def bad: (.errors.bad_responses + .errors.status + .errors.timeout + .errors.connect + .errors.read + .errors.write);
# A row of the comparison with bench/yoga, and a ratio of two scenarios (DrsGraph's / yoga's).
def row($what; $gw; $s):
  if $s == null then empty
  elif $s.skipped then "| \($what) | \($gw): `\($s.name)` | skipped: \($s.skip_reason) | | | | | | | |"
  else "| \($what) | \($gw): `\($s.name)` | \($s.rps | r0) | \($s.p50_ms | r2) | \($s.p99_ms | r2) | \($s.upstream_calls_per_request | r2); \($s.upstream_calls_per_request_alone | r2) | \($s.cpu_pct_of_one_core | r0) | \($s.cpu_ms_per_request | r2) | \($s.peak_rss_mb | r0) | \($s | bad) |" end;
def ratio($what; $a; $b):
  if $a == null or $b == null or $a.skipped or $b.skipped then empty
  else "\($what) \($a.rps / $b.rps | r2)x the req/s, \($a.cpu_ms_per_request / $b.cpu_ms_per_request | r2)x the CPU ms per request" end;

. as $r
| [
  "### Run \($r.timestamp) (commit \($r.commit))",
  "",
  "Machine: \($r.machine.nproc) cores (`nproc`), \($r.machine.cpu), \($r.machine.memory) RAM (`free -h`), Linux \($r.machine.kernel), ASP.NET Core \($r.machine.dotnet_runtime) (\($r.machine.gc | if test("GC") then . else . + " GC" end)), wrk \($r.machine.wrk)\(if $r.machine.redis then ", Redis \($r.machine.redis)" else "" end); load average at the end \($r.machine.loadavg_at_end). Gateway, emulator\(if $r.config.redis then ", Redis" else "" end) and wrk share these cores.",
  "",
  "Command: `\($r.command)` (\($r.config.duration_s) s measured per scenario after a warm-up of \($r.config.warmup_min_s)-\($r.config.warmup_max_s) s in \($r.config.warmup_round_s) s rounds until CPU/request is steady; one gateway process for all scenarios, warmed up for \($r.config.start_warmup_min_s)-\($r.config.start_warmup_max_s) s after start). Cache on this checkout: \(if $r.config.cache_on_checkout then "yes\(if $r.config.redis then " (memory + Redis)" else "" end), status TTL \($r.config.status_ttl_s // "?") s" else "**no** (every GraphQL request goes upstream)" end). Per-caller rate limit: \($r.config.rate_limit // "none"). Raw figures: `bench/results/\($r.timestamp).json`.",
  "",
  "| scenario | conns | req/s | p50 ms | p99 ms | upstream calls / req (load; alone) | gateway CPU (% of 1 core) | CPU ms / req | KB allocated / req | GC gen0/1/2 | peak RSS MB (scenario) | bad responses |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ($r.scenarios[] | select(.target == "gateway" or .target == "raw") |
    "| `\(.name)`: \(.description) | \(.connections) | \(.rps | r0) | \(.p50_ms | r2) | \(.p99_ms | r2) | \(.upstream_calls_per_request | r2); \(.upstream_calls_per_request_alone | r2) | \(.cpu_pct_of_one_core | r0) | \(.cpu_ms_per_request | r2) | \(.gc.allocated_kb_per_request | r1) | \(if .gc then "\(.gc.gen0)/\(.gc.gen1)/\(.gc.gen2)" else "-" end) | \(.peak_rss_mb | r0) | \(bad) |"),
  "",
  (by("baseline") as $b | if $b then
    "Baseline (emulator alone, \($b.connections) connections, same 20 IDs): **\($b.rps | r0) batch calls/s**, i.e. \($b.rps / 3 | r0) status+progress+detail sets/s; p50 \($b.p50_ms | r2) ms, p99 \($b.p99_ms | r2) ms; emulator CPU \($b.cpu_pct_of_one_core | r0) % of a core; \($b | bad) bad responses."
  else "Baseline not run." end),
  "",
  "| target | measured | met? | why |",
  "|---|---|---|---|",
  ($r.targets[] as $t |
    (if $t.why then $t.why
     elif ($t.target | startswith("warm 20-job")) then
       (by("warm20")) as $w
       | if $r.config.cache_on_checkout | not then "no cache on this checkout: warm requests cost \($w.upstream_calls_per_request | r2) upstream calls each, like cold ones"
         else "warm costs \($w.upstream_calls_per_request | r2) upstream calls/req and \($w.cpu_ms_per_request | r2) CPU ms/req; cold \(by("cold20").cpu_ms_per_request | r2) CPU ms/req plus the emulator's work" end
     elif ($t.target | startswith("cold 20-job")) then
       (by("cold20")) as $c
       | "per query the gateway spends \($c.cpu_ms_per_request | r2) CPU ms, the emulator \(($c.emulator_cpu_s * 1000 / $c.requests) | r2) CPU ms for its 3 calls (baseline: \(by("baseline") | (.cpu_s * 1000 * 3 / .requests) | r2) ms per 3 calls); all share \($r.machine.nproc) cores with wrk"
     elif ($t.target | startswith("warm p99")) then
       "closed-loop paced wrk at \($t.achieved_rps | r0) req/s (target \(by("warm20").rps / 2 | r0)), p50 \(by("warm20_half").p50_ms | r2) ms"
     elif ($t.target | startswith("200 pollers")) then
       (by("poll200")) as $p
       | if $r.config.cache_on_checkout | not then "no cache: \($p.upstream_calls_per_request | r2) upstream calls per poll, \($p.upstream.total) in \($p.duration_s | r0) s"
         else "\($p.upstream.total) upstream calls in \($p.duration_s | r0) s for \($p.requests) polls" end
     else
       "VmHWM of the one gateway process over the whole run, start-up and warm-ups included (highest scenario: `\($r.scenarios | map(select(.target == "gateway")) | max_by(.peak_rss_mb) | .name)`); emulator \($r.config.emulator_peak_rss_mb) MB"
     end) as $why
    | "| \($t.target) | \($t.value | r2) \($t.unit) | \(if $t.met then "met" else "**missed**" end) | \($why) |"),
  # The comparison gateway (bench/yoga), when its scenarios were asked for: ran, or skipped and why.
  ($r.scenarios | map(select(.target == "yoga"))) as $yoga
  | if ($yoga | length) == 0 then empty
    elif ($yoga | all(.skipped)) then
      "", "**Versus graphql-yoga + dataloader: skipped** (\($yoga[0].skip_reason)): \($yoga | map("`\(.name)`") | join(", ")) not measured."
    else
      ($r.machine.yoga) as $v
      | "",
      "Versus graphql-yoga + dataloader (`bench/yoga`: Node \($v.node), graphql-yoga \($v["graphql-yoga"]), graphql \($v.graphql), dataloader \($v.dataloader); one Node process, per-request batching, **no cache**: every request goes upstream), measured after DrsGraph's gateway stopped, against the same emulator with the same queries, Lua, warm-up and sampling. Peak RSS of the yoga process over its run: \($r.config.yoga_process_peak_rss_mb // "-") MB.",
      "",
      "| query | gateway: scenario | req/s | p50 ms | p99 ms | upstream calls / req (load; alone) | process CPU (% of 1 core) | CPU ms / req | peak RSS MB (scenario) | bad responses |",
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
      row("1 job, status"; "DrsGraph (from its cache)"; by("status1")),
      row("1 job, status"; "yoga"; by("yoga_status1")),
      row("20 jobs x 3 fields, new token per request"; "DrsGraph"; by("cold20")),
      row("20 jobs x 3 fields, new token per request"; "yoga"; by("yoga_cold20")),
      row("20 jobs x 3 fields, one token"; "DrsGraph (from its cache)"; by("warm20")),
      (if by("warm20") and by("yoga_cold20") then "| 20 jobs x 3 fields, one token | yoga: as `yoga_cold20` (no cache) | | | | | | | | |" else empty end),
      row("20 jobs x 3 fields, 30 ms upstream, new token per request"; "DrsGraph"; by("cold20_30ms")),
      row("20 jobs x 3 fields, 30 ms upstream, new token per request"; "yoga"; by("yoga_cold20_30ms")),
      "",
      ([ratio("cold 20-job"; by("cold20"); by("yoga_cold20")),
        ratio("`warm20` (DrsGraph's cache) against `yoga_cold20`"; by("warm20"); by("yoga_cold20")),
        ratio("30 ms upstream"; by("cold20_30ms"); by("yoga_cold20_30ms")),
        ratio("1 job (DrsGraph's cache)"; by("status1"); by("yoga_status1"))] | map(select(. != null))
       | if length > 0 then "DrsGraph / yoga: " + join("; ") + "." else empty end)
    end
] | join("\n")
