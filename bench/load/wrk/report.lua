-- Shared by every wrk script of the bench (bench/load/run-wrk.ts puts it first): the CPU time the
-- generator (this wrk process) and the server (LATCHKEY_WRK_SERVER_PIDS) used during the run, and
-- the latencies in microseconds, printed by done() as one JSON line after LATCHKEY_WRK_RESULT.

local function ticks(pid)
  local file = io.open("/proc/" .. pid .. "/stat", "r")
  if file == nil then return 0 end
  local stat = file:read("*a")
  file:close()
  -- Fields after the name, which may hold spaces: utime and stime are the 12th and 13th.
  local rest = stat:match(".*%) (.*)$")
  local fields = {}
  for field in rest:gmatch("%S+") do fields[#fields + 1] = field end
  return tonumber(fields[12]) + tonumber(fields[13])
end

local function server_ticks()
  local total = 0
  for pid in (os.getenv("LATCHKEY_WRK_SERVER_PIDS") or ""):gmatch("%d+") do total = total + ticks(pid) end
  return total
end

-- Called by each thread's init() once its requests are built: the measured window starts here.
function mark_start()
  generator_start = ticks("self")
  server_start = server_ticks()
end

-- Counters a script may keep (e.g. refresh tokens that ran out), read from each thread in done().
dry = 0

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

function done(summary, latency, requests)
  local generator_end, server_end = ticks("self"), server_ticks()
  local generator_start_min, server_start_min, dry_total = math.huge, math.huge, 0
  for _, thread in ipairs(threads) do
    generator_start_min = math.min(generator_start_min, thread:get("generator_start") or 0)
    server_start_min = math.min(server_start_min, thread:get("server_start") or 0)
    dry_total = dry_total + (thread:get("dry") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    'LATCHKEY_WRK_RESULT {"requests":%d,"non2xx":%d,"errors":%d,"timeouts":%d,"durationUs":%d,"bytes":%d,' ..
    '"latencyUs":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d},' ..
    '"generatorTicks":%d,"serverTicks":%d,"dry":%d}\n',
    summary.requests, errors.status, errors.connect + errors.read + errors.write, errors.timeout, summary.duration, summary.bytes,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max,
    generator_end - generator_start_min, server_end - server_start_min, dry_total))
end
