import { dec, type Decimal } from "#commons/decimal.js";
import { DEFAULT_LEASE_TIMING } from "#domain/stream-status.js";
import { STREAM_LISTENER_FUNCTION } from "../functions/catalog.js";
import type { CostInput } from "./inputs.js";
import { gbSeconds, KB, SECONDS_PER_MONTH } from "./units.js";

/**
 * The trades-stream listener's month (TRADES_STREAM=on; all zero when off). One invocation
 * listens at a time, up to its 15-minute timeout, and the successor the minute schedule starts
 * overlaps it at each hand-over; every other start reads the lease, finds the live holder and
 * returns. While it listens it writes its status every heartbeat and re-reads the tracked traders;
 * at the end of its lease it reads the lease every second, looking for its successor, which asks
 * every 200 ms whether it has finished (#app/stream-listener.js).
 * Its targeted polls run inside its own billed time; what they store is the tracking lines' writes.
 */
export interface ListenerWorkload {
  lambda: {
    /** The listening invocations: all month, plus the overlap at each hand-over. */
    listener: { invocations: Decimal; gbSeconds: Decimal };
    /** The starts that find a live holder and return at once. */
    listenerChecks: { invocations: Decimal; gbSeconds: Decimal };
  };
  /** Scheduler invocations: one a minute. */
  starts: Decimal;
  writeUnits: Decimal;
  readUnits: Decimal;
  logKb: Decimal;
  /** What its socket receives: every trade of every perp (priced only through the NAT gateway). */
  natKb: Decimal;
}

const startEverySeconds = (): number => {
  const t = STREAM_LISTENER_FUNCTION.trigger;
  if (t.kind !== "long-lived") throw new Error(`${STREAM_LISTENER_FUNCTION.name} is no longer long-lived: cost/listener.ts prices it as such`);
  return t.checkEverySeconds;
};

/** `activeIndexReads`: read units of one pass over the active index (as the dispatcher pages it). */
export const listenerWorkload = (i: CostInput, memoryMb: number, activeIndexReads: Decimal): ListenerWorkload => {
  const on = i.tradesStream;
  const listeners = on ? Math.floor(SECONDS_PER_MONTH / STREAM_LISTENER_FUNCTION.timeoutSeconds) : 0;
  const listeningSeconds = on ? SECONDS_PER_MONTH + listeners * i.listenerOverlapSeconds : 0;
  const starts = on ? Math.floor(SECONDS_PER_MONTH / startEverySeconds()) : 0;
  const checks = Math.max(0, starts - listeners);
  const heartbeats = Math.floor(listeningSeconds / i.listenerHeartbeatSeconds);
  const refreshes = Math.floor(listeningSeconds / i.listenerRefreshSeconds);
  return {
    lambda: {
      listener: { invocations: dec(listeners), gbSeconds: dec(listeningSeconds).times(memoryMb).div(1_024) },
      listenerChecks: { invocations: dec(checks), gbSeconds: gbSeconds(dec(checks), dec(i.listenerCheckMs), memoryMb) },
    },
    starts: dec(starts),
    // A status write (< 1 KB) per heartbeat; per listener its claim of the lease, its last status
    // and that it finished.
    writeUnits: dec(heartbeats + 3 * listeners),
    // A consistent GetItem of the lease per start; the active index per refresh; per listener, the
    // lease every second of its hand-over window and its successor's checks that it finished.
    readUnits: dec(starts)
      .plus(activeIndexReads.times(refreshes))
      .plus(dec(listeners).times(DEFAULT_LEASE_TIMING.handoverMs / 1_000 + i.listenerFinishedChecks)),
    logKb: dec(heartbeats).times(i.listenerLogKbPerHeartbeat),
    natKb: dec(listeningSeconds).times(i.streamTradesPerSecond).times(i.streamTradeBytes).div(KB),
  };
};
