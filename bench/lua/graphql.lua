-- POSTs one GraphQL body to the gateway.
--   BENCH_BODY     file with the JSON body (written by run.sh)
--   BENCH_TOKEN    "unique": a new X-Auth-Token per request (the cache is partitioned per token, so
--                  every request misses); anything else: that fixed token (the cache can warm)
--   BENCH_RATE     optional total requests/s to hold (wrk2 is not in Debian): each wrk thread keeps a
--                  schedule of send slots at BENCH_RATE / BENCH_THREADS per second and delays every
--                  request to its slot, so the aggregate rate is exact while enough connections are free.
--                  Latency is still measured from the actual send (closed loop): see bench/README.md.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local body = common.slurp(os.getenv("BENCH_BODY"))
local token = os.getenv("BENCH_TOKEN") or "bench-token"
local unique = token == "unique"
-- Distinct per wrk run (run.sh sets it): LuaJIT's random sequence and our counters restart with every
-- run, so without it a warm-up round and the measured run would send the same "unique" tokens.
local run_id = os.getenv("BENCH_RUN_ID") or tostring(os.time())
local rate = tonumber(os.getenv("BENCH_RATE") or "0") or 0
local threads = tonumber(os.getenv("BENCH_THREADS") or "1") or 1
local sent = 0

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Auth-Token"] = token

setup = common.setup
response = common.response
done = common.done

function request()
  if unique then
    sent = sent + 1
    -- thread_id is set by setup(); tokens stay visible ASCII as the gateway requires.
    wrk.headers["X-Auth-Token"] = string.format("bench-cold-%s-%d-%d", run_id, thread_id, sent)
  end
  return wrk.format()
end

if rate > 0 then
  -- wrk gives Lua no clock; LuaJIT's FFI reads CLOCK_MONOTONIC (1 on Linux) directly.
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock_id, bench_timespec *tp);
  ]]
  local ts = ffi.new("bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts)
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end

  local period_ms = 1000 * threads / rate
  local last_slot = nil

  -- Called when a connection is ready to send its next request: reserve the next free slot.
  function delay()
    local now = now_ms()
    local slot = last_slot and (last_slot + period_ms) or now
    if slot < now - period_ms then
      slot = now -- fell behind (all connections busy): do not burst to catch up
    end
    last_slot = slot
    local wait = slot - now
    return wait > 0 and math.floor(wait) or 0
  end
end
