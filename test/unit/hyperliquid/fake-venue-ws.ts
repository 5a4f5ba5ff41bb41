import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

/**
 * The venue's WebSocket as the trades stream sees it, on a real socket on 127.0.0.1: it answers
 * subscribe and unsubscribe on `subscriptionResponse`, pings on `pong`, refuses what a test says
 * on `error`, and can be told to misbehave (drop sockets, go silent, close idle connections).
 */

export interface VenueOptions {
  /** Delay before each subscribe/unsubscribe answer. */
  ackDelayMs?: number;
  /** Answer pings (default true). */
  pong?: boolean;
  /** Answer subscriptions (default true). A silent venue answers nothing at all. */
  acks?: boolean;
  /** Close a connection the client has sent nothing on for this long, as the venue does after 60 s. */
  closeAfterSilenceMs?: number;
  /** The error text for a coin the venue refuses. */
  refuse?: (coin: string) => string | undefined;
  /** Called for each new connection, e.g. to terminate it at once. */
  onConnection?: (c: VenueConnection) => void;
}

export interface Received {
  at: number;
  msg: { method?: string; subscription?: { type?: string; coin?: string } };
}

export interface VenueConnection {
  ws: WebSocket;
  openedAt: number;
  received: Received[];
  subscribed: Set<string>;
  closedForSilence: boolean;
  /** Answer nothing on this connection (pings and subscriptions alike). */
  mute: boolean;
}

export interface FakeVenue {
  url: string;
  connections: VenueConnection[];
  /** Every message from every connection, in order. */
  received(): Received[];
  send(frame: unknown, c?: VenueConnection): void;
  sendRaw(text: string, c?: VenueConnection): void;
  close(): Promise<void>;
}

export const trade = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  coin: "BTC",
  side: "B",
  px: "65000.5",
  sz: "0.01",
  hash: "0xabc",
  time: 1_700_000_000_000,
  tid: 1,
  users: ["0x" + "A".repeat(40), "0x" + "b".repeat(40)],
  ...over,
});

export const startFakeVenue = async (o: VenueOptions = {}): Promise<FakeVenue> => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", resolve));
  const connections: VenueConnection[] = [];
  const last = (): VenueConnection => {
    const c = connections.at(-1);
    if (c === undefined) throw new Error("no connection yet");
    return c;
  };
  const later = (f: () => void): void => {
    if (o.ackDelayMs) setTimeout(f, o.ackDelayMs);
    else f();
  };

  wss.on("connection", (ws) => {
    const c: VenueConnection = { ws, openedAt: Date.now(), received: [], subscribed: new Set(), closedForSilence: false, mute: false };
    connections.push(c);
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      clearTimeout(idle);
      if (o.closeAfterSilenceMs === undefined) return;
      idle = setTimeout(() => {
        c.closedForSilence = true;
        ws.close(1000, "idle");
      }, o.closeAfterSilenceMs);
    };
    armIdle();
    ws.on("close", () => clearTimeout(idle));
    ws.on("message", (data) => {
      armIdle();
      const msg = JSON.parse(data.toString()) as Received["msg"];
      c.received.push({ at: Date.now(), msg });
      if (c.mute) return;
      if (msg.method === "ping") {
        if (o.pong !== false) ws.send(JSON.stringify({ channel: "pong" }));
        return;
      }
      const coin = msg.subscription?.coin ?? "";
      if (o.acks === false) return;
      const answer = (frame: unknown): void => later(() => ws.readyState === ws.OPEN && ws.send(JSON.stringify(frame)));
      const refusal = o.refuse?.(coin);
      if (msg.method === "subscribe" && refusal !== undefined) {
        answer({ channel: "error", data: refusal });
      } else if (msg.method === "subscribe" && c.subscribed.has(coin)) {
        answer({ channel: "error", data: `Already subscribed: ${JSON.stringify(msg.subscription)}` });
      } else if (msg.method === "subscribe" || msg.method === "unsubscribe") {
        if (msg.method === "subscribe") c.subscribed.add(coin);
        else c.subscribed.delete(coin);
        answer({ channel: "subscriptionResponse", data: msg });
      }
    });
    o.onConnection?.(c);
  });

  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    connections,
    received: () => connections.flatMap((c) => c.received).sort((a, b) => a.at - b.at),
    send: (frame, c = last()) => c.ws.send(JSON.stringify(frame)),
    sendRaw: (text, c = last()) => c.ws.send(text),
    close: async () => {
      for (const c of connections) c.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
};
