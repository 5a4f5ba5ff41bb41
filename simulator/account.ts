import { ZERO, type Decimal } from "#commons/decimal.js";
import type { FillOutcome, PositionCore } from "./positions.js";
import type { WireFill, WireFunding, WireLedgerUpdate } from "./wire.js";

/**
 * What the simulator remembers per address. Everything a per-user request needs hangs off the
 * account, so answering `clearinghouseState` or `userFills` never scans other users' data.
 */

export interface Leverage {
  type: "cross" | "isolated";
  value: number;
}

export interface Position extends PositionCore {
  coin: string;
  leverage: Leverage;
  /** Funding paid (positive) or received (negative), as clearinghouseState's `cumFunding`. */
  fundingSinceOpen: Decimal;
  fundingSinceChange: Decimal;
}

export interface HistoryPoint {
  time: number;
  accountValue: Decimal;
  netDeposits: Decimal;
  cumVlm: Decimal;
}

/** The API only serves a user's 10,000 most recent fills; keeping more would only cost memory. */
export const MAX_KEPT_FILLS = 10_000;
const MAX_HISTORY = 4_000;

export class Account {
  /** Cash: deposits plus realised PnL, minus fees, plus funding. Unrealised PnL is not in it. */
  balance: Decimal = ZERO;
  netDeposits: Decimal = ZERO;
  cumVlm: Decimal = ZERO;
  readonly positions = new Map<string, Position>();
  /** Leverage chosen per coin; like the exchange, it outlives the position it was set for. */
  readonly leverageByCoin = new Map<string, Leverage>();
  readonly fundingAllTime = new Map<string, Decimal>();
  /** Sorted by (time, tid): oldest first. */
  readonly fills: WireFill[] = [];
  readonly ledger: WireLedgerUpdate[] = [];
  readonly funding: WireFunding[] = [];
  history: HistoryPoint[] = [];
  /** A vault: other users' deposits raise its value (and its net deposits), not its PnL. */
  isVault = false;
  /** Bumped on every change to this account, so views computed from it can be cached. */
  version = 0;

  constructor(readonly address: string) {}

  /**
   * Books a fill's outcome: cash (realised PnL minus fee), volume and the position. A position
   * opened from flat or by a flip starts fresh (leverage as chosen for the coin, funding reset).
   * Returns whether the account still holds the coin.
   */
  settleFill(coin: string, notional: Decimal, outcome: FillOutcome, fallbackLeverage: Leverage): boolean {
    this.version++;
    this.balance = this.balance.plus(outcome.closedPnl).minus(outcome.fee);
    this.cumVlm = this.cumVlm.plus(notional);
    const current = this.positions.get(coin);
    if (outcome.next === null) {
      this.positions.delete(coin);
      return false;
    }
    if (!current || outcome.dir === "Long > Short" || outcome.dir === "Short > Long") {
      this.positions.set(coin, {
        coin,
        ...outcome.next,
        leverage: { ...(this.leverageByCoin.get(coin) ?? fallbackLeverage) },
        fundingSinceOpen: ZERO,
        fundingSinceChange: ZERO,
      });
    } else {
      current.szi = outcome.next.szi;
      current.entryPx = outcome.next.entryPx;
      current.fundingSinceChange = ZERO;
    }
    return true;
  }

  /** Books one funding payment on an open position (`usdc` > 0: received). */
  settleFunding(coin: string, usdc: Decimal): void {
    const p = this.positions.get(coin);
    if (!p) return;
    this.version++;
    this.balance = this.balance.plus(usdc);
    // cumFunding counts what was paid, so a receipt lowers it.
    p.fundingSinceOpen = p.fundingSinceOpen.minus(usdc);
    p.fundingSinceChange = p.fundingSinceChange.minus(usdc);
    this.fundingAllTime.set(coin, (this.fundingAllTime.get(coin) ?? ZERO).minus(usdc));
  }

  addFill(fill: WireFill): void {
    insertByTime(this.fills, fill);
    if (this.fills.length > MAX_KEPT_FILLS + MAX_KEPT_FILLS / 10) {
      this.fills.splice(0, this.fills.length - MAX_KEPT_FILLS);
    }
  }

  addHistory(point: HistoryPoint): void {
    this.history.push(point);
    if (this.history.length > MAX_HISTORY) {
      // Thin the older half: the portfolio charts need the span more than the density.
      const cut = this.history.length - MAX_HISTORY / 2;
      this.history = [...this.history.slice(0, cut).filter((_, i) => i % 2 === 0), ...this.history.slice(cut)];
    }
  }
}

/**
 * Appends keeping the array sorted by time (then tid). Fills almost always arrive in order, so
 * this is O(1) in practice; a backdated `execute({ time })` walks back to its place.
 */
export const insertByTime = <T extends { time: number; tid?: number }>(items: T[], item: T): void => {
  let i = items.length;
  while (i > 0) {
    const prev = items[i - 1] as T;
    if (prev.time < item.time || (prev.time === item.time && (prev.tid ?? 0) <= (item.tid ?? 0))) break;
    i--;
  }
  if (i === items.length) items.push(item);
  else items.splice(i, 0, item);
};

/** Index of the first element with time >= `time` (items sorted by time). */
export const lowerBound = (items: readonly { time: number }[], time: number): number => {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((items[mid] as { time: number }).time < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
