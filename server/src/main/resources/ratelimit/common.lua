-- Gatehouse rate limiting: one atomic call decides requests against every window of their policies.
-- The same rules as dev.gatehouse.core.ratelimit (Algorithm steps and MultiWindow); the contract
-- test suite runs against both. Numbers go to Redis as strings formatted by fmt(): Lua would print
-- microsecond timestamps in exponent notation and lose digits. An entry point (single.lua or
-- batch.lua) follows this file and says how KEYS and ARGV are laid out.

local function fmt(x)
  return string.format('%.0f', x)
end

-- now in microseconds: the caller's, or Redis TIME when the caller gives -1 (one clock for every node)
local function clock(given)
  local now = tonumber(given)
  if now < 0 then
    if redis.replicate_commands then
      redis.replicate_commands()
    end
    local t = redis.call('TIME')
    now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  end
  return now
end

-- STEP --

-- Decides one request of `cost` against `count` windows: their state in KEYS[first..], their limit and
-- window (µs) in pairs in ARGV[at..]. Spends nothing unless every window allows it.
-- Returns {allowed (0/1), limit, remaining, reset µs, retry-after µs} of the deciding window.
local function decide(first, count, now, cost, at)
  local writes = {}
  local best
  local worst
  for i = 1, count do
    local key = KEYS[first + i - 1]
    local limit = tonumber(ARGV[at + 2 * (i - 1)])
    local window = tonumber(ARGV[at + 2 * (i - 1) + 1])
    local d, write
    if cost > limit then
      -- can never pass: report what is left and the window as the wait
      local probe = step(key, now, 1, limit, window)
      local left = probe[3]
      if probe[1] == 1 then
        left = left + 1
      end
      d = {0, limit, left, probe[4], window}
    else
      d, write = step(key, now, cost, limit, window)
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
  for i = 1, count do
    if writes[i] then
      writes[i]()
    end
  end
  return best
end
