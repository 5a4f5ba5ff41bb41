import type { Address } from "#domain/address.js";
import type { FollowerConfig } from "./follower.js";
import type { EquityPoint } from "./kill-switch.js";
import type { PaperLedger } from "./paper.js";
import type { CopyMemory } from "./targets.js";

/**
 * Copy trading's storage as the domain sees it (the DynamoDB adapter is
 * #store/dynamo/followers.js, on the followers table). The API owns a follower's config and
 * state; the engine owns its account, orders and equity points. Amounts are exact decimal strings;
 * times are epoch milliseconds.
 */

export type FollowerState = "active" | "paused" | "stopped";

/** Why a follower is paused: the kill switch's reasons, an order the exchange refused for good, or the user. */
export type PauseReason = "daily_loss_limit" | "max_drawdown" | "order_errors" | "agent_key" | "user";

export interface FollowerRecord {
  id: string;
  config: FollowerConfig;
  state: FollowerState;
  /** Set while paused (and kept on a stop that followed a pause), null otherwise. */
  pause: { reason: PauseReason; message: string; at: number } | null;
  /**
   * `DELETE ?close=true` (or a kill switch configured to close): the engine's next run closes every
   * position (reduce-only), then clears this; a stopped follower with it set is still closing.
   */
  closeRequested: boolean;
  createdAt: number;
  updatedAt: number;
  /** +1 on every write of config or state; writers condition on it (lost updates are refused). */
  version: number;
}

/** The engine's state of one follower, written once per reconciliation under `version`. */
export interface CopyAccount {
  followerId: string;
  /** 0 before the engine first ran for the follower (no item stored yet). */
  version: number;
  memory: CopyMemory;
  /** Paper followers only: positions, balance, realized PnL and fees, like an exchange account. */
  ledger?: PaperLedger;
  /**
   * Still to trade per coin (signed), below a lot or the $10 minimum: carried, not lost, and
   * traded once it adds up (orders.ts `carried`).
   */
  carried: Readonly<Record<string, string>>;
  /** Where copy_gap is measured from: the follower's and each leader's equity when it started. */
  baseline: { at: number; followerEquityUsd: string; leaderEquityUsd: Readonly<Record<Address, string>> } | null;
  /** Equity at the start of the current UTC day (daily_loss_limit_usd) and its peak (max_drawdown). */
  dayStart: { day: number; equityUsd: string } | null;
  peakEquityUsd: string | null;
  /**
   * The account as the last run saw it (paper: the ledger at the marks; live: the exchange's
   * clearinghouseState and the follower's own fills): what GET /followers/{id} shows without
   * calling the exchange. Realized PnL and fees are running totals since the follower started.
   */
  actual: {
    at: number;
    positions: Readonly<Record<string, { szi: string; entryPx: string }>>;
    equityUsd: string;
    realizedPnlUsd: string;
    feesUsd: string;
    /** Each leader's account value at the same run (for copy_gap against `baseline`). */
    leaderEquityUsd: Readonly<Record<Address, string>>;
    /**
     * The leaders' growth since the baseline (1 = unchanged), chained run by run over the leaders
     * followed in each (engine-account.ts `leadersGrowth`): copy_gap's leaders' return, minus 1.
     * Null until a run had a leader valued at it and at the run before; absent on accounts
     * written before it was kept (copy_gap then compares with the baseline's leaders alone).
     */
    leadersGrowth?: string | null;
    /** The mid per coin the run valued the positions at: GET /followers/{id}'s unrealized_pnl_usd (null without one). */
    marks?: Readonly<Record<string, string>>;
  } | null;
  lastReconciledAt: number | null;
  /**
   * Live fills whose fee and closed PnL are not read yet (the venue's `fillDetails`, at most once
   * a FILL_DETAILS_INTERVAL_MS): the full records, rewritten with their fee once it is read. Absent
   * or empty when there are none (paper fees are known at once).
   */
  unsettled?: CopyOrder[];
  /** When `fillDetails` was last asked (ms); absent before the first time. */
  fillsReadAt?: number;
  /**
   * Orders the venue refused for good since the follower's last fill (absent: none): at
   * ORDER_ERRORS_TO_PAUSE (engine.ts) the follower pauses (`order_errors`) rather than send order
   * after order the exchange will refuse (an agent no longer approved, no margin, the address-based
   * limit used up), each costing weight, an address-based request and an alert.
   */
  orderErrorsInARow?: number;
}

export type OrderStatus =
  /** Written before it is sent: a crash between send and answer leaves this, and the next run asks the exchange by cloid. */
  | "pending"
  | "filled"
  /** An IOC that traded part of its size (the rest was cancelled by the exchange). */
  | "partially_filled"
  /** An IOC that found nothing within its limit: the exchange cancelled it whole. */
  | "cancelled"
  /** The exchange (or the paper ledger) refused it; `error` says why. */
  | "rejected";

export interface CopyOrder {
  followerId: string;
  cloid: string;
  /** The leader event behind it, or `reconcile:<ms>` for a periodic reconciliation, `close:<ms>` for a close-all. */
  eventId: string;
  leader: Address | null;
  coin: string;
  side: "buy" | "sell";
  size: string;
  limitPrice: string;
  reduceOnly: boolean;
  status: OrderStatus;
  fillPrice: string | null;
  filledSize: string | null;
  feeUsd: string | null;
  /** The exchange's order id once it answered. */
  oid: number | null;
  error: string | null;
  /** When the leader event was committed (its timestamp); the run's start for a reconciliation. */
  signalAt: number;
  sentAt: number | null;
  filledAt: number | null;
}

/** An order the engine sends: the planned IOC plus what makes it unique. */
export interface VenueOrder {
  cloid: string;
  coin: string;
  isBuy: boolean;
  size: string;
  limitPrice: string;
  reduceOnly: boolean;
}

export type VenueOrderResult =
  | { status: "filled" | "partially_filled"; oid: number | null; filledSize: string; avgPrice: string; feeUsd: string | null; closedPnlUsd: string | null }
  | { status: "cancelled"; oid: number | null }
  /** The exchange's (or the ledger's) words; `retryable` for throttling and transport failures, not for a refusal. */
  | { status: "rejected"; error: string; retryable: boolean };

/**
 * Where a follower's orders go: the paper ledger or the exchange through the agent wallet. The
 * engine asks it for the actual positions, sends IOC orders, and resolves a `pending` order it
 * may have sent before a crash by its cloid.
 */
export interface CopyVenue {
  account(): Promise<{ positions: Record<string, { szi: string; entryPx: string }>; equityUsd: string }>;
  place(orders: readonly VenueOrder[], mids: Readonly<Record<string, string>>): Promise<VenueOrderResult[]>;
  /** What became of an order sent earlier (by cloid); `unknown` when the venue never saw it. */
  resolve(order: VenueOrder): Promise<VenueOrderResult | { status: "unknown" }>;
  /**
   * Fee and closed PnL of orders `place` answered filled without them (the live venue: one read of
   * the account's fills for all of them), by oid; an oid with no fill found is absent. Throws when
   * the read fails. A venue whose fills carry their fee at once (paper) has none.
   */
  fillDetails?(orders: readonly { oid: number; sentAt: number }[]): Promise<Map<number, { feeUsd: string; closedPnlUsd: string }>>;
}

/** A point of the follower's equity curve, with each leader's account value at the same run (the dashboard draws both). */
export interface CopyEquityPoint extends EquityPoint {
  leaderEquityUsd?: Readonly<Record<Address, string>>;
}

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  cursor?: string;
}

export interface FollowerStore {
  // ---- config and state (the API) ----
  /** Stores a new follower and its leader links; fails if the id exists. */
  create(record: FollowerRecord): Promise<void>;
  get(id: string): Promise<FollowerRecord | undefined>;
  getMany(ids: readonly string[]): Promise<FollowerRecord[]>;
  list(options: { limit: number; cursor?: string }): Promise<Page<FollowerRecord>>;
  /**
   * Replaces config/state when the stored version is `expectedVersion` (then version + 1), and
   * the leader links to match the config's leaders (a stopped follower has none). Returns the
   * stored record, or `conflict` when someone else wrote first, `missing` when there is none.
   */
  update(
    id: string,
    expectedVersion: number,
    change: Partial<Pick<FollowerRecord, "config" | "state" | "pause" | "closeRequested">>,
    at: number,
  ): Promise<FollowerRecord | "conflict" | "missing">;
  /** Ids of the followers (active or paused) linked to this leader, via leader-index. */
  followersOf(leader: Address): Promise<string[]>;

  // ---- engine state ----
  /** The stored account, or a version-0 one (nothing stored yet). */
  getAccount(id: string): Promise<CopyAccount>;
  /** When each follower's last run committed (`lastReconciledAt`); a follower that never ran is absent. */
  lastRuns(ids: readonly string[]): Promise<Map<string, number>>;
  /**
   * One reconciliation's result, atomically: the account (if its stored version is still
   * `account.version`, then +1), the orders (put, or updated by cloid), an equity point.
   * `conflict` when another run moved the account first (nothing is written).
   */
  commit(input: { account: CopyAccount; orders: readonly CopyOrder[]; equity?: CopyEquityPoint }): Promise<"ok" | "conflict">;
  /** A follower's orders, newest signal first. */
  listOrders(id: string, options: { limit: number; cursor?: string }): Promise<Page<CopyOrder>>;
  /** Orders still `pending` (sent, answer unknown): the next run resolves them by cloid first. */
  pendingOrders(id: string): Promise<CopyOrder[]>;
  /** The orders of one signal time (a message's orders all carry its signal's): what a message already caused. */
  ordersAt(id: string, signalAt: number): Promise<CopyOrder[]>;
  /** Equity points from `since` (inclusive), oldest first. */
  listEquity(id: string, since: number): Promise<CopyEquityPoint[]>;
}
