-- POSTs one GraphQL body to the gateway.
--   BENCH_BODY     file with the JSON body (written by run.sh)
--   BENCH_TOKEN    "unique": a new X-Auth-Token per request (the cache is partitioned per token, so
--                  every request misses); anything else: that fixed token (the cache can warm)
--   BENCH_DELAY_MS optional pause before each request of a connection, dithered so fractional values
--                  average out: a closed-loop way to hold a target rate (wrk2 is not in Debian)
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local body = common.slurp(os.getenv("BENCH_BODY"))
local token = os.getenv("BENCH_TOKEN") or "bench-token"
local unique = token == "unique"
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0") or 0
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
    wrk.headers["X-Auth-Token"] = string.format("bench-cold-%d-%d-%d", thread_id, sent, math.random(1, 1e9))
  end
  return wrk.format()
end

if delay_ms > 0 then
  function delay()
    local whole = math.floor(delay_ms)
    if math.random() < delay_ms - whole then
      whole = whole + 1
    end
    return whole
  end
end
