import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exchangeWeight } from "#simulator/exchange.js";

/**
 * A tap in front of the simulator for bench/copy.ts: every request is passed through unchanged,
 * and each POST /exchange order action is noted as the exchange saw it (when it arrived, its
 * orders' cloids, each order's answer), so the benchmark counts sent orders and fills from the
 * wire rather than from what the engine says it did. Costs one local hop per request.
 */

export interface TappedOrder {
  cloid: string | null;
  asset: number;
  isBuy: boolean;
  size: string;
  /** `filled`, `resting`, `error` (with its text), or `none` when the action as a whole failed. */
  status: "filled" | "resting" | "error" | "none";
  error?: string;
  filledSize?: string;
}

export interface TappedAction {
  receivedAt: number;
  answeredAt: number;
  httpStatus: number;
  /** The exchange's weight of the action: 1 + floor(orders / 40). */
  weight: number;
  orders: TappedOrder[];
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};

type WireOrder = { a?: unknown; b?: unknown; s?: unknown; c?: unknown };
type WireStatus = { filled?: { totalSz?: unknown }; resting?: unknown; error?: unknown };

/** The orders of one /exchange order action and their answers; null for any other action. */
export const tapOrderAction = (request: unknown, httpStatus: number, answer: unknown, at: { receivedAt: number; answeredAt: number }): TappedAction | null => {
  const action = (request as { action?: { type?: unknown; orders?: unknown } } | null)?.action;
  if (action?.type !== "order" || !Array.isArray(action.orders)) return null;
  const response = answer as { status?: unknown; response?: { data?: { statuses?: unknown } } } | null;
  const statuses = response?.status === "ok" && Array.isArray(response.response?.data?.statuses) ? (response.response.data.statuses as WireStatus[]) : [];
  const orders = (action.orders as WireOrder[]).map((o, i): TappedOrder => {
    const s = statuses[i];
    const base = { cloid: typeof o.c === "string" ? o.c.toLowerCase() : null, asset: Number(o.a), isBuy: o.b === true, size: String(o.s) };
    if (s?.filled !== undefined) return { ...base, status: "filled", filledSize: String(s.filled.totalSz) };
    if (s?.resting !== undefined) return { ...base, status: "resting" };
    if (s?.error !== undefined) return { ...base, status: "error", error: String(s.error) };
    return { ...base, status: "none", ...(response?.status === "err" && { error: String((response as { response?: unknown }).response) }) };
  });
  return { ...at, httpStatus, weight: exchangeWeight(request), orders };
};

export interface Tap {
  url: string;
  actions: TappedAction[];
  close(): Promise<void>;
}

export const startTap = async (target: string): Promise<Tap> => {
  const actions: TappedAction[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const receivedAt = Date.now();
      const body = await readBody(req);
      const upstream = await fetch(`${target}${req.url ?? "/"}`, {
        method: req.method ?? "POST",
        headers: { "content-type": req.headers["content-type"] ?? "application/json" },
        ...(req.method !== "GET" && req.method !== "HEAD" && { body }),
      });
      const text = await upstream.text();
      if (req.url === "/exchange") {
        const tapped = tapOrderAction(parse(body), upstream.status, parse(text), { receivedAt, answeredAt: Date.now() });
        if (tapped !== null) actions.push(tapped);
      }
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
      res.end(text);
    })().catch((error: unknown) => {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`tap: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    actions,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
