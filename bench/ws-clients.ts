import { WebSocket } from "ws";
import { mapWithConcurrency } from "#domain/concurrency.js";
import { serveParent } from "./ipc.js";

/**
 * The WebSocket clients of bench/api.ts, in a process of their own (forked), so their parsing and
 * bookkeeping is not charged to the server's event loop. Receipt times are epoch milliseconds from
 * `performance.timeOrigin + performance.now()`, comparable with the parent's on the same machine.
 */

export interface ConnectResult {
  connected: number;
  failed: number;
  firstError: string | null;
  /** Per client: from starting the upgrade to its `connection` welcome message, ms. */
  welcomeMs: number[];
}

export interface Received {
  /** event id → receipt times (epoch ms), one per delivery, any client. */
  byEvent: Record<string, number[]>;
  /** event id → deliveries beyond the first to the same client. */
  duplicates: Record<string, number>;
  /** Clients whose socket closed during the run. */
  closed: number;
}

const epochMs = (): number => performance.timeOrigin + performance.now();

interface BenchClient {
  ws: WebSocket;
  seen: Set<string>;
}

const clients: BenchClient[] = [];
const byEvent = new Map<string, number[]>();
const duplicates = new Map<string, number>();
let closed = 0;

const open = (url: string, timeoutMs: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const started = epochMs();
    const ws = new WebSocket(url);
    const client: BenchClient = { ws, seen: new Set() };
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no welcome within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on("message", (data) => {
      const at = epochMs();
      const msg = JSON.parse(String(data)) as { type?: string; data?: { id?: string } };
      if (msg.type === "connection") {
        clearTimeout(timer);
        clients.push(client);
        resolve(at - started);
      } else if (msg.type === "trade_event" && typeof msg.data?.id === "string") {
        const id = msg.data.id;
        if (client.seen.has(id)) {
          duplicates.set(id, (duplicates.get(id) ?? 0) + 1);
          return;
        }
        client.seen.add(id);
        const times = byEvent.get(id) ?? [];
        times.push(at);
        byEvent.set(id, times);
      }
    });
    ws.once("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`HTTP ${res.statusCode}`));
    });
    ws.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.once("close", () => closed++);
  });

export const wsClientMethods = {
  /** Opens `n` clients, `concurrency` upgrades at a time, each waiting for its welcome message. */
  connect: async (url: string, n: number, concurrency: number, timeoutMs: number): Promise<ConnectResult> => {
    let failed = 0;
    let firstError: string | null = null;
    const welcomeMs: number[] = [];
    await mapWithConcurrency(Array.from({ length: n }), concurrency, async () => {
      try {
        welcomeMs.push(await open(url, timeoutMs));
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    });
    return { connected: clients.length, failed, firstError, welcomeMs };
  },
  received: (): Received => ({
    byEvent: Object.fromEntries(byEvent),
    duplicates: Object.fromEntries(duplicates),
    closed,
  }),
  /** This process's CPU time so far (user + system, µs): what the clients cost the shared cores. */
  cpu: (): NodeJS.CpuUsage => process.cpuUsage(),
  /** Deliveries so far of the given events, all clients together. */
  deliveries: (ids: string[]): number => ids.reduce((n, id) => n + (byEvent.get(id)?.length ?? 0), 0),
};

export type WsClientMethods = typeof wsClientMethods;

await serveParent(async () => ({
  ready: {},
  methods: wsClientMethods,
  stop: async () => {
    for (const c of clients) c.ws.terminate();
  },
}));
