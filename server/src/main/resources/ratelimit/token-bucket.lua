-- Token bucket. State (hash): t = tokens in millionths, l = last refill µs.
local SCALE = 1000000
local FIELDS = {'t', 'l'}
local function refillTime(missing, limit, window)
  return math.ceil(missing * window / (limit * SCALE))
end
local function step(key, now, cost, limit, window, i)
  local s = load(key, FIELDS)
  local cap = limit * SCALE
  local tokens = cap
  if s[1] then
    local elapsed = math.max(0, now - tonumber(s[2]))
    local refill = elapsed * limit * SCALE / window
    if refill >= cap then
      tokens = cap
    else
      tokens = math.min(cap, tonumber(s[1]) + math.floor(refill))
    end
  end
  local need = cost * SCALE
  if tokens >= need then
    local left = tokens - need
    N1[i], N2[i], NT[i] = left, now, math.ceil(window / 1000) + 1000
    return true, math.floor(left / SCALE), refillTime(cap - left, limit, window), 0
  end
  return false, math.floor(tokens / SCALE), refillTime(cap - tokens, limit, window), math.max(1, refillTime(need - tokens, limit, window))
end
local function commit(key, i)
  save(key, FIELDS, NT[i], N1[i], N2[i])
end
