-- GCRA. State (hash): a = theoretical arrival time µs, r = remainder in 1/limit µs (exact for any limit).
local function free(ahead, rem, limit, window)
  if ahead <= 0 and rem == 0 then
    return limit
  end
  return math.max(0, math.floor(((window - ahead) * limit - rem) / window + 1e-9))
end
local FIELDS = {'a', 'r'}
local function step(key, now, cost, limit, window, i)
  local s = load(key, FIELDS)
  local tat, rem = now, 0
  if s[1] then
    local a, r = tonumber(s[1]), tonumber(s[2])
    if a > now or (a == now and r > 0) then
      tat, rem = a, r
    end
  end
  -- cost × window / limit as whole µs q plus r / limit. wr × cost can pass 2^53, past which doubles do
  -- not count in ones, so cost is taken in two parts of 15 bits: every product and sum stays below 2^46
  -- (cost and limit are below 2^30) and every quotient is floored exactly
  local wr = window % limit
  local hi, lo = math.floor(cost / 32768), cost % 32768
  local a = wr * hi
  local qa = math.floor(a / limit)
  local x = (a - qa * limit) * 32768 + wr * lo
  local qx = math.floor(x / limit)
  local q = cost * math.floor(window / limit) + qa * 32768 + qx
  local r = x - qx * limit
  local ntat, nrem = tat + q, rem + r
  if nrem >= limit then
    nrem = nrem - limit
    ntat = ntat + 1
  end
  local ahead = ntat - now
  local up = 0
  if nrem > 0 then
    up = 1
  end
  if ahead < window or (ahead == window and nrem == 0) then
    N1[i], N2[i], NT[i] = ntat, nrem, math.ceil(window / 1000) + 1000
    return true, free(ahead, nrem, limit, window), ahead + up, 0
  end
  local current = tat - now
  local currentUp = 0
  if rem > 0 then
    currentUp = 1
  end
  return false, free(current, rem, limit, window), current + currentUp, math.max(1, ahead - window + up)
end
local function commit(key, i)
  save(key, FIELDS, NT[i], N1[i], N2[i])
end
