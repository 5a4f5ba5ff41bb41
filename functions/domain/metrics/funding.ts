import { addUnits, DecimalColumn, subUnits, type Units } from "#commons/exact.js";
import type { FundingPayment } from "./types.js";

/**
 * Funding payments (`userFunding`), read once per trader so that both the window sums and each
 * round trip's share are exact sums at one scale. Funding is a trading result, as the exchange
 * counts it in its own PnL: a position held through the funding hours pays (or earns) it, so it
 * belongs to realized PnL and to the round trip of its coin.
 *
 * A round trip's funding is that of its coin with time in (opened_at, closed_at] — or after
 * opened_at while it is open. The exchange pays at the funding hour on the position held at that
 * moment: a payment stamped at the opening millisecond was earned by the position before it
 * (flat, or the previous round trip of a flip), one at the closing millisecond by the round trip
 * that closed.
 */
export interface FundingAmounts {
  /** Payments with time ≤ `now`, oldest first. */
  payments: FundingPayment[];
  /** Their amounts at `scale` (index as `payments`). */
  units: Units[];
  /** The most decimals among the amounts; 0 without any. */
  scale: number;
  /** Σ funding of `coin` with time in (after, upTo]; upTo null: to the last payment. At `scale`. */
  ofCoin(coin: string, after: number, upTo: number | null): Units;
}

interface CoinSeries {
  times: number[];
  /** prefix[i] = Σ of the first i payments of the coin. */
  prefix: Units[];
}

/** How many of the ascending `times` are ≤ t. */
const countUpTo = (times: readonly number[], t: number): number => {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/** `minScale`: the scale to take at the least (that of sums read earlier, e.g. a metrics checkpoint's). */
export const readFunding = (funding: readonly FundingPayment[] | undefined, now: number, minScale = 0): FundingAmounts => {
  const payments = (funding ?? []).filter((p) => p.time <= now).sort((a, b) => a.time - b.time);
  const column = new DecimalColumn(payments.length);
  for (let i = 0; i < payments.length; i++) column.set(i, payments[i]!.usdc);
  const scale = Math.max(column.places, minScale);
  const units = payments.map((_, i) => column.get(i, scale));
  const byCoin = new Map<string, CoinSeries>();
  for (let i = 0; i < payments.length; i++) {
    const { coin, time } = payments[i]!;
    let series = byCoin.get(coin);
    if (series === undefined) byCoin.set(coin, (series = { times: [], prefix: [0] }));
    series.times.push(time);
    series.prefix.push(addUnits(series.prefix.at(-1)!, units[i]!));
  }
  return {
    payments,
    units,
    scale,
    ofCoin(coin, after, upTo) {
      const series = byCoin.get(coin);
      if (series === undefined) return 0;
      const end = upTo === null ? series.times.length : countUpTo(series.times, upTo);
      const start = countUpTo(series.times, after);
      return end <= start ? 0 : subUnits(series.prefix[end]!, series.prefix[start]!);
    },
  };
};
