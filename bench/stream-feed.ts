import { WebSocket } from "ws";
import type { ReceivedEvent } from "./stream-figures.js";

/**
 * One client of the live feed, as a user's would be: connected to `/ws/v1/trades` with no filter,
 * it notes every `trade_event` (id, trader, coin, type, the trades behind it, where its fills came from)
 * with the wall time it arrived. Wall time (Date.now), because a trade's `time` is wall time too.
 * It runs in the orchestrator, which otherwise only sends orders over IPC and waits.
 */
export interface FeedClient {
  events(): ReceivedEvent[];
  /** Has an event of this trader in this coin arrived? */
  has(trader: string, coin: string): boolean;
  /** When the socket closed, if it did. */
  closedAt(): number | null;
  close(): void;
}

const tidsOf = (value: unknown): number[] => (Array.isArray(value) ? value.filter((t): t is number => typeof t === "number") : []);

export const connectFeed = (url: string, timeoutMs = 30_000): Promise<FeedClient> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const byId = new Map<string, ReceivedEvent>();
    const seen = new Set<string>();
    let closedAt: number | null = null;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`the feed at ${url} sent no welcome within ${timeoutMs} ms`));
    }, timeoutMs);
    const client: FeedClient = {
      events: () => [...byId.values()].map((e) => ({ ...e, tids: [...e.tids] })),
      has: (trader, coin) => seen.has(`${trader.toLowerCase()}|${coin}`),
      closedAt: () => closedAt,
      close: () => ws.terminate(),
    };
    ws.on("message", (data) => {
      const at = Date.now();
      const msg = JSON.parse(String(data)) as {
        type?: string;
        data?: { id?: string; trader_address?: string; timestamp?: string; event_type?: unknown; details?: { coin?: string; tids?: unknown; fills_source?: unknown } };
      };
      if (msg.type === "connection") {
        clearTimeout(timer);
        resolve(client);
        return;
      }
      const e = msg.data;
      if (msg.type !== "trade_event" || typeof e?.id !== "string") return;
      const known = byId.get(e.id);
      if (known) {
        known.deliveries++;
        return;
      }
      const trader = String(e.trader_address ?? "").toLowerCase();
      const coin = String(e.details?.coin ?? "");
      seen.add(`${trader}|${coin}`);
      byId.set(e.id, {
        id: e.id,
        trader,
        coin,
        type: String(e.event_type ?? ""),
        tids: tidsOf(e.details?.tids),
        fillsSource: typeof e.details?.fills_source === "string" ? e.details.fills_source : null,
        eventAt: Date.parse(e.timestamp ?? ""),
        receivedAt: at,
        deliveries: 1,
      });
    });
    ws.once("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`the feed at ${url} answered HTTP ${res.statusCode}`));
    });
    ws.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.once("close", () => (closedAt = Date.now()));
  });
