-- Several requests, decided in order, atomically. KEYS: every request's window keys, request after
-- request (all in one Cluster slot). ARGV[1]: now µs or -1; ARGV[2]: the number of requests; then per
-- request: its window count n, its cost, and n pairs of limit and window.
-- Returns the five numbers of each request's decision, request after request.
local now = clock(ARGV[1])
local out = {}
local first = 1
local at = 3
for _ = 1, tonumber(ARGV[2]) do
  local count = tonumber(ARGV[at])
  local d = decide(first, count, now, tonumber(ARGV[at + 1]), at + 2)
  for x = 1, 5 do
    out[#out + 1] = d[x]
  end
  first = first + count
  at = at + 2 + 2 * count
end
persist()
return out
