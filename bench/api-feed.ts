import { PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { eventItem } from "#store/dynamo/traders.js";
import { benchEvent } from "./api-fixtures.js";
import type { Child } from "./ipc.js";
import { ms, percentile } from "./percentile.js";
import type { Received, WsClientMethods } from "./ws-clients.js";

/**
 * The WebSocket half of bench/api.ts: clients (already connected, in processes of their own) wait
 * while events are Put into the events table exactly as the tracking worker stores them
 * (`eventItem`); the broadcaster queues each for every connection shard and the fan-out worker
 * reaches them through the gateway's management API. Latency of a delivery = receipt time at the
 * client − the time just before the Put was sent.
 */

/** The clients of several processes, counted as one. */
export interface ClientPool {
  deliveries(ids: string[]): Promise<number>;
  /** CPU time of all client processes so far, ms. */
  cpuMs(): Promise<number>;
  received(): Promise<Received>;
}

export const clientPool = (children: readonly Child<WsClientMethods, object>[]): ClientPool => ({
  deliveries: async (ids) => (await Promise.all(children.map((c) => c.call("deliveries", ids)))).reduce((a, b) => a + b, 0),
  cpuMs: async () => (await Promise.all(children.map((c) => c.call("cpu")))).reduce((n, u) => n + (u.user + u.system) / 1000, 0),
  received: async () => {
    const all = await Promise.all(children.map((c) => c.call("received")));
    const merged: Received = { byEvent: {}, duplicates: {}, closed: 0 };
    for (const r of all) {
      for (const [id, times] of Object.entries(r.byEvent)) (merged.byEvent[id] ??= []).push(...times);
      for (const [id, n] of Object.entries(r.duplicates)) merged.duplicates[id] = (merged.duplicates[id] ?? 0) + n;
      merged.closed += r.closed;
    }
    return merged;
  },
});

export interface FanOutOptions {
  doc: DynamoDBDocumentClient;
  eventsTable: string;
  clients: ClientPool;
  connected: number;
  events: number;
  /** Per event, how long to wait for all deliveries before moving on. */
  perEventTimeoutMs: number;
  /** Quiet time between one event's last delivery and the next insert, plus a random 0–`jitterMs`. */
  gapMs: number;
  /**
   * The stream source polls every so often, and a poll follows each delivery at once: a fixed gap
   * would put every insert at the same point of the poll cycle (always just after a poll, or just
   * before), and the first delivery would wait the same, long or short, every time. A tracker's
   * events come at any moment; one poll interval of random extra gap samples every point of it.
   */
  jitterMs: number;
  /** Events sent first and left out of the figures (their own figure is `warmUp`). */
  warmUpEvents: number;
}

export interface PerEvent {
  id: string;
  putMs: number;
  delivered: number;
  firstMs: number;
  p50Ms: number;
  lastMs: number;
}

export interface FanOutResult {
  clients: number;
  events: number;
  expectedDeliveries: number;
  deliveries: number;
  missing: number;
  /** Re-sends: deliveries to a client that already had the event. */
  duplicates: number;
  clientsClosed: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Median over events of the first delivery: mostly the stream poll, the queue and one shard's listing. */
  firstDeliveryMedianMs: number;
  perEvent: PerEvent[];
  /** Deliveries of warm-up and measured events together. */
  allDeliveries: number;
  /** Insert → last client, per warm-up event. */
  warmUpLastMs: number[];
}

const epochMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Inserts `count` events one at a time, each once the previous reached every client (or timed out). */
const insertEvents = async (o: FanOutOptions, count: number, runTag: string, firstIndex: number) => {
  const inserted: { id: string; at: number; putMs: number }[] = [];
  for (let i = firstIndex; i < firstIndex + count; i++) {
    const event = benchEvent(i, Date.now(), runTag);
    const at = epochMs();
    await o.doc.send(new PutCommand({ TableName: o.eventsTable, Item: eventItem(event) }));
    inserted.push({ id: event.id, at, putMs: epochMs() - at });
    const deadline = Date.now() + o.perEventTimeoutMs;
    while (Date.now() < deadline && (await o.clients.deliveries([event.id])) < o.connected) await sleep(20);
    await sleep(o.gapMs + Math.random() * o.jitterMs);
  }
  return inserted;
};

export const measureFanOut = async (o: FanOutOptions): Promise<FanOutResult> => {
  const runTag = Date.now().toString(16);
  // Not measured: the first events after start-up compile the fan-out's hot path (JIT). Their
  // latency is reported on its own, so a cold start is not hidden either.
  const warmUp = await insertEvents(o, o.warmUpEvents, runTag, 0);
  const inserted = await insertEvents(o, o.events, runTag, o.warmUpEvents);
  // Late or duplicate deliveries of the last events still count.
  await sleep(1_000);
  const received = await o.clients.received();

  const latenciesOf = (id: string, at: number) => (received.byEvent[id] ?? []).map((t) => t - at);
  const warmUpLast = warmUp.map(({ id, at }) => ms(percentile(latenciesOf(id, at), 100)));
  const all: number[] = [];
  const perEvent = inserted.map(({ id, at, putMs }): PerEvent => {
    const latencies = latenciesOf(id, at);
    all.push(...latencies);
    return {
      id,
      putMs: ms(putMs),
      delivered: latencies.length,
      firstMs: ms(percentile(latencies, 0)),
      p50Ms: ms(percentile(latencies, 50)),
      lastMs: ms(percentile(latencies, 100)),
    };
  });
  const expected = o.connected * o.events;
  const duplicates = Object.values(received.duplicates).reduce((a, b) => a + b, 0);
  const firsts = perEvent.map((e) => e.firstMs).filter(Number.isFinite);
  return {
    clients: o.connected,
    events: o.events,
    expectedDeliveries: expected,
    deliveries: all.length,
    missing: expected - all.length,
    duplicates,
    clientsClosed: received.closed,
    p50Ms: ms(percentile(all, 50)),
    p90Ms: ms(percentile(all, 90)),
    p99Ms: ms(percentile(all, 99)),
    maxMs: ms(percentile(all, 100)),
    firstDeliveryMedianMs: ms(percentile(firsts, 50)),
    perEvent,
    warmUpLastMs: warmUpLast,
    allDeliveries: all.length + warmUp.reduce((n, { id }) => n + (received.byEvent[id]?.length ?? 0), 0),
  };
};
