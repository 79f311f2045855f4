-- wrk script for the flood of bench/run: every request a wrong password
-- that was never sent before (so no cache and no collapsing can help),
-- for a user drawn from FLOOD_USERS (space-separated; "*" stands for a new
-- made-up name each time, which costs fcgi-authd its dummy yescrypt check
-- and which no per-account regulation can catch), from a random 10.x.y.z
-- address in X-Forwarded-For (nginx's realip module turns it into
-- REMOTE_ADDR, so per-address regulation cannot single the flood out and
-- blur what is measured).  At the end: the summary line, and how many
-- answers of each status the flood got (401 expected; anything else means
-- the flood was refused or failed).

local users = {}
for u in string.gmatch(os.getenv("FLOOD_USERS") or "nobody", "%S+") do
   users[#users + 1] = u
end

local b64chars =
   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function b64(s)
   local out = {}
   for i = 1, #s, 3 do
      local a, b, c = string.byte(s, i, i + 2)
      local n = a * 65536 + (b or 0) * 256 + (c or 0)
      local c1 = math.floor(n / 262144) % 64
      local c2 = math.floor(n / 4096) % 64
      local c3 = math.floor(n / 64) % 64
      local c4 = n % 64
      out[#out + 1] = b64chars:sub(c1 + 1, c1 + 1) .. b64chars:sub(c2 + 1, c2 + 1)
         .. (b and b64chars:sub(c3 + 1, c3 + 1) or "=")
         .. (c and b64chars:sub(c4 + 1, c4 + 1) or "=")
   end
   return table.concat(out)
end

local threads = {}
local nthreads = 0

function setup(thread)
   nthreads = nthreads + 1
   thread:set("tid", nthreads)
   threads[#threads + 1] = thread
end

local counter = 0
local statuses = {}

function init(args)
   -- A seed of its own per thread: threads seeded alike would send the
   -- same "random" passwords at the same moment, which collapsing merges.
   local seed = os.time() * 1000 + (tid or 0)
   local f = io.open("/dev/urandom", "rb")
   if f then
      local r = f:read(4)
      f:close()
      local a, b, c, d = string.byte(r, 1, 4)
      seed = seed + ((a * 256 + b) * 256 + c) * 256 + d
   end
   math.randomseed(seed % 2147483647)
   prefix = string.format("wrong-%d-%d-", tid or 0, math.random(0, 2147483646))
end

function request()
   counter = counter + 1
   local user = users[math.random(#users)]
   if user == "*" then
      user = "nobody-" .. prefix:sub(7) .. counter
   end
   local pw = prefix .. counter .. "-" .. math.random(0, 2147483646)
   local xff = string.format("10.%d.%d.%d", math.random(0, 255),
                             math.random(0, 255), math.random(1, 254))
   return wrk.format(nil, nil, {
      ["Authorization"] = "Basic " .. b64(user .. ":" .. pw),
      ["X-Forwarded-For"] = xff,
   })
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   -- Exposed for done(), which runs in another Lua state.
   _G["st_" .. status] = statuses[status]
end

function done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      "RESULT requests=%d seconds=%.3f rps=%.2f p50_us=%d p99_us=%d " ..
      "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50), latency:percentile(99),
      e.connect, e.read, e.write, e.status, e.timeout))
   local total = {}
   for _, t in ipairs(threads) do
      for _, code in ipairs({200, 400, 401, 403, 429, 500, 502, 503, 504}) do
         local n = t:get("st_" .. code)
         if n then total[code] = (total[code] or 0) + n end
      end
   end
   local parts = {}
   for _, code in ipairs({200, 400, 401, 403, 429, 500, 502, 503, 504}) do
      if total[code] then parts[#parts + 1] = code .. "=" .. total[code] end
   end
   io.write("STATUSES " .. table.concat(parts, " ") .. "\n")
end
