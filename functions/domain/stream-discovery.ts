import { dec, type Decimal } from "#commons/decimal.js";
import type { Address } from "./address.js";
import type { RecentTrade } from "./exchange.js";
import { tradeUsers } from "./stream-fills.js";

/**
 * Discovery for free: every user the trades stream shows is a candidate. Between two picks the
 * candidates are ranked by what the stream showed of them (notional traded, then trade count),
 * and the best are tracked while fewer than MAX_TRACKED_TRADERS are.
 */
export interface Candidate {
  address: Address;
  notional: Decimal;
  trades: number;
  /** The coin of the candidate's largest trade, for the trader's record. */
  coin: string;
  largest: Decimal;
}

export class CandidatePool {
  private readonly byAddress = new Map<Address, Candidate>();

  constructor(private readonly maxCandidates = 200_000) {}

  /** Counts the users of `trades` that `isTracked` says are not tracked. */
  observe(trades: readonly RecentTrade[], isTracked: (a: Address) => boolean): void {
    for (const t of trades) {
      const notional = dec(t.px).times(t.sz);
      for (const a of tradeUsers(t)) {
        if (a === null || isTracked(a)) continue;
        const c = this.byAddress.get(a);
        if (c !== undefined) {
          c.notional = c.notional.plus(notional);
          c.trades += 1;
          if (notional.gt(c.largest)) {
            c.largest = notional;
            c.coin = t.coin;
          }
        } else if (this.byAddress.size < this.maxCandidates) {
          // Bounded: a flood of one-off addresses cannot grow the listener's memory without end.
          this.byAddress.set(a, { address: a, notional, trades: 1, coin: t.coin, largest: notional });
        }
      }
    }
  }

  get size(): number {
    return this.byAddress.size;
  }

  /** The best `n` candidates, and a fresh start: each pick ranks what was seen since the last. */
  take(n: number): Candidate[] {
    const ranked = [...this.byAddress.values()].sort(
      (a, b) => b.notional.cmp(a.notional) || b.trades - a.trades || (a.address < b.address ? -1 : 1),
    );
    this.byAddress.clear();
    return n > 0 ? ranked.slice(0, n) : [];
  }
}

