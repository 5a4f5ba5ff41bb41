import { createHash } from "node:crypto";
import type { CopyOrder } from "#domain/copy/ports.js";
import type { CommittedEvent } from "./copy-leaders.js";
import type { TappedAction } from "./copy-tap.js";
import { summarize, type Summary } from "./stream-figures.js";

/**
 * The arithmetic of bench/copy.ts, free of processes (test/unit/bench/copy-figures.test.ts): how
 * long from a leader event to each follower order being sent and filled, how many orders, and
 * whether any was doubled, from the followers' stored orders and from what the exchange saw.
 */

export interface FollowerOrders {
  followerId: string;
  mode: "paper" | "live";
  orders: readonly CopyOrder[];
}

export interface Delays {
  /** Event committed (its timestamp) → the order's sent_at. */
  sent: Summary;
  /** Event committed → the order's filled_at (filled and partially filled orders). */
  filled: Summary;
}

export interface OrderFigures {
  /** Orders stored, by what caused them. */
  byOrigin: { event: number; reconcile: number; other: number };
  byStatus: Record<string, number>;
  all: Delays;
  live: Delays;
  paper: Delays;
  /** Live orders: event → the exchange receiving it (the tap's clock), as a check on sent_at. */
  exchangeReceived: Summary;
  /** Orders for leader events the benchmark never committed (should be none). */
  unknownEvents: number;
}

const delays = (orders: readonly CopyOrder[], eventAt: ReadonlyMap<string, number>): Delays => {
  const sent: number[] = [];
  const filled: number[] = [];
  for (const o of orders) {
    const at = eventAt.get(o.eventId);
    if (at === undefined) continue;
    if (o.sentAt !== null) sent.push(o.sentAt - at);
    if (o.filledAt !== null && (o.status === "filled" || o.status === "partially_filled")) filled.push(o.filledAt - at);
  }
  return { sent: summarize(sent), filled: summarize(filled) };
};

const originOf = (eventId: string): keyof OrderFigures["byOrigin"] =>
  eventId.startsWith("reconcile:") ? "reconcile" : eventId.startsWith("api:") || eventId.startsWith("close:") ? "other" : "event";

export const orderFigures = (followers: readonly FollowerOrders[], events: readonly CommittedEvent[], actions: readonly TappedAction[]): OrderFigures => {
  const eventAt = new Map(events.map((e) => [e.id, e.at]));
  const all = followers.flatMap((f) => f.orders);
  const byOrigin = { event: 0, reconcile: 0, other: 0 };
  const byStatus: Record<string, number> = {};
  let unknownEvents = 0;
  for (const o of all) {
    const origin = originOf(o.eventId);
    byOrigin[origin]++;
    byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    if (origin === "event" && !eventAt.has(o.eventId)) unknownEvents++;
  }
  // The first time the exchange saw each cloid.
  const received = new Map<string, number>();
  for (const a of actions) for (const o of a.orders) if (o.cloid !== null && !received.has(o.cloid)) received.set(o.cloid, a.receivedAt);
  const live = followers.filter((f) => f.mode === "live").flatMap((f) => f.orders);
  const exchangeReceived: number[] = [];
  for (const o of live) {
    const at = eventAt.get(o.eventId);
    const seen = received.get(o.cloid.toLowerCase());
    if (at !== undefined && seen !== undefined) exchangeReceived.push(seen - at);
  }
  return {
    byOrigin,
    byStatus,
    all: delays(all, eventAt),
    live: delays(live, eventAt),
    paper: delays(followers.filter((f) => f.mode === "paper").flatMap((f) => f.orders), eventAt),
    exchangeReceived: summarize(exchangeReceived),
    unknownEvents,
  };
};

/**
 * The cloid of (follower, event, coin, leg) as the issue defines it: 16 bytes of SHA-256 over what
 * caused the order. Written out here (not imported from the engine) to tell each stored order's leg.
 */
export const expectedCloid = (followerId: string, eventId: string, coin: string, leg: 0 | 1): string =>
  `0x${createHash("sha256").update(JSON.stringify([followerId, eventId, coin, leg])).digest().subarray(0, 16).toString("hex")}`;

export interface Doubles {
  /** Stored orders sharing (follower, event, coin, leg) with an earlier one. */
  storedTwice: number;
  /** Stored orders whose cloid is neither leg's of their (follower, event, coin). */
  foreignCloids: number;
  /** Cloids the exchange filled more than once (each extra fill counts). */
  filledTwice: number;
  /** Orders the exchange refused because their cloid had been used (a doubling prevented). */
  duplicatesRefused: number;
  /** Cloids the exchange filled that no stored order has. */
  unrecorded: number;
}

export const doubles = (followers: readonly FollowerOrders[], actions: readonly TappedAction[]): Doubles => {
  let storedTwice = 0;
  let foreignCloids = 0;
  const stored = new Set<string>();
  for (const f of followers) {
    const keys = new Set<string>();
    for (const o of f.orders) {
      stored.add(o.cloid.toLowerCase());
      const leg = ([0, 1] as const).find((l) => expectedCloid(f.followerId, o.eventId, o.coin, l) === o.cloid.toLowerCase());
      if (leg === undefined) {
        foreignCloids++;
        continue;
      }
      const key = JSON.stringify([o.eventId, o.coin, leg]);
      if (keys.has(key)) storedTwice++;
      keys.add(key);
    }
  }
  const fills = new Map<string, number>();
  let duplicatesRefused = 0;
  for (const a of actions) {
    for (const o of a.orders) {
      if (o.cloid === null) continue;
      if (o.status === "filled") fills.set(o.cloid, (fills.get(o.cloid) ?? 0) + 1);
      else if (o.status === "error" && /cloid/i.test(o.error ?? "")) duplicatesRefused++;
    }
  }
  let filledTwice = 0;
  let unrecorded = 0;
  for (const [cloid, n] of fills) {
    if (n > 1) filledTwice += n - 1;
    if (!stored.has(cloid)) unrecorded++;
  }
  return { storedTwice, foreignCloids, filledTwice, duplicatesRefused, unrecorded };
};

/** The exchange's weight spent per leader event: /info from the simulator's own count, /exchange from the tap. */
export const weightPerEvent = (infoWeight: number, actions: readonly TappedAction[], events: number) => {
  const exchange = actions.reduce((s, a) => s + a.weight, 0);
  const total = infoWeight + exchange;
  const perEvent = events === 0 ? Number.NaN : total / events;
  return {
    info: infoWeight,
    exchange,
    perEvent: Math.round(perEvent * 10) / 10,
    /** Leader events a minute that the exchange's 1,200 weight a minute per IP would carry at this cost. */
    eventsPerMinuteAt1200: Math.floor(1_200 / perEvent),
  };
};
