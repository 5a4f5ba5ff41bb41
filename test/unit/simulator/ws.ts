import { WebSocket } from "ws";

/** A plain `ws` client of the simulator's feed: every text frame parsed and queued in order. */
export interface FeedClient {
  ws: WebSocket;
  send(message: unknown): void;
  /** The next message not yet taken; fails after `timeoutMs`. */
  next(timeoutMs?: number): Promise<FeedMessage>;
  /** Resolves with the close code and reason once the connection is gone. */
  closed: Promise<{ code: number; reason: string }>;
}

export interface FeedMessage {
  channel: string;
  data?: unknown;
}

export const openFeed = (url: string): Promise<FeedClient> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const queue: FeedMessage[] = [];
    const waiters: ((m: FeedMessage) => void)[] = [];
    ws.on("message", (data) => {
      const message = JSON.parse(String(data)) as FeedMessage;
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else queue.push(message);
    });
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.on("close", (code, reason) => done({ code, reason: String(reason) })),
    );
    ws.once("error", reject);
    ws.once("open", () =>
      resolve({
        ws,
        closed,
        send: (message) => ws.send(typeof message === "string" ? message : JSON.stringify(message)),
        next: (timeoutMs = 2_000) => {
          const queued = queue.shift();
          if (queued) return Promise.resolve(queued);
          return new Promise((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
            waiters.push((m) => {
              clearTimeout(timer);
              done(m);
            });
          });
        },
      }),
    );
  });

/** How an upgrade ended when it did not open: the HTTP status, or the socket error. */
export const refusal = (url: string): Promise<{ status?: number; error?: string }> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => {
      ws.terminate();
      reject(new Error("the connection opened"));
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.once("error", (err) => resolve({ error: err.message }));
  });

export const subscribeMessage = (coin: string) => ({ method: "subscribe", subscription: { type: "trades", coin } });
export const unsubscribeMessage = (coin: string) => ({ method: "unsubscribe", subscription: { type: "trades", coin } });

/** Subscribes and returns the snapshot that follows the ack (checking the ack on the way). */
export const subscribe = async (feed: FeedClient, coin: string): Promise<unknown[]> => {
  feed.send(subscribeMessage(coin));
  const ack = await feed.next();
  if (ack.channel !== "subscriptionResponse") throw new Error(`expected an ack, got ${JSON.stringify(ack)}`);
  const snapshot = await feed.next();
  if (snapshot.channel !== "trades") throw new Error(`expected the snapshot, got ${JSON.stringify(snapshot)}`);
  return snapshot.data as unknown[];
};
