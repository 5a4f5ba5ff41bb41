import { dec, sumDec, type Decimal } from "#commons/decimal.js";
import { isAddress, type Address } from "./address.js";
import type { FillSide, RecentTrade } from "./exchange.js";
import type { PositionMap } from "./positions.js";

/**
 * The exchange's public trades stream names both users of every trade, so each trade is a fill
 * of its buyer (side "B", +sz) and of its seller ("A", −sz). That is all the stream says of a
 * fill: no fee, no closed PnL, no order id. Those come later with the trader's own fills (the
 * history sync); an event built from stream fills says so (`fills_source: "stream"`).
 */
export interface StreamFill {
  coin: string;
  px: string;
  sz: string;
  side: FillSide;
  /** Exchange time of the trade, ms. */
  time: number;
  tid: number;
  hash: string;
}

/** The all-zero address some system trades carry is nobody's. */
const ZERO_ADDRESS = /^0x0{40}$/i;

/** The trade's users as addresses we could track (lowercase), buyer first; others null. */
export const tradeUsers = (t: RecentTrade): [Address | null, Address | null] => {
  const user = (u: string): Address | null => (isAddress(u) && !ZERO_ADDRESS.test(u) ? (u.toLowerCase() as Address) : null);
  return [user(t.users[0]), user(t.users[1])];
};

/** Each tracked user's fills in these trades, in the order given. A self-trade gives both sides. */
export const fillsFromTrades = (
  trades: readonly RecentTrade[],
  isTracked: (a: Address) => boolean,
): Map<Address, StreamFill[]> => {
  const out = new Map<Address, StreamFill[]>();
  const add = (a: Address | null, t: RecentTrade, side: FillSide): void => {
    if (a === null || !isTracked(a)) return;
    const fill: StreamFill = { coin: t.coin, px: t.px, sz: t.sz, side, time: t.time, tid: t.tid, hash: t.hash };
    const list = out.get(a);
    if (list === undefined) out.set(a, [fill]);
    else list.push(fill);
  };
  for (const t of trades) {
    const [buyer, seller] = tradeUsers(t);
    add(buyer, t, "B");
    add(seller, t, "A");
  }
  return out;
};

export const signedSize = (f: { side: FillSide; sz: string }): Decimal => (f.side === "B" ? dec(f.sz) : dec(f.sz).neg());

/**
 * Do `fills` account exactly for the move from `before` to `after`, coin by coin (Σ signed size
 * of a coin's fills = its change of szi, every coin either touches)? When they do, they are the
 * fills behind the change and no request needs to fetch them. When they do not, the snapshot
 * lags the stream or the stream missed something, and the caller asks again or fetches.
 */
export const fillsExplain = (before: PositionMap, after: PositionMap, fills: readonly StreamFill[]): boolean => {
  const coins = new Set([...Object.keys(before), ...Object.keys(after), ...fills.map((f) => f.coin)]);
  for (const coin of coins) {
    const delta = dec(after[coin]?.szi ?? "0").minus(before[coin]?.szi ?? "0");
    const filled = sumDec(fills.filter((f) => f.coin === coin).map(signedSize));
    if (!delta.eq(filled)) return false;
  }
  return true;
};
