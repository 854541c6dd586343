-- Sliding window counter. State (hash): s = current window start µs, c = current count, p = previous count.
local FIELDS = {'s', 'c', 'p'}
local function step(key, now, cost, limit, window, i)
  local start = now - (now % window)
  local s = load(key, FIELDS)
  local current, previous = 0, 0
  if s[1] then
    local st = tonumber(s[1])
    if st == start then
      current, previous = tonumber(s[2]), tonumber(s[3])
    elseif st == start - window then
      previous = tonumber(s[2])
    end
  end
  local weighted = math.floor(previous * (window - (now - start)) / window)
  local used = weighted + current
  if used + cost <= limit then
    N1[i], N2[i], N3[i], NT[i] = start, current + cost, previous, math.ceil((start + 2 * window - now) / 1000) + 1000
    return true, limit - used - cost, start + 2 * window - now, 0
  end
  local reset
  if current > 0 then
    reset = start + 2 * window - now
  else
    reset = start + window - now
  end
  local retry
  if current + cost <= limit and previous > 0 then
    retry = math.max(1, start + window - math.floor((limit - current - cost) * window / previous) - now)
  else
    retry = start + window - now
    if current > 0 and current + cost > limit then
      retry = retry + math.max(0, window - math.floor((limit - cost) * window / current))
    end
  end
  return false, math.max(0, limit - used), reset, math.max(1, retry)
end
local function commit(key, i)
  save(key, FIELDS, NT[i], N1[i], N2[i], N3[i])
end
