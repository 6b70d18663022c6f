-- wrk script of bench/load.py: every request takes the next (session, page)
-- pair of the targets file, so signed-in users rotate over the shop form, the
-- dashboard and the shop list. Counts every answer that is not 2xx (wrk's own
-- "Non-2xx or 3xx" lets redirects, e.g. to the login page, pass) and prints
-- one JSON line at the end.
--
--   wrk -t2 -c16 -d30s -s bench/load.lua http://127.0.0.1:8765 -- targets.txt

local threads = {}
local targets = {}
local counter = 0
non2xx = 0
statuses = ""

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local sid, url = line:match("^(%S+)%s+(%S+)")
    if sid then
      targets[#targets + 1] = { sid, url }
    end
  end
  assert(#targets > 0, "no targets in " .. args[1])
  -- Threads start at different places in the rotation.
  counter = (id or 0) * 7
end

function request()
  counter = counter + 1
  local target = targets[(counter % #targets) + 1]
  return wrk.format("GET", target[2], {
    ["Cookie"] = "sessionid=" .. target[1],
    -- As behind the TLS proxy of a deployment (SECURE_PROXY_SSL_HEADER).
    ["X-Forwarded-Proto"] = "https",
  })
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses = statuses .. " " .. status
  end
end

function done(summary, latency, requests)
  local bad, seen = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    seen = seen .. thread:get("statuses")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "rps": %.1f, "non2xx": %d, "non2xx_statuses": "%s", '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, '
      .. '"p50_ms": %.1f, "p90_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f, '
      .. '"mean_ms": %.1f}\n',
    summary.requests, seconds, summary.requests / seconds, bad, seen:sub(1, 200),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000
  ))
end
