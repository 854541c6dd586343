-- Gatehouse rate limiting: one atomic call decides a request against every window of its policy.
-- KEYS[i]  the state of window i; all keys share one hash tag, so the script is valid on Redis Cluster
-- ARGV[1]  now in microseconds, or -1 to use Redis TIME (one clock for every node)
-- ARGV[2]  cost (units to spend)
-- ARGV[2i+1], ARGV[2i+2]  limit and window (microseconds) of window i
-- Returns {allowed (0/1), limit, remaining, reset µs, retry-after µs} of the deciding window.
-- The same rules as dev.gatehouse.core.ratelimit (Algorithm steps and MultiWindow); the contract
-- test suite runs against both. Numbers go to Redis as strings formatted by fmt(): Lua would print
-- microsecond timestamps in exponent notation and lose digits.

local function fmt(x)
  return string.format('%.0f', x)
end

local now = tonumber(ARGV[1])
if now < 0 then
  if redis.replicate_commands then
    redis.replicate_commands()
  end
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local cost = tonumber(ARGV[2])

-- STEP --

local writes = {}
local best
local worst
for i = 1, #KEYS do
  local limit = tonumber(ARGV[1 + 2 * i])
  local window = tonumber(ARGV[2 + 2 * i])
  local d, write
  if cost > limit then
    -- can never pass: report what is left and the window as the wait
    local probe = step(KEYS[i], now, 1, limit, window)
    local left = probe[3]
    if probe[1] == 1 then
      left = left + 1
    end
    d = {0, limit, left, probe[4], window}
  else
    d, write = step(KEYS[i], now, cost, limit, window)
  end
  writes[i] = write
  if d[1] == 0 then
    if worst == nil or d[5] > worst[5] then
      worst = d
    end
  elseif best == nil or d[3] < best[3] or (d[3] == best[3] and d[4] > best[4]) then
    best = d
  end
end
if worst ~= nil then
  return worst
end
for i = 1, #KEYS do
  if writes[i] then
    writes[i]()
  end
end
return best
