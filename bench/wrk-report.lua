-- wrk's done() hook: prints one JSON line with the figures bench/platform.ts reads.
-- Only done() is defined, so wrk keeps its fast path for every request.
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"non2xx":%d,"socketErrors":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d}\n',
    summary.requests,
    summary.duration,
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50),
    latency:percentile(90),
    latency:percentile(99),
    latency.max
  ))
end
