-- wrk script: POST /hub/accounts, each request with its own fresh connect session (the token file
-- holds one unused token a line; thread i of n takes lines i, i+n, ...). A thread that runs out of
-- tokens stops and says so, rather than sending spent tokens. Env: TOKENS, INTEGRATION_ID.
local tokens_file = os.getenv("TOKENS") or "tokens"
local integration = os.getenv("INTEGRATION_ID") or ""
local body = string.format('{"integration_id":"%s","credentials":{"company":"acme","api_key":"abcdefgh123"}}', integration)
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

non2xx = 0
exhausted = 0
local mine = {}
local next_i = 1
local nthreads = 1

function init(args)
  nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  local i = 0
  for line in io.lines(tokens_file) do
    if i % nthreads == tid and #line > 0 then mine[#mine + 1] = line end
    i = i + 1
  end
end

function request()
  local t = mine[next_i]
  if t == nil then
    exhausted = 1
    wrk.thread:stop()
    t = mine[#mine] or "cst_none"
  end
  next_i = next_i + 1
  return wrk.format("POST", "/hub/accounts",
    { ["x-hub-session-token"] = t, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status ~= 201 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local total, ex = 0, 0
  for _, t in ipairs(threads) do
    total = total + (t:get("non2xx") or 0)
    ex = ex + (t:get("exhausted") or 0)
  end
  io.write(string.format("non-201 responses: %d\n", total))
  io.write(string.format("threads out of tokens: %d\n", ex))
end
