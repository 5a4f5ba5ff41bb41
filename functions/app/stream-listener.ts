import type { Context } from "aws-lambda";
import type { AppLogger } from "#commons/logger.js";
import { STREAM_METRICS, type StreamCounts } from "#commons/metrics.js";
import type { Address } from "#domain/address.js";
import { chunk } from "#domain/concurrency.js";
import type { ExchangePort, RecentTrade } from "#domain/exchange.js";
import { createLiveTracker, type LiveTracker } from "#domain/live-tracker.js";
import { encodeTrackBatch } from "#domain/messages.js";
import type { QueuePort, TraderStore } from "#domain/ports.js";
import { CandidatePool } from "#domain/stream-discovery.js";
import { listedPerpCoins } from "#domain/perp-universe.js";
import { fillsFromTrades } from "#domain/stream-fills.js";
import { DEFAULT_LEASE_TIMING, holderAlive, newStreamStatus, shouldTakeOver, type LeaseTiming, type ListenerState, type StreamStatus, type StreamStatusStore } from "#domain/stream-status.js";
import { listActiveAddresses } from "#domain/traders.js";
import type { LiveFills, TrackOutcome } from "#domain/tracking.js";
import { RecentIds } from "./recent-ids.js";

/**
 * The trades-stream listener: one invocation holds one WebSocket to the exchange for as long as
 * it lives (~15 min in Lambda), and turns every trade of a tracked trader into a targeted poll
 * within a second (#domain/live-tracker.js). A run every minute either finds a live holder and
 * returns at once, or takes the lease over (#domain/stream-status.js): the successor connects
 * while its predecessor still listens, and the predecessor leaves once the successor is
 * connected, so the stream is never unwatched at a hand-over. The trades both see in that overlap
 * are polled twice at most, and stored once (a poll diffs against the stored state). The leaving
 * listener stores what it still has pending (a last try, which fetches the fills its own do not
 * explain) before it says it has finished; the successor polls nobody until then (#domain/live-tracker.js): a poll of the
 * trades it saw, without those it did not, would explain a change as well when the missing ones
 * net to nothing, and they would be behind no event.
 *
 * After a gap (a reconnect, a restart), the trades the exchange sends on subscribing are
 * processed unless seen already (by tid), so a short gap costs nothing; what a longer one hid is
 * found by the reconciliation sweep, the scheduled polls of every tracked trader.
 */

/** What the listener needs of a trades stream (#hyperliquid/trades-stream.js). */
export interface TradesStreamHandle {
  setCoins(coins: readonly string[]): void;
  ready(): Promise<void>;
  close(): Promise<void>;
  stats(): { reconnects: number };
}

export interface TradesStreamHandlers {
  onTrades: (trades: RecentTrade[]) => void;
  onState: (state: Exclude<ListenerState, "stopped"> | "closed") => void;
  onGap: (gap: { from: number; to: number; reason: string }) => void;
}

export type OpenTradesStream = (coins: readonly string[], handlers: TradesStreamHandlers) => TradesStreamHandle;

export interface StreamListenerDeps {
  exchange: Pick<ExchangePort, "perpDexs" | "perpMeta">;
  /**
   * The most coins one connection may subscribe to (the exchange's cap per IP); beyond it, the
   * last-listed builder dexes' coins are left out (logged). Default: no cap.
   */
  maxCoins?: number;
  traders: Pick<TraderStore, "pageActive" | "unknown" | "addTrader" | "noteTraded">;
  status: StreamStatusStore;
  openStream: OpenTradesStream;
  /** Targeted polls (trackTraders with the stream's fills). */
  track: (addresses: Address[], live: LiveFills) => Promise<TrackOutcome[]>;
  /** The tracking queue: traders the listener could not finish go to the worker. */
  requeue: QueuePort;
  logger: AppLogger;
  now: () => number;
  /** Stream discovery tracks new traders while fewer than this many are tracked; 0 turns it off. */
  maxTrackedTraders: number;
  /** Leave this much of the invocation to hand over cleanly. Default 20 s. */
  wrapUpMs?: number;
  /**
   * How long a successor waits for a live predecessor to say it finished before it polls anyway
   * (the predecessor died with its trades). Default 30 s.
   */
  predecessorWaitMs?: number;
  lease?: LeaseTiming;
  intervals?: Partial<ListenerIntervals>;
  /** Coalescing and retry delays of the live tracker (defaults in #domain/live-tracker.js). */
  coalesceMs?: number;
  /** Told each heartbeat what happened since the last (CloudWatch in Lambda: the stream's alarms read it). */
  publish?: (counts: StreamCounts) => void;
}

export interface ListenerIntervals {
  heartbeatMs: number;
  trackedRefreshMs: number;
  coinsRefreshMs: number;
  discoveryMs: number;
}

const DEFAULT_INTERVALS: ListenerIntervals = {
  heartbeatMs: 10_000,
  trackedRefreshMs: 30_000,
  coinsRefreshMs: 5 * 60_000,
  discoveryMs: 60_000,
};

/** Traders added to tracking per discovery pick, at most. */
const DISCOVERY_BATCH = 200;
/** A predecessor whose last trade is older than this left no gap worth catching up from the snapshot. */
const CATCH_UP_LIMIT_MS = 10 * 60_000;
/**
 * Without a recent predecessor, the trades subscribing sends from this far back are still
 * processed: our clock and the exchange's may differ by a little, and an extra poll of a trader
 * whose trade is already stored costs 2 weight and stores nothing.
 */
const CLOCK_MARGIN_MS = 30_000;
/** How often a successor asks whether its predecessor has finished. */
const FINISHED_POLL_MS = 200;

export type ListenerResult =
  | { listened: false; holder: string }
  | { listened: false; error: string }
  | { listened: true; listenerId: string; ms: number; trades: number; polls: number; events: number; handedOff: number; discovered: number; reconnects: number };

export const createStreamListener = (deps: StreamListenerDeps) => async (_event: unknown, context: Context): Promise<ListenerResult> => {
  const now = deps.now;
  const intervals = { ...DEFAULT_INTERVALS, ...deps.intervals };
  const startedAt = now();
  const wrapUpMs = deps.wrapUpMs ?? 20_000;
  // The remaining time is read each time: locally a shutdown takes it away (#local/scheduler.js).
  const timeLeft = (): number => context.getRemainingTimeInMillis() - wrapUpMs;
  const leaseUntil = startedAt + Math.max(0, timeLeft());
  const listenerId = `${context.awsRequestId}`;

  const previous = await deps.status.read();
  if (!shouldTakeOver(previous, startedAt, deps.lease)) return { listened: false, holder: previous!.listenerId };

  const status: StreamStatus = { ...newStreamStatus(listenerId, startedAt, leaseUntil), lastTradeAt: previous?.lastTradeAt ?? null };
  if (!(await deps.status.claim(status, previous))) {
    deps.logger.info("Another listener took the stream over first", { listenerId });
    return { listened: false, holder: (await deps.status.read())?.listenerId ?? "unknown" };
  }

  // Trades newer than the predecessor's last one are caught up from what subscribing sends.
  const predecessorLastTrade = previous?.lastTradeAt ?? null;
  const lease = deps.lease ?? DEFAULT_LEASE_TIMING;
  // A predecessor still alive (not stopped, not silent) may be polling the trades it has seen.
  const predecessor = holderAlive(previous, startedAt, lease) ? previous.listenerId : null;
  const catchUpFrom =
    predecessorLastTrade !== null && startedAt - predecessorLastTrade < CATCH_UP_LIMIT_MS
      ? predecessorLastTrade
      : startedAt - CLOCK_MARGIN_MS;

  const tracked = new Set<Address>();
  const seen = new RecentIds(200_000);
  const candidates = new CandidatePool();
  const isTracked = (a: Address) => tracked.has(a);
  let superseded = false;

  const handOff = async (traded: ReadonlyMap<Address, number>): Promise<void> => {
    const bodies = chunk([...traded.keys()], 100).map((traders) =>
      encodeTrackBatch({ cycle_id: `live-${listenerId}`, dispatched_at: now(), traders, traded_at: traded }),
    );
    try {
      await deps.requeue.sendAll(bodies);
    } catch (error) {
      // The queue is out of reach: keep each one's newest trade on him instead, so that the
      // sweep's next poll of him fetches his fills (trades that net to nothing show in no
      // snapshot). Only if that fails too are they left to the sweep alone (the tracker says so).
      await Promise.all([...traded].map(([address, at]) => deps.traders.noteTraded(address, at))).catch(() => {
        throw error;
      });
      deps.logger.warn("Handing traders off to the tracking queue failed; their trades' times are kept on them for the sweep", {
        traders: traded.size,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };

  let finishing = false;
  /**
   * Resolves once the predecessor has finished, has died, or this listener has (then the tracker,
   * stopped while held, has handed everyone off without polling).
   */
  const predecessorFinished = async (id: string): Promise<void> => {
    const from = now();
    const until = from + (deps.predecessorWaitMs ?? 30_000);
    while (!finishing) {
      if (await deps.status.finished(id).catch(() => false)) {
        deps.logger.info("The previous listener finished; polling", { listenerId, predecessor: id, waitedMs: now() - from });
        return;
      }
      if (now() >= until) {
        deps.logger.warn("The previous listener did not say it finished; polling without it", { listenerId, predecessor: id });
        return;
      }
      await sleep(FINISHED_POLL_MS);
    }
  };

  const tracker: LiveTracker = createLiveTracker({
    track: deps.track,
    handOff,
    ...(predecessor !== null && { hold: predecessorFinished(predecessor) }),
    logger: deps.logger,
    now,
    ...(deps.coalesceMs !== undefined && { coalesceMs: deps.coalesceMs }),
    onOutcome: (o) => {
      status.events += o.events.length;
    },
  });

  const refreshTracked = async (): Promise<void> => {
    const all = await listActiveAddresses(deps.traders);
    tracked.clear();
    for (const a of all) tracked.add(a);
    status.tracked = tracked.size;
  };

  /** Every perp dex's coins, the main dex's first, within the subscription cap. */
  const listedCoins = async (): Promise<string[]> => {
    const all = await listedPerpCoins(deps.exchange, { lane: "discovery" });
    const max = deps.maxCoins ?? Infinity;
    if (all.length > max) deps.logger.warn("More perp coins than one connection may watch: the last builder dexes' are left out", { coins: all.length, max });
    return all.slice(0, max);
  };

  const onTrades = (trades: RecentTrade[]): void => {
    // A tid is unique only with its coin and time (the exchange derives it from the two orders).
    const fresh = trades.filter((t) => seen.add(`${t.coin}|${t.time}|${t.tid}`) && t.time >= catchUpFrom);
    if (fresh.length === 0) return;
    status.trades += fresh.length;
    for (const t of fresh) if (status.lastTradeAt === null || t.time > status.lastTradeAt) status.lastTradeAt = t.time;
    status.lastMessageAt = now();
    const fills = fillsFromTrades(fresh, isTracked);
    if (fills.size > 0) tracker.add(fills);
    if (deps.maxTrackedTraders > 0) candidates.observe(fresh, isTracked);
  };

  const discover = async (): Promise<void> => {
    const room = Math.min(DISCOVERY_BATCH, deps.maxTrackedTraders - tracked.size);
    const picked = candidates.take(room);
    if (picked.length === 0) return;
    // Only addresses never stored: one a user stopped tracking stays stopped.
    const unknown = new Set(await deps.traders.unknown(picked.map((c) => c.address)));
    for (const c of picked) {
      if (!unknown.has(c.address)) continue;
      const { created } = await deps.traders.addTrader({ address: c.address, source: "trades_stream", coin: c.coin, at: now() });
      if (created) {
        tracked.add(c.address);
        status.discovered += 1;
      }
    }
    status.tracked = tracked.size;
  };

  /** The status's counters under their metric names; each heartbeat publishes their increase. */
  const totals = (): StreamCounts => ({
    StreamTrades: status.trades,
    StreamReconnects: status.reconnects,
    StreamGaps: status.gaps,
    StreamEvents: status.events,
  });
  let published = totals();
  const heartbeat = async (): Promise<void> => {
    const t = now();
    const s = tracker.stats();
    status.heartbeatAt = t;
    status.polls = s.polls;
    status.handedOff = s.handedOff;
    status.backlogMs = s.oldestPendingAt === null ? 0 : t - s.oldestPendingAt;
    status.reconnects = stream.stats().reconnects;
    const current = totals();
    deps.publish?.(Object.fromEntries(STREAM_METRICS.map((m) => [m, current[m] - published[m]])) as StreamCounts);
    published = current;
    if (!(await deps.status.heartbeat(status))) superseded = true;
  };

  /**
   * Marks the lease stopped (written only while still the holder, so a successor's status stands)
   * and says this listener finished, for a successor waiting on it.
   */
  const release = async (): Promise<void> => {
    finishing = true;
    status.state = "stopped";
    status.heartbeatAt = now();
    await deps.status.heartbeat(status).catch(() => false);
    await deps.status.markFinished(listenerId, now()).catch((error) =>
      deps.logger.warn("Could not say the listener finished; its successor waits a while for it", {
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  };

  let coins: string[];
  try {
    await refreshTracked();
    coins = await listedCoins();
  } catch (error) {
    // The exchange or the table is down: give the lease back at once and let the next minute's
    // run try again. Not a failed invocation: the no-trades alarm, which knows when the exchange
    // is failing, is the one to say the stream is down.
    await release();
    const message = error instanceof Error ? error.message : String(error);
    deps.logger.warn("The listener could not start; the next run tries again", { listenerId, error: message });
    return { listened: false, error: message };
  }
  status.coins = coins.length;
  const stream = deps.openStream(coins, {
    onTrades,
    onState: (state) => {
      if (state !== "closed") status.state = state;
    },
    onGap: (gap) => {
      status.gaps += 1;
      deps.logger.warn("The trades stream had a gap; trades it hid are caught up from the resubscription or by reconciliation", {
        ...gap,
        ms: gap.to - gap.from,
      });
    },
  });

  // Periodic chores, each guarded so one failing (DynamoDB throttled, meta refused) stops nothing.
  const chore = (name: string, everyMs: number, work: () => Promise<void>): NodeJS.Timeout => {
    let busy = false;
    return setInterval(() => {
      if (busy) return;
      busy = true;
      work()
        .catch((error) => deps.logger.warn(`Listener chore failed: ${name}`, { error: error instanceof Error ? error.message : String(error) }))
        .finally(() => (busy = false));
    }, everyMs);
  };
  const timers = [
    chore("heartbeat", intervals.heartbeatMs, heartbeat),
    chore("tracked traders", intervals.trackedRefreshMs, refreshTracked),
    chore("coins", intervals.coinsRefreshMs, async () => {
      const next = await listedCoins();
      stream.setCoins(next);
      status.coins = next.length;
    }),
    ...(deps.maxTrackedTraders > 0 ? [chore("discovery", intervals.discoveryMs, discover)] : []),
  ];

  try {
    let ready = false;
    void stream.ready().then(
      () => (ready = true),
      () => undefined,
    );
    while (!ready && timeLeft() > 0) await sleep(50);
    await heartbeat().catch(() => undefined);
    deps.logger.info("Listening to the trades stream", { listenerId, coins: coins.length, tracked: tracked.size, ready });
    // Listen until the invocation must wrap up, or until a successor is connected: one comes only
    // near the lease's end (or after a silence), and is looked for every second then, since it
    // polls nobody until this one has finished.
    while (timeLeft() > 0) {
      await sleep(Math.min(1_000, Math.max(0, timeLeft())));
      if (superseded || leaseUntil - now() < lease.handoverMs) {
        const current = await deps.status.read().catch(() => null);
        if (current !== null && current.listenerId !== listenerId && current.state === "connected") break;
      }
    }
  } finally {
    for (const t of timers) clearInterval(t);
    await stream.close();
    // The traders still pending get their last try while the invocation has time for it.
    const handedOff = await tracker.stop({ drainUntil: now() + Math.max(0, context.getRemainingTimeInMillis() - wrapUpMs / 2) });
    await release();
    if (handedOff > 0) deps.logger.info("Listener handed its pending traders to the tracking queue", { handedOff });
  }
  const s = tracker.stats();
  const result = {
    listened: true as const,
    listenerId,
    ms: now() - startedAt,
    trades: status.trades,
    polls: s.polls,
    events: status.events,
    handedOff: s.handedOff,
    discovered: status.discovered,
    reconnects: stream.stats().reconnects,
  };
  deps.logger.info("Listener finished", result);
  return result;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
