-- The baseline: the emulator's own batch endpoints called directly with the same IDs, rotating
-- status -> progress -> detail so one in three calls is each (what one cold 20-job query costs).
--   BENCH_BATCH_PREFIX  e.g. /v3/<project>/jobs/batch-
--   BENCH_BODY          {"jobs":[...],"page_req":{"cur_page":1,"per_page":100}} (progress ignores page_req)
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local prefix = os.getenv("BENCH_BATCH_PREFIX")
local body = common.slurp(os.getenv("BENCH_BODY"))
local endpoints = { "status", "progress", "detail" }
local n = 0

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Auth-Token"] = "bench-baseline-token"

setup = common.setup
done = common.done

-- batch-progress answers 202 (OTC pages), so success is any 2xx here.
bad = 0
function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
  end
end

function request()
  n = n + 1
  return wrk.format(nil, prefix .. endpoints[(n % 3) + 1])
end
