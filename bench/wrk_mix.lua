-- wrk script for the load test of bench/bench_pages.py --load: a realistic mix of pages.
-- Reads one request path a line from the file named by WRK_PATHS (the mix, with repeats as weights) and picks
-- one at random per request; prints the summary as one JSON line for the benchmark to parse.
local paths = {}

init = function(args)
  local file = assert(io.open(os.getenv("WRK_PATHS"), "r"))
  for line in file:lines() do
    if #line > 0 then paths[#paths + 1] = line end
  end
  file:close()
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1000000
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.2f, "rps": %.1f, "p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, '
      .. '"max_ms": %.1f, "errors_connect": %d, "errors_read": %d, "errors_write": %d, "errors_status": %d, '
      .. '"errors_timeout": %d}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000, e.connect, e.read, e.write,
    e.status, e.timeout))
end
