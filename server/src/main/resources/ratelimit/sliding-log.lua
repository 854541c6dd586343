-- Sliding log. State (sorted set): one member per unit spent, scored by its time µs.
local function step(key, now, cost, limit, window)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now - window))
  local live = redis.call('ZCARD', key)
  if live + cost <= limit then
    return {1, limit, limit - live - cost, window, 0}, function()
      local args = {}
      for i = 1, cost do
        args[#args + 1] = fmt(now)
        args[#args + 1] = fmt(now) .. ':' .. fmt(live + i)
        if #args >= 1000 or i == cost then
          redis.call('ZADD', key, unpack(args))
          args = {}
        end
      end
      redis.call('PEXPIRE', key, fmt(math.ceil(window / 1000) + 1000))
    end
  end
  local oldest = redis.call('ZRANGE', key, live + cost - limit - 1, live + cost - limit - 1, 'WITHSCORES')
  local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  return {0, limit, limit - live, tonumber(newest[2]) + window - now, math.max(1, tonumber(oldest[2]) + window - now)}, nil
end
