import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { serveParent } from "./ipc.js";
import { requireEnv } from "./util.js";

/**
 * The floor of bench/api.ts's leaderboard figures: a bare node:http server that answers every
 * request with the same bytes and headers the leaderboard answered (BENCH_FLOOR_BODY, a file), with
 * no routing, no validation and no cache lookup. Measured with the same client, connections and
 * machine, it shows how much of the latency is the load generator, the kernel and the body size,
 * which no server code can remove.
 */

await serveParent(async () => {
  const body = readFileSync(requireEnv("BENCH_FLOOR_BODY"));
  const headers = {
    "Content-Type": "application/json",
    "Content-Length": String(body.length),
    "Cache-Control": "public, max-age=300",
    ETag: '"floor"',
    ...(process.env.BENCH_FLOOR_GZIP === "1" && { "Content-Encoding": "gzip" }),
  };
  const server = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return {
    ready: { url: `http://127.0.0.1:${address.port}` },
    methods: {},
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});
