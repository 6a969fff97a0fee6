-- wrk script: creates connect sessions for the demohris provider (no outbound provider check) and
-- writes each issued token to OUT_PREFIX.<thread> (one token a line), for the hub and authenticate
-- scenarios. Env: API_KEY, OUT_PREFIX, RUN (a tag that keeps owners unique across runs).
local key = os.getenv("API_KEY") or ""
local out_prefix = os.getenv("OUT_PREFIX") or "tokens"
local run = os.getenv("RUN") or "0"
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
local auth = "Basic " .. b64(key .. ":")
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

counter = 0
bad = 0
local out = nil

function init(args)
  out = assert(io.open(out_prefix .. "." .. tostring(tid), "a"))
  out:setvbuf("line")
end

function request()
  counter = counter + 1
  local body = string.format('{"origin_owner_id":"hub-%s-%d-%d","origin_owner_name":"Hub Owner %d","provider":"demohris"}',
    run, tid, counter, counter)
  return wrk.format("POST", "/connect_sessions", { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status ~= 201 then bad = bad + 1; return end
  local token = body:match('"token":"([^"]+)"')
  if token then out:write(token, "\n") else bad = bad + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("bad") or 0) end
  io.write(string.format("non-201 responses: %d\n", total))
end
