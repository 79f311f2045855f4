-- wrk script for every steady scenario of bench/run: one fixed request,
-- optionally with the Authorization header from the environment, and a
-- machine-readable summary line at the end.
--
--   BENCH_AUTH="Basic dXNlcjpwdw==" wrk -s report.lua ... URL
--
-- No request()/response() callbacks: wrk keeps its fast path (a request
-- prepared once), so the load generator costs as little CPU as it can on
-- the same machine.  Non-2xx/3xx answers count as errors.status.

local auth = os.getenv("BENCH_AUTH")
if auth ~= nil and auth ~= "" then
   wrk.headers["Authorization"] = auth
end

function done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "RESULT requests=%d seconds=%.3f rps=%.2f p50_us=%d p99_us=%d " ..
      "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50), latency:percentile(99),
      e.connect, e.read, e.write, e.status, e.timeout))
end
