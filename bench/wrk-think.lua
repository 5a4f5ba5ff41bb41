-- For bench/api.ts: wrk calls delay() before each request on a connection and waits that many ms
-- after the connection's last answer, so each connection is a client that reads the page, pauses
-- and asks again: load below the saturation point, where the latency is the server's rather than
-- the queue's. WRK_THINK_MS sets the pause.
local think = tonumber(os.getenv("WRK_THINK_MS") or "0")

function delay()
  return think
end
