import { DEFAULT_BACKOFF } from "#hyperliquid/trades-stream.js";
import { createPrng } from "#simulator/prng.js";
import { exchangeFigures, settle, type ExchangeFigures } from "./stream-flow.js";
import { checkDeliveries, planOrder, shuffled, type DeliveryCheck, type PlacedOrder } from "./stream-figures.js";
import type { Reconnect } from "./stream-sim-process.js";
import { startStack, type Services, type Stack } from "./stream-stack.js";

/**
 * The `drop` scenario of bench/stream.ts: the simulator cuts the trades stream and refuses new
 * connections for a while (`pauseStream` + `dropStreamConnections`), and a tracked trader trades
 * in the gap. Either the trade is still among those the exchange sends on resubscribing (the
 * listener catches it up), or (the first gap) enough other trades in the coin push it out, and
 * only the reconciliation sweep can find the change. Drops are 30 s apart, so the client's
 * reconnect backoff starts over for each, as it would for drops minutes apart.
 */

export interface DropSpec {
  id: "drop";
  title: string;
  traders: number;
  simSeed: number;
  /** Gaps (the stream refused for this long) with the trade still in the resubscription snapshot. */
  snapshotPausesMs: number[];
  /** The gap after which the trade is pushed out of the snapshot. */
  pushedOutPauseMs: number;
  /** More trades than the simulator's snapshot holds (10). */
  pushOutTrades: number;
}

export interface Drop {
  pauseMs: number;
  pushedOut: boolean;
  /** Connections the simulator cut. */
  dropped: number;
  /** Connection attempts refused during the gap. */
  refusedWhilePaused: number;
  /** From the drop: the first new connection, and every coin subscribed again. */
  connectedAfterDropMs: number | null;
  resubscribedAfterDropMs: number | null;
  /** From the end of the gap to every coin subscribed again (the client's backoff). */
  resubscribedAfterGapMs: number | null;
  /** Trade time → the change's trade_event at the client; null when it never came. */
  recordedMs: number | null;
  /** `stream`: caught up from the resubscription; `exchange`: a poll fetched the fills (the sweep). */
  fillsSource: string | null;
  /** For a change the sweep found: the trade → the start of the tick whose slice polled him, and that start → the client. */
  tick: { waitedMs: number; tickToClientMs: number } | null;
}

export interface DropResult {
  spec: DropSpec;
  drops: Drop[];
  check: Omit<DeliveryCheck, "samples">;
  /** The listener's own account (state table): reconnects and gaps it counted. */
  listener: { reconnects: number; gaps: number; state: string } | null;
  exchange: ExchangeFigures;
  setupMs: Stack["setupMs"];
}

const STABLE_AFTER_MS = DEFAULT_BACKOFF.stableAfterMs;
const FIRST_SLICE_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const runDrop = async (spec: DropSpec, services: Services): Promise<DropResult> => {
  const stack = await startStack(spec, services);
  try {
    const prng = createPrng(spec.simSeed, 7);
    const takers = shuffled(prng, stack.tracked);
    // The pushed-out gap first: the sweep's next tick (up to 60 s away) finds that change while
    // the other gaps are measured.
    const plan = [{ pauseMs: spec.pushedOutPauseMs, pushedOut: true }, ...spec.snapshotPausesMs.map((pauseMs) => ({ pauseMs, pushedOut: false }))];
    const gaps: { pauseMs: number; pushedOut: boolean; order: PlacedOrder; reconnect: Reconnect | null }[] = [];
    // After the first tick's slice (all of them, polled within seconds): the pushed-out change then
    // waits for a tick, as a change at any moment would, not for the one already under way.
    await sleep(Math.max(0, stack.dispatcherStartedAt + FIRST_SLICE_MS - Date.now()));
    for (const [i, { pauseMs, pushedOut }] of plan.entries()) {
      await stack.sim.call("dropStream", pauseMs);
      // Well inside the gap: the listener's socket is gone and its reconnects are refused.
      await sleep(Math.min(300, pauseMs / 4));
      const order = await stack.sim.call("order", planOrder(prng, takers[i]!, stack.coins, stack.makers));
      if (pushedOut) await stack.sim.call("makersTrade", order.coin, stack.makers, spec.pushOutTrades);
      const deadline = Date.now() + pauseMs + 30_000;
      let r = await stack.sim.call("reconnect");
      while (r?.resubscribedAt === null && Date.now() < deadline) {
        await sleep(100);
        r = await stack.sim.call("reconnect");
      }
      if (!pushedOut) await settle(() => stack.feed.has(order.user, order.coin), Math.max(0, deadline - Date.now()), 0);
      gaps.push({ pauseMs, pushedOut, order, reconnect: r });
      // The client's backoff starts over only after a connection held 30 s (trades-stream.ts,
      // stableAfterMs): wait that long, so each gap begins as an isolated drop would.
      const stableAt = (r?.resubscribedAt ?? Date.now()) + STABLE_AFTER_MS + 1_000;
      if (i < plan.length - 1) await sleep(Math.max(1_000, stableAt - Date.now()));
    }
    const orders = gaps.map((g) => g.order);
    // A pushed-out change waits for a tick (every 60 s) and its slice to be polled.
    await settle(() => orders.every((o) => stack.feed.has(o.user, o.coin)), Math.max(0, orders[0]!.time + 150_000 - Date.now()), 1_000);
    // The listener writes its status every heartbeat (10 s): wait for one after the last reconnect.
    const lastBack = gaps.at(-1)?.reconnect?.resubscribedAt ?? Date.now();
    await sleep(Math.max(0, lastBack + 11_000 - Date.now()));

    const ticks = await stack.system.call("dispatches");
    const events = stack.feed.events();
    const since = (t: number | null | undefined, from: number) => (t === null || t === undefined ? null : t - from);
    const drops = gaps.map(({ pauseMs, pushedOut, order, reconnect: r }): Drop => {
      const event = events.find((e) => e.trader === order.user && e.coin === order.coin);
      // The tick whose slice polled him: the last to begin before the event arrived.
      const tick = event?.fillsSource === "exchange" ? ticks.filter((d) => d.startedAt <= event.receivedAt).at(-1) : undefined;
      return {
        pauseMs,
        pushedOut,
        dropped: r?.dropped ?? 0,
        refusedWhilePaused: r?.refusedWhilePaused ?? 0,
        connectedAfterDropMs: r ? since(r.connectedAt, r.droppedAt) : null,
        resubscribedAfterDropMs: r ? since(r.resubscribedAt, r.droppedAt) : null,
        resubscribedAfterGapMs: r ? since(r.resubscribedAt, r.pauseEndsAt) : null,
        recordedMs: event ? event.receivedAt - order.time : null,
        fillsSource: event?.fillsSource ?? null,
        tick: tick && event ? { waitedMs: tick.startedAt - order.time, tickToClientMs: event.receivedAt - tick.startedAt } : null,
      };
    });
    const status = await stack.readStatus();
    const { samples: _, ...check } = checkDeliveries(orders, events);
    return {
      spec,
      drops,
      check,
      listener: status ? { reconnects: status.reconnects, gaps: status.gaps, state: status.state } : null,
      exchange: await exchangeFigures(stack, orders, spec.traders),
      setupMs: stack.setupMs,
    };
  } finally {
    await stack.stop();
  }
};
