-- Shared by the wrk scripts: bounded-time load on loopback, a JSON summary line at the end.
-- Loaded with dofile() from the scripts, whose directory wrk does not put on the Lua path.
local M = {}

-- Reads a whole file (the request body written by run.sh).
function M.slurp(path)
  local f = assert(io.open(path, "rb"), "cannot open " .. tostring(path))
  local s = f:read("*a")
  f:close()
  return s
end

-- Threads are numbered in setup() so every thread makes distinct tokens; each wrk thread has its own Lua state.
local counter = 0
local threads = {}
function M.setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
  table.insert(threads, thread)
end

-- Per-thread: responses that are not 200 or carry GraphQL "errors" (wrk itself only sees HTTP status).
bad = 0
function M.response(status, headers, body)
  if status ~= 200 or (body and string.find(body, '"errors"', 1, true)) then
    bad = bad + 1
  end
end

-- One JSON line, prefixed so run.sh can pick it out of wrk's own text output.
function M.done(summary, latency, requests)
  local bad_total = 0
  for _, t in ipairs(threads) do
    bad_total = bad_total + (tonumber(t:get("bad")) or 0)
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,"bytes":%d,' ..
    '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"bad_responses":%d}}\n',
    summary.requests, seconds, summary.requests / seconds, summary.bytes,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000, latency.mean / 1000,
    e.connect, e.read, e.write, e.status, e.timeout, bad_total))
end

return M
