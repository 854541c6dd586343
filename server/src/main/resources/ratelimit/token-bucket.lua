-- Token bucket. State (hash): t = tokens in millionths, l = last refill µs.
local SCALE = 1000000
local FIELDS = {'t', 'l'}
local function step(key, now, cost, limit, window)
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
  local function refillTime(missing)
    return math.ceil(missing * window / (limit * SCALE))
  end
  local need = cost * SCALE
  if tokens >= need then
    local left = tokens - need
    return {1, limit, math.floor(left / SCALE), refillTime(cap - left), 0}, function()
      save(key, FIELDS, {left, now}, math.ceil(window / 1000) + 1000)
    end
  end
  return {0, limit, math.floor(tokens / SCALE), refillTime(cap - tokens), math.max(1, refillTime(need - tokens))}, nil
end
