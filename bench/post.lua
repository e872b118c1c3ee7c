-- wrk script for the token benchmark: every request is the same POST, configured by environment
-- variables that bench/lib/wrk.mjs sets (wrk itself has no flag for a request body).
--   BENCH_BODY           request body (JSON)
--   BENCH_AUTHORIZATION  optional Authorization header value
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or "{}"
wrk.headers["Content-Type"] = "application/json"
local authorization = os.getenv("BENCH_AUTHORIZATION")
if authorization ~= nil and authorization ~= "" then
  wrk.headers["Authorization"] = authorization
end
