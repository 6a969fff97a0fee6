-- wrk script: GET /accounts?origin_owner_id=owner-N for a random owner N in [0, OWNERS).
-- Env: API_KEY, OWNERS.
local key = os.getenv("API_KEY") or ""
local owners = tonumber(os.getenv("OWNERS") or "100000")
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
local headers = { ["Authorization"] = "Basic " .. b64(key .. ":") }
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

non200 = 0
empty = 0

function init(args)
  math.randomseed(os.time() + 7919 * (tid or 0))
end

function request()
  local path = string.format("/accounts?origin_owner_id=owner-%d", math.random(0, owners - 1))
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 elseif body == "[]" then empty = empty + 1 end
end

function done(summary, latency, requests)
  local total, e = 0, 0
  for _, t in ipairs(threads) do
    total = total + (t:get("non200") or 0)
    e = e + (t:get("empty") or 0)
  end
  io.write(string.format("non-200 responses: %d\n", total))
  io.write(string.format("empty pages: %d\n", e))
end
