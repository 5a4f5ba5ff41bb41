import { WebSocket } from "ws";
import { eventually } from "./wait.js";

/** A live-feed client on a real socket, recording every message it receives, in order. */
export type Message = { type: string; [k: string]: unknown };
export type TradeEventMessage = Message & { data: { id: string; trader_address: string; details: { coin: string } } };

export interface Client {
  ws: WebSocket;
  messages: Message[];
  openedAt: number;
  /** Resolves with the first message (from `from` on) matching, or fails after `timeoutMs`. */
  next: (pred: (m: Message) => boolean, timeoutMs?: number) => Promise<Message>;
  send: (body: unknown) => void;
}

export const open = (url: string): Promise<Client> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const messages: Message[] = [];
    ws.on("message", (data) => messages.push(JSON.parse(String(data)) as Message));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once("error", reject);
    ws.once("open", () =>
      resolve({
        ws,
        messages,
        openedAt: Date.now(),
        next: (pred, timeoutMs = 5_000) => eventually(() => messages.find(pred), { timeoutMs, intervalMs: 10, what: "a message" }),
        send: (body) => ws.send(typeof body === "string" ? body : JSON.stringify(body)),
      }),
    );
  });

export const tradeEvents = (c: Client): TradeEventMessage[] => c.messages.filter((m) => m.type === "trade_event") as TradeEventMessage[];
