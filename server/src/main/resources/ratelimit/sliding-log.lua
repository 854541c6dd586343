-- Sliding log. State (sorted set): one member per unit spent, scored by its time µs. Too big to send
-- back, so its runs are answered request by request (FIELDS names no hash fields).
local FIELDS = nil
local function step(key, now, cost, limit, window, i)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now - window))
  local live = redis.call('ZCARD', key)
  if live + cost <= limit then
    N1[i], N2[i], N3[i], NT[i] = now, live, cost, math.ceil(window / 1000) + 1000
    return true, limit - live - cost, window, 0
  end
  local oldest = redis.call('ZRANGE', key, live + cost - limit - 1, live + cost - limit - 1, 'WITHSCORES')
  local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  return false, limit - live, tonumber(newest[2]) + window - now, math.max(1, tonumber(oldest[2]) + window - now)
end
local function commit(key, i)
  local now, live, cost = N1[i], N2[i], N3[i]
  local args = {}
  for u = 1, cost do
    args[#args + 1] = fmt(now)
    args[#args + 1] = fmt(now) .. ':' .. fmt(live + u)
    if #args >= 1000 or u == cost then
      redis.call('ZADD', key, unpack(args))
      args = {}
    end
  end
  redis.call('PEXPIRE', key, fmt(NT[i]))
end
