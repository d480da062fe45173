-- wrk script for scripts/server-load.sh.
-- POST bodies: set WRK_BODY_BYTES=n to send n bytes with POST (for /echo); unset sends GET.
-- done() prints one machine-readable line with the percentiles wrk does not print
-- (closed-loop latencies: they suffer from coordinated omission; see FixedRateClient for fixed-rate ones).
local body_bytes = tonumber(os.getenv("WRK_BODY_BYTES") or "")
if body_bytes then
  wrk.method = "POST"
  wrk.body = string.rep("p", body_bytes)
  wrk.headers["Content-Type"] = "application/octet-stream"
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("wrk-result requests=%d duration_us=%d errors=%d rps=%.1f p50_us=%d p99_us=%d p999_us=%d max_us=%d\n",
    summary.requests, summary.duration, errors, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
