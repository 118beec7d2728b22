-- Cycles over prebuilt requests, one per line of a file: `-- METHOD PATH bearer FILE` sends each
-- line as `Authorization: Bearer <line>`, `-- METHOD PATH json FILE` as a JSON body. The requests
-- are formatted once in init(), so each one costs wrk a table lookup.

local requests, count, next_index = {}, 0, 0

function init(args)
  local method, path, kind, file = args[1], args[2], args[3], args[4]
  for line in io.lines(file) do
    if line ~= "" then
      if kind == "bearer" then
        requests[#requests + 1] = wrk.format(method, path, { ["Authorization"] = "Bearer " .. line }, nil)
      else
        requests[#requests + 1] = wrk.format(method, path, { ["Content-Type"] = "application/json" }, line)
      end
    end
  end
  count = #requests
  if count == 0 then error("no requests in " .. file) end
  mark_start()
end

function request()
  next_index = next_index % count + 1
  return requests[next_index]
end
