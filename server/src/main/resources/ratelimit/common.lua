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

-- State of the hash-backed algorithms, read from Redis once per script run and written back once at its
-- end (persist()), so a batch that decides many requests of one hot key costs one HMGET, one HSET and one
-- PEXPIRE instead of three calls per request. The run is atomic either way: nothing else sees Redis between.
local states = {}
local dirty = {}
local written = {}

-- the fields of key (false where missing), from this run's copy when it has one
local function load(key, fields)
  local s = states[key]
  if s == nil then
    s = redis.call('HMGET', key, unpack(fields))
    states[key] = s
  end
  return s
end

-- replaces the fields of key (numbers, in the order of fields) and its time to live in ms
local function save(key, fields, values, ttl)
  states[key] = values
  if dirty[key] == nil then
    written[#written + 1] = key
  end
  dirty[key] = {fields, ttl}
end

local function persist()
  for _, key in ipairs(written) do
    local fields, ttl = dirty[key][1], dirty[key][2]
    local values = states[key]
    local args = {}
    for i = 1, #fields do
      args[2 * i - 1] = fields[i]
      args[2 * i] = fmt(values[i])
    end
    redis.call('HSET', key, unpack(args))
    redis.call('PEXPIRE', key, fmt(ttl))
  end
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
