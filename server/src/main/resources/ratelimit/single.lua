-- One request. KEYS[i]: the state of window i (all keys share one hash tag, so the script is valid on
-- Redis Cluster). ARGV[1]: now µs or -1; ARGV[2]: cost; ARGV[2i+1], ARGV[2i+2]: limit and window of window i.
local d = decide(1, #KEYS, clock(ARGV[1]), tonumber(ARGV[2]), 3)
persist()
return d
