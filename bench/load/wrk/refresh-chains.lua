-- Refresh chains: `-- PATH FILE`, FILE holding one unused refresh token per line (at least one per
-- connection). A request takes a token from the pool, its 200 puts the successor back, so no token
-- is presented twice. With one request in flight per connection the pool never runs dry while the
-- answers are 200s; `dry` counts the requests sent without a token (answered 401).

local pool, path = {}, "/api/auth/refresh"
-- wrk calls request() once right after init() to check what it returns (script_verify_request,
-- on the first thread; the harness runs one): that request is never sent, so it takes no token.
local verified = false

function init(args)
  path = args[1]
  for line in io.lines(args[2]) do
    if line ~= "" then pool[#pool + 1] = line end
  end
  mark_start()
end

function request()
  if not verified then
    verified = true
    return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, '{"refreshToken":"never-sent"}')
  end
  local token = table.remove(pool)
  if token == nil then
    dry = dry + 1
    token = "pool-ran-dry"
  end
  return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, '{"refreshToken":"' .. token .. '"}')
end

function response(status, headers, body)
  if status == 200 then
    local successor = body:match('"refreshToken"%s*:%s*"([^"]+)"')
    if successor ~= nil then pool[#pool + 1] = successor end
  end
end
