-- wrk script: POST /connect_sessions/authenticate with tokens taken in turn from TOKENS (one a line;
-- authenticate does not spend a token, so they are reused). Env: API_KEY, TOKENS.
local key = os.getenv("API_KEY") or ""
local tokens_file = os.getenv("TOKENS") or "tokens"
local b64chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
local function b64(data)
  return ((data:gsub('.', function(x)
    local r, byte = '', x:byte()
    for i = 8, 1, -1 do r = r .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and '1' or '0') end
    return r
  end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(x)
    if #x < 6 then return '' end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ '', '==', '=' })[#data % 3 + 1])
end
local headers = { ["Authorization"] = "Basic " .. b64(key .. ":"), ["Content-Type"] = "application/json" }
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

non201 = 0
local bodies = {}
local i = 0

function init(args)
  for line in io.lines(tokens_file) do
    if #line > 0 then bodies[#bodies + 1] = '{"token":"' .. line .. '"}' end
  end
  i = (tid or 0) * 7919
end

function request()
  i = i + 1
  return wrk.format("POST", "/connect_sessions/authenticate", headers, bodies[(i % #bodies) + 1])
end

function response(status, headers, body)
  if status ~= 201 then non201 = non201 + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("non201") or 0) end
  io.write(string.format("non-201 responses: %d\n", total))
end
