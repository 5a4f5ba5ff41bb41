import type { Address } from "./address.js";
import type { PositionEvent } from "./events.js";
import type { Fill } from "./exchange.js";
import type { PositionMap } from "./positions.js";

/**
 * Storage as the domain sees it. DynamoDB adapters live in `functions/store/dynamo`; the domain
 * never imports the AWS SDK.
 */

export type DiscoverySource = "recent_trades" | "trades_stream" | "manual";

export interface NewTrader {
  address: Address;
  source: DiscoverySource;
  /** The coin whose trades revealed the trader (discovery only). */
  coin?: string;
  at: number;
}

export interface TraderRecord {
  address: Address;
  first_seen_at: string;
  discovery_source: DiscoverySource;
  discovery_coin: string | null;
  is_active: boolean;
}

/** What the tracker needs to diff one trader: the last stored positions and their version. */
export interface TrackingState {
  address: Address;
  isActive: boolean;
  /** Undefined until the first poll stored a baseline. */
  version: number | undefined;
  positions: PositionMap;
  /** Fills up to and including this time (ms) have been fetched. */
  fillsCursor: number | undefined;
  /**
   * Exchange time up to which every fill is behind a stored event: the snapshot the stored
   * positions come from, or for a state stored from the trades stream, its newest fill (the
   * snapshot may show later trades that net to nothing, not delivered yet). Undefined for states
   * stored before it was kept (their fills cursor says the same).
   */
  asOf: number | undefined;
  /**
   * For a state stored from the trades stream: the tids of its fills at exactly `asOf`. Other
   * fills of that same millisecond (one block's trades, delivered apart) are not behind it.
   * Undefined for a state stored from a snapshot, which shows every fill up to `asOf`.
   */
  asOfTids: readonly number[] | undefined;
  /**
   * The builder-deployed (HIP-3) dexes he was seen active on (his fills, his positions, the
   * stream's trades), each with when (ms): tracking polls their clearinghouses besides the main
   * one's (#domain/dex-polling.js). Empty for a trader only ever seen on the main dex.
   */
  dexes: Readonly<Record<string, number>>;
  /**
   * Builder dexes his fills showed the history sync (with his last fill there), not yet polled:
   * the next poll asks them (a baseline for each) and notes them in `dexes` or forgets them.
   */
  dexHints: Readonly<Record<string, number>>;
  /**
   * Tracked again after being stopped: the stored state is from before, and what changed in
   * between is history, not news. The next poll takes a new baseline (no events) instead of a diff.
   */
  needsBaseline: boolean;
  /**
   * The exchange time of the newest fill the trades stream showed him in a poll that failed: those
   * fills may not be behind any stored state. While it is newer than `asOf`, any poll of him
   * fetches his fills, even where the snapshot shows no change (a round trip nets to nothing).
   */
  tradedAt: number | undefined;
}

/** An active trader whose trades a failed poll may have left behind no stored state. */
export interface HintedTrader {
  address: Address;
  /** TrackingState.tradedAt. */
  tradedAt: number;
  /** When a poll of him last failed, if one ever did (a hint from a refused hand-off has none). */
  lastFailedAt: number | undefined;
}

/** Where a page of hinted traders ended: the store's own key, opaque to the domain. */
export type HintedCursor = Readonly<Record<string, unknown>>;

export interface Transition {
  address: Address;
  /** The version the new state replaces; the write fails if someone else moved it first. */
  expectedVersion: number;
  newVersion: number;
  positions: PositionMap;
  events: PositionEvent[];
  fillsCursor: number;
  /** Exchange time up to which every fill is behind an event (TrackingState.asOf). */
  asOf: number;
  /** TrackingState.asOfTids: absent when every fill at `asOf` is behind the state. */
  asOfTids?: readonly number[];
  at: number;
}

export interface TraderStore {
  /** Creates the trader unless it exists (never overwrites first_seen_at). Reactivates an inactive one. */
  addTrader(trader: NewTrader): Promise<{ created: boolean; reactivated: boolean }>;
  /** The addresses among `addresses` that are not stored yet. */
  unknown(addresses: readonly Address[]): Promise<Address[]>;
  /** Pages through active traders in address order. */
  pageActive(limit: number, cursor?: string): Promise<{ addresses: Address[]; cursor?: string }>;
  /** Pages through the active traders that have a hint kept (TrackingState.tradedAt), in no order. */
  pageHinted(limit: number, cursor?: HintedCursor): Promise<{ traders: HintedTrader[]; cursor?: HintedCursor }>;
  /** `consistent`: a strongly consistent read (what was committed just before, at twice the read cost). */
  trackingStates(addresses: readonly Address[], opts?: { consistent?: boolean }): Promise<Map<Address, TrackingState>>;
  /** Stores the first poll without events; false if a baseline already exists. */
  saveBaseline(address: Address, positions: PositionMap, fillsCursor: number, at: number): Promise<boolean>;
  /**
   * A trader tracked again (`needsBaseline`): stores the poll as a new baseline, no events, the
   * state moved to `expectedVersion + 1` (event ids stay unique) and its fills cursor to now, so
   * the fills of the untracked time are never taken for news (the history sync fetches them).
   * False if the version moved or the baseline was already taken.
   */
  rebaseline(address: Address, expectedVersion: number, positions: PositionMap, fillsCursor: number, at: number): Promise<boolean>;
  /** Atomically moves the state to `newVersion` and stores its events; "conflict" if the version moved. */
  commitTransition(transition: Transition): Promise<"committed" | "conflict">;
  /**
   * Failures are rare, so recording them is the one per-trader write an unchanged poll may cause.
   * `tradedAt`: the newest fill the failed poll was asked about; kept as `TrackingState.tradedAt`
   * unless a newer one is kept already.
   */
  recordFailure(address: Address, at: number, message: string, tradedAt?: number): Promise<void>;
  /**
   * Keeps `tradedAt` as `TrackingState.tradedAt` unless a newer one is kept already: his trades up
   * to then may be behind no stored state (a listener could not hand him to the queue).
   */
  noteTraded(address: Address, tradedAt: number): Promise<void>;
  /** Forgets `TrackingState.tradedAt` once a poll fetched his fills up to it, unless it moved on since. */
  clearTradedAt(address: Address, tradedAt: number): Promise<void>;
  /**
   * Records (or refreshes) builder dexes the trader was seen active on, each with when; others kept.
   * `hint`: seen in his history's fills, to be polled (TrackingState.dexHints).
   */
  noteDexes(address: Address, seen: Readonly<Record<string, number>>, kind?: "seen" | "hint"): Promise<void>;
  /** Forgets builder dexes (no longer polled): he has left them, or (`hint`) their first poll is done. */
  dropDexes(address: Address, dexes: readonly string[], kind?: "seen" | "hint"): Promise<void>;
}

export interface FillStore {
  /** Idempotent: a fill is keyed by time + tid, so storing it twice changes nothing. */
  putFills(address: Address, fills: readonly Fill[]): Promise<number>;
}

export interface TrackingCycle {
  cycleId: string;
  dispatchedAt: number;
  messages: number;
  traders: number;
  /** A reconciliation slice: the traders from `first` to `last` in address order (wrapping past the end when last < first); absent: everyone. */
  slice?: { first: string; last: string };
}

/** Where the reconciliation sweep stands in its walk over the tracked traders (address order). */
export interface ReconcileRotation {
  /** The last address polled; null: start from the beginning. */
  cursor: string | null;
  /** Traders in the current walk so far. */
  walked: number;
  /** Traders in the last complete walk: how many there are to reconcile; null before the first. */
  lastWalk: number | null;
}

export interface RunStateStore {
  /** The dispatcher records each cycle; workers mark their message done (one write per message). */
  recordCycle(cycle: TrackingCycle): Promise<void>;
  /** `traders`: the message's traders actually polled (not those handed back). */
  recordBatchDone(cycleId: string, traders: number, at: number): Promise<void>;
  latestCycle(): Promise<
    (TrackingCycle & { completedMessages: number; completedTraders: number; lastCompletedAt: number | null }) | null
  >;
  getRotation(): Promise<ReconcileRotation>;
  setRotation(rotation: ReconcileRotation): Promise<void>;
  /** Discovery's rotation position among the coins. */
  getDiscoveryCursor(): Promise<number>;
  setDiscoveryCursor(index: number): Promise<void>;
}

export interface QueuePort {
  /** Sends every body; resolves once all are accepted, retrying the entries SQS refused. */
  sendAll(bodies: readonly string[]): Promise<void>;
}
