-- Gatehouse rate limiting: one atomic call decides requests against every window of their policies.
-- The same rules as dev.gatehouse.core.ratelimit (Algorithm steps and MultiWindow); the contract
-- test suite runs against both. Numbers go to Redis as strings formatted by fmt(): Lua would print
-- microsecond timestamps in exponent notation and lose digits. batch.lua follows this file and says
-- how KEYS and ARGV are laid out.
--
-- Written for the interpreter's sake: a decision allocates no table and no closure (steps return
-- several values and leave the state they would write in the scratch arrays N1..N3 and NT), since a
-- hot key sees dozens of decisions per call.

local function fmt(x)
  return string.format('%.0f', x)
end

-- now in microseconds: the caller's, or Redis TIME when the caller gives -1 (one clock for every node).
-- Writing after TIME needs effects replication: the default since Redis 5 and the only kind since 7
-- (which has REDIS_VERSION_NUM); asked for on 5 and 6, where a server may be set to replicate scripts.
local function clock(given)
  local now = tonumber(given)
  if now < 0 then
    if not redis.REDIS_VERSION_NUM then
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
local dirtyFields = {}
local dirtyTtl = {}
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

-- replaces the fields of key (up to three numbers, in the order of fields) and its time to live in ms
local function save(key, fields, ttl, a, b, c)
  local s = states[key]
  s[1], s[2], s[3] = a, b, c
  if dirtyFields[key] == nil then
    written[#written + 1] = key
    dirtyFields[key] = fields
  end
  dirtyTtl[key] = ttl
end

-- (a state has two or three fields: spelt out, as a table of arguments and unpack() cost more than the write)
local function persist()
  for _, key in ipairs(written) do
    local f, v = dirtyFields[key], states[key]
    if f[3] then
      redis.call('HSET', key, f[1], fmt(v[1]), f[2], fmt(v[2]), f[3], fmt(v[3]))
    else
      redis.call('HSET', key, f[1], fmt(v[1]), f[2], fmt(v[2]))
    end
    redis.call('PEXPIRE', key, fmt(dirtyTtl[key]))
  end
end

-- what window i of the decision under way would write if every window allows it
local N1, N2, N3, NT = {}, {}, {}, {}

-- STEP --

-- Decides one request of `cost` against `count` windows: their state in KEYS[first..], their limits
-- and windows (µs) in lims[1..count] and wins[1..count]. Spends nothing: what every window would write
-- if the request passes is left in N1..N3 and NT for commitAll().
-- Returns limit, remaining, reset µs and retry-after µs (0 when allowed) of the deciding window.
local function evaluate(first, count, lims, wins, now, cost)
  local bl, br, bs
  local wl, wr, ws, wt
  for i = 1, count do
    local key = KEYS[first + i - 1]
    local limit, window = lims[i], wins[i]
    local ok, rem, reset, retry
    if cost > limit then
      -- can never pass: report what is left and the window as the wait
      ok, rem, reset = step(key, now, 1, limit, window, i)
      if ok then
        rem = rem + 1
      end
      ok, retry = false, window
    else
      ok, rem, reset, retry = step(key, now, cost, limit, window, i)
    end
    if not ok then
      if wl == nil or retry > wt then
        wl, wr, ws, wt = limit, rem, reset, retry
      end
    elseif bl == nil or rem < br or (rem == br and reset > bs) then
      bl, br, bs = limit, rem, reset
    end
  end
  if wl ~= nil then
    return wl, wr, ws, wt
  end
  return bl, br, bs, 0
end

local function commitAll(first, count)
  for i = 1, count do
    commit(KEYS[first + i - 1], i)
  end
end

-- The most requests of `cost`, up to m, that every window still has room for by its own count: a first
-- guess for the run below, which checks it.
local function room(first, count, lims, wins, now, cost, m)
  local most = m
  for i = 1, count do
    local ok, rem = step(KEYS[first + i - 1], now, cost, lims[i], wins[i], i)
    if ok then
      rem = rem + cost
    end
    most = math.min(most, math.floor(rem / cost))
  end
  return math.max(0, most)
end

-- Decides a run of m requests of one policy and cost at once. With one clock, k requests of cost c leave
-- every algorithm's state exactly as one request of cost k*c does, and pass exactly when it would (a
-- window only fills up), so the run's allowed requests are the first a, for the largest a whose total
-- fits; that is spent in one step per window. Returns a and, when a < m, the answer to the rest (limit,
-- remaining, reset, retry-after of the state after the a).
local function decideRun(first, count, lims, wins, now, cost, m)
  local a = m
  if select(4, evaluate(first, count, lims, wins, now, cost * m)) > 0 then
    a = room(first, count, lims, wins, now, cost, m - 1)
    while a > 0 and select(4, evaluate(first, count, lims, wins, now, cost * a)) > 0 do
      a = a - 1
    end
    while a + 1 < m and select(4, evaluate(first, count, lims, wins, now, cost * (a + 1))) == 0 do
      a = a + 1
    end
    if a > 0 then
      -- the last check may have been of a + 1: step the spend again so N1..NT hold it
      evaluate(first, count, lims, wins, now, cost * a)
    end
  end
  if a > 0 then
    commitAll(first, count)
  end
  if a == m then
    return a
  end
  local limit, rem, reset, retry = evaluate(first, count, lims, wins, now, cost)
  return a, limit, rem, reset, math.max(1, retry)
end
