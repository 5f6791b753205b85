-- wrk script for contrib/bench/lookup_bench.py: a new number in every request,
-- GET /v1/lookup/{number} (BATCH 1) or POST /v1/lookup with BATCH numbers.
-- The API key, the batch and the first number come from the environment.
-- No response() here: passing each body to Lua would double wrk's CPU; the
-- script checks wrk's non-2xx count and sigwayd's lookup counters instead.
local key = os.getenv("KEY")
local batch = tonumber(os.getenv("BATCH") or "1")
local n = tonumber(os.getenv("BASE"))
local post_headers = { ["X-API-Key"] = key, ["Content-Type"] = "application/json" }
wrk.headers["X-API-Key"] = key

request = function()
  if batch == 1 then
    n = n + 1
    return wrk.format("GET", string.format("/v1/lookup/%d", n))
  end
  local t = {}
  for i = 1, batch do
    n = n + 1
    t[i] = string.format('"%d"', n)
  end
  return wrk.format("POST", "/v1/lookup", post_headers, '{"to":[' .. table.concat(t, ",") .. ']}')
end

