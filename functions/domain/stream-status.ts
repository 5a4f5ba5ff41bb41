/**
 * The trades-stream listener's lease and status: one item that says who listens, since when, and
 * how the stream is doing. A listener lives for one Lambda invocation (~15 min); a scheduled run
 * every minute starts a successor when the holder is near its end or has gone silent, so two
 * overlap for a few seconds at a hand-over and never more than one listens for long.
 */

export type ListenerState = "connecting" | "connected" | "reconnecting" | "stopped";

export interface StreamStatus {
  listenerId: string;
  state: ListenerState;
  startedAt: number;
  heartbeatAt: number;
  /** When the holder plans to stop (the end of its invocation). */
  leaseUntil: number;
  /** Exchange time of the newest trade received. */
  lastTradeAt: number | null;
  /** Wall time the last message of any kind arrived. */
  lastMessageAt: number | null;
  reconnects: number;
  gaps: number;
  coins: number;
  tracked: number;
  trades: number;
  /** Age of the oldest stream fill not yet turned into a stored state (ms); 0 when none waits. */
  backlogMs: number;
  polls: number;
  events: number;
  handedOff: number;
  discovered: number;
}

/** A listener's status as it starts: connecting, nothing counted yet. */
export const newStreamStatus = (listenerId: string, startedAt: number, leaseUntil: number): StreamStatus => ({
  listenerId,
  state: "connecting",
  startedAt,
  heartbeatAt: startedAt,
  leaseUntil,
  lastTradeAt: null,
  lastMessageAt: null,
  reconnects: 0,
  gaps: 0,
  coins: 0,
  tracked: 0,
  trades: 0,
  backlogMs: 0,
  polls: 0,
  events: 0,
  handedOff: 0,
  discovered: 0,
});

export interface StreamStatusStore {
  read(): Promise<StreamStatus | null>;
  /**
   * Takes the lease if `seen` is still what is stored (null: nothing stored): compare-and-swap,
   * so of two runs that decide to take over, one wins.
   */
  claim(next: StreamStatus, seen: StreamStatus | null): Promise<boolean>;
  /** Writes the holder's status; false (nothing written) when another listener holds the lease. */
  heartbeat(status: StreamStatus): Promise<boolean>;
  /**
   * Says a listener has finished: every trade it saw is stored or handed off. Its successor waits
   * for this before polling (#domain/live-tracker.js). Only the latest is kept.
   */
  markFinished(listenerId: string, at: number): Promise<void>;
  /** Has this listener said it finished? */
  finished(listenerId: string): Promise<boolean>;
}

export interface LeaseTiming {
  /** A holder silent this long is gone. */
  staleMs: number;
  /** A successor starts when the holder has less than this left. */
  handoverMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = { staleMs: 45_000, handoverMs: 90_000 };

/** Is a listener holding the lease: it has not stopped, and its heartbeat is recent? */
export const holderAlive = (
  s: StreamStatus | null,
  now: number,
  t: LeaseTiming = DEFAULT_LEASE_TIMING,
): s is StreamStatus & { state: Exclude<ListenerState, "stopped"> } =>
  s !== null && s.state !== "stopped" && now - s.heartbeatAt <= t.staleMs;

/** Should a run that finds `current` start listening? */
export const shouldTakeOver = (current: StreamStatus | null, now: number, t: LeaseTiming = DEFAULT_LEASE_TIMING): boolean =>
  !holderAlive(current, now, t) || current.leaseUntil - now < t.handoverMs;

/** A stream that delivered trades this recently is still delivering, even while it reconnects. */
export const DELIVERING_WITHIN_MS = 60_000;

/**
 * Is the stream delivering changes? What the dispatcher asks before it only reconciles. A
 * listener that is up but not connected (the WebSocket blocked while REST works) is not: polling
 * must then cover everyone. A reconnect of a few seconds does not count against it.
 */
export const streamDelivers = (s: StreamStatus | null, now: number, t: LeaseTiming = DEFAULT_LEASE_TIMING): boolean => {
  const state = publicStreamState(s, now, t);
  if (state === "connected" || state === "lagging") return true;
  return state !== "down" && s!.lastMessageAt !== null && now - s!.lastMessageAt < DELIVERING_WITHIN_MS;
};

/** What the API and dashboard show. */
export type PublicStreamState = "connected" | "connecting" | "reconnecting" | "lagging" | "down";

/** A backlog this old means events come later than the stream promises. */
export const LAGGING_BACKLOG_MS = 5_000;

export const publicStreamState = (s: StreamStatus | null, now: number, t: LeaseTiming = DEFAULT_LEASE_TIMING): PublicStreamState => {
  if (!holderAlive(s, now, t)) return "down";
  if (s.state !== "connected") return s.state;
  return s.backlogMs > LAGGING_BACKLOG_MS ? "lagging" : "connected";
};
