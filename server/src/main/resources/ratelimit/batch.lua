-- Requests decided in order, atomically. Each distinct policy of the call (a subject's windows) is sent
-- once, and consecutive requests of one policy and cost as one run, so a hot key's batch costs one
-- parse of its arguments and, for the algorithms whose state is a few numbers, one decision per run.
-- KEYS: the window keys of each policy, policy after policy (all in one Cluster slot).
-- ARGV[1]: now µs or -1; ARGV[2]: the number of policies; then per policy its window count n and n
-- pairs of limit and window µs; then the number of runs, and per run its policy (1-based), its cost and
-- how many requests it holds.
-- Returns the clock the call decided by (µs), then per run:
--  * where the state is a few numbers (FIELDS): per window the number of its fields present (0 or all)
--    and their values before the run, then how many of the run's first requests pass (a), then, when
--    some do not, the answer to them all: limit, remaining, reset µs, retry-after µs. The caller derives
--    each passing request's remaining and reset by stepping the same state in process (the algorithms
--    are the same pure steps there), so the reply does not grow with the run.
--  * for the sliding log, whose state is its entries: four numbers per request, request after request:
--    limit, remaining, reset µs and retry-after µs (0 when allowed) of the deciding window.
local now = clock(ARGV[1])
local at = 3
local firsts, counts, limits, windows = {}, {}, {}, {}
local key = 1
for p = 1, tonumber(ARGV[2]) do
  local n = tonumber(ARGV[at])
  local l, w = {}, {}
  for i = 1, n do
    l[i] = tonumber(ARGV[at + 2 * i - 1])
    w[i] = tonumber(ARGV[at + 2 * i])
  end
  firsts[p], counts[p], limits[p], windows[p] = key, n, l, w
  key = key + n
  at = at + 1 + 2 * n
end
local out, o = {now}, 1
local runs = tonumber(ARGV[at])
at = at + 1
for _ = 1, runs do
  local p, cost, m = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  at = at + 3
  local first, count, l, w = firsts[p], counts[p], limits[p], windows[p]
  if FIELDS then
    for i = 1, count do
      local s = load(KEYS[first + i - 1], FIELDS)
      if s[1] then
        out[o + 1] = #FIELDS
        for f = 1, #FIELDS do
          out[o + 1 + f] = tonumber(s[f])
        end
        o = o + 1 + #FIELDS
      else
        out[o + 1] = 0
        o = o + 1
      end
    end
    local a, limit, rem, reset, retry = decideRun(first, count, l, w, now, cost, m)
    out[o + 1] = a
    o = o + 1
    if a < m then
      out[o + 1], out[o + 2], out[o + 3], out[o + 4] = limit, rem, reset, retry
      o = o + 4
    end
  else
    local j = 0
    while j < m do
      local limit, rem, reset, retry = evaluate(first, count, l, w, now, cost)
      if retry == 0 then
        commitAll(first, count)
      end
      out[o + 1], out[o + 2], out[o + 3], out[o + 4] = limit, rem, reset, retry
      o = o + 4
      j = j + 1
      if retry > 0 then
        -- refused: nothing was spent and the clock has not moved, so the rest of the run is refused alike
        while j < m do
          out[o + 1], out[o + 2], out[o + 3], out[o + 4] = limit, rem, reset, retry
          o = o + 4
          j = j + 1
        end
      end
    end
  end
end
persist()
return out
