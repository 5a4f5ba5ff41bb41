import { isoOrNull } from "#commons/iso-time.js";
import { publicStreamState, type StreamStatus } from "#domain/stream-status.js";
import { ServiceUnavailableError } from "../errors.js";
import { streamStatusSchema } from "../schemas.js";
import type { RouteContext } from "./context.js";

/**
 * A dashboard polls this every ~10 s and the listener writes its item every 10 s: a few seconds at
 * the edge (CloudFront honours the origin's Cache-Control) spare the table one read per viewer.
 */
const CACHE_CONTROL = "public, max-age=5";

/** The status item as the API shows it: the public state, ISO times, snake_case; all null without a listener. */
export const streamStatusBody = (s: StreamStatus | null, now: number) => ({
  state: publicStreamState(s, now),
  listener_id: s?.listenerId ?? null,
  started_at: s === null ? null : isoOrNull(s.startedAt),
  heartbeat_at: s === null ? null : isoOrNull(s.heartbeatAt),
  last_trade_at: isoOrNull(s?.lastTradeAt ?? null),
  last_message_at: isoOrNull(s?.lastMessageAt ?? null),
  reconnects: s?.reconnects ?? null,
  gaps: s?.gaps ?? null,
  coins: s?.coins ?? null,
  tracked: s?.tracked ?? null,
  backlog_ms: s?.backlogMs ?? null,
  trades: s?.trades ?? null,
  polls: s?.polls ?? null,
  events: s?.events ?? null,
  discovered: s?.discovered ?? null,
});

export const registerStreamRoutes = ({ router, deps, now }: RouteContext): void => {
  router.add(
    {
      method: "get",
      path: "/stream",
      operationId: "getStreamStatus",
      summary: "Whether the exchange's trades stream is feeding events now",
      description:
        "One listener holds a WebSocket to the exchange's trades stream and turns a tracked trader's trade into a position event within seconds; " +
        "the scheduled polls of every tracked trader go on regardless and catch what the stream misses. " +
        "This is the listener's last heartbeat (written about every 10 s), with state derived from it at request time. Cached for 5 s (Cache-Control).",
      tag: "stream",
      responses: {
        200: { description: "The listener's status; state down and the rest null when none runs", schema: streamStatusSchema, headers: { "Cache-Control": CACHE_CONTROL } },
        503: { description: "This server has no access to the listener's status" },
      },
    },
    async (c) => {
      if (deps.streamStatus === undefined) throw new ServiceUnavailableError("The trades stream's status is not configured on this server");
      const status = await deps.streamStatus.read();
      return c.json(streamStatusBody(status, now()), 200, { "Cache-Control": CACHE_CONTROL });
    },
  );
};
