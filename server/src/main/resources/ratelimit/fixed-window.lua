-- Fixed window aligned to multiples of the window. State (hash): s = window start µs, c = units spent.
local FIELDS = {'s', 'c'}
local function step(key, now, cost, limit, window, i)
  local start = now - (now % window)
  local s = load(key, FIELDS)
  local spent = 0
  if s[1] and tonumber(s[1]) == start then
    spent = tonumber(s[2])
  end
  local reset = start + window - now
  if spent + cost <= limit then
    N1[i], N2[i], NT[i] = start, spent + cost, math.ceil(reset / 1000) + 1000
    return true, limit - spent - cost, reset, 0
  end
  return false, limit - spent, reset, math.max(1, reset)
end
local function commit(key, i)
  save(key, FIELDS, NT[i], N1[i], N2[i])
end
