import { dec, ZERO, type Decimal } from "#commons/decimal.js";
import { lowerBound, MAX_KEPT_FILLS, type Account, type HistoryPoint } from "./account.js";
import { usd, wireDec, type Dir, type PortfolioWindow, type WireFill, type WirePortfolioEntry } from "./wire.js";

/**
 * The per-user history requests, with the API's documented ordering and caps:
 * - `userFills`: newest first, at most 2,000;
 * - `userFillsByTime`: oldest first from startTime, at most 2,000 per response, only among the
 *   10,000 most recent fills (callers page on with the last time they received);
 * - other time-range requests (`userFunding`, `userNonFundingLedgerUpdates`): oldest first, at
 *   most 500 elements per response.
 */

export const FILLS_PAGE = 2_000;
export const TIME_RANGE_PAGE = 500;

export const userFills = (account: Account | undefined, aggregate: boolean): WireFill[] => {
  if (!account) return [];
  const recent = account.fills.slice(-FILLS_PAGE * 2);
  const page = (aggregate ? aggregateByTime(recent) : recent).slice(-FILLS_PAGE);
  return page.reverse();
};

export const userFillsByTime = (
  account: Account | undefined,
  startTime: number,
  endTime: number | null,
  aggregate: boolean,
): WireFill[] => {
  if (!account) return [];
  const fills = account.fills;
  const oldestServed = Math.max(0, fills.length - MAX_KEPT_FILLS);
  const from = Math.max(oldestServed, lowerBound(fills, startTime));
  const to = endTime === null ? fills.length : lowerBound(fills, endTime + 1);
  if (from >= to) return [];
  // Over-read so that aggregation still leaves a full page.
  const window = fills.slice(from, Math.min(to, from + FILLS_PAGE * 2));
  return (aggregate ? aggregateByTime(window) : window).slice(0, FILLS_PAGE);
};

/** Time-range read of an oldest-first list (ledger, funding). */
export const byTimeRange = <T extends { time: number }>(
  items: readonly T[],
  startTime: number,
  endTime: number | null,
): T[] => {
  const from = lowerBound(items, startTime);
  const to = endTime === null ? items.length : lowerBound(items, endTime + 1);
  return items.slice(from, Math.max(from, Math.min(to, from + TIME_RANGE_PAGE)));
};

/**
 * `aggregateByTime`: the partial fills of one crossing order (same oid, same time) become one
 * fill: sizes, PnL and fees add up, the price is the size-weighted average, and the start
 * position is the first part's.
 */
export const aggregateByTime = (fills: readonly WireFill[]): WireFill[] => {
  const out: WireFill[] = [];
  let group: WireFill[] = [];
  const flush = (): void => {
    const first = group[0];
    if (!first) return;
    if (group.length === 1) {
      out.push(first);
    } else {
      let sz = ZERO;
      let notional = ZERO;
      let pnl = ZERO;
      let fee = ZERO;
      for (const f of group) {
        sz = sz.plus(f.sz);
        notional = notional.plus(dec(f.sz).times(f.px));
        pnl = pnl.plus(f.closedPnl);
        fee = fee.plus(f.fee);
      }
      const last = group[group.length - 1] as WireFill;
      out.push({
        ...first,
        px: wireDec(notional.div(sz).prec(6, 1)),
        sz: wireDec(sz),
        dir: mergeDir(first.dir, last.dir),
        closedPnl: usd(pnl),
        fee: usd(fee),
      });
    }
    group = [];
  };
  for (const f of fills) {
    const head = group[0];
    if (head && !(head.oid === f.oid && head.time === f.time && head.coin === f.coin)) flush();
    group.push(f);
  }
  flush();
  return out;
};

/** An order that closed one side and opened the other in parts is, as a whole, a flip. */
const mergeDir = (first: Dir, last: Dir): Dir => {
  if (first === last) return first;
  if (first.includes("Long") && !first.startsWith("Open") && last.endsWith("Short")) return "Long > Short";
  if (first.includes("Short") && !first.startsWith("Open") && last.endsWith("Long")) return "Short > Long";
  return last;
};

const WINDOWS: [PortfolioWindow, number][] = [
  ["day", 86_400_000],
  ["week", 7 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["allTime", Number.POSITIVE_INFINITY],
];
const MAX_POINTS = 100;

/**
 * `portfolio`: per window, account value samples and cumulative PnL (value minus net deposits,
 * relative to the window's first sample, so it starts at "0.0" as the API's does) and traded
 * volume. The simulator only has perps, so the `perp*` windows repeat the totals.
 */
export const portfolio = (
  account: Account | undefined,
  now: number,
  live: { accountValue: Decimal },
): [PortfolioWindow, WirePortfolioEntry][] => {
  const history = account?.history ?? [];
  const livePoint: HistoryPoint = {
    time: now,
    accountValue: live.accountValue,
    netDeposits: account?.netDeposits ?? ZERO,
    cumVlm: account?.cumVlm ?? ZERO,
  };
  const entries = WINDOWS.map(([name, span]): [PortfolioWindow, WirePortfolioEntry] => {
    const start = now - span;
    const from = span === Number.POSITIVE_INFINITY ? 0 : lowerBound(history, start);
    const before = from > 0 ? history[from - 1] : undefined;
    const points = thin([...history.slice(from), livePoint]);
    const base = points[0] as HistoryPoint;
    const basePnl = base.accountValue.minus(base.netDeposits);
    return [
      name,
      {
        accountValueHistory: points.map((p) => [p.time, usd(p.accountValue)]),
        pnlHistory: points.map((p) => [p.time, usd(p.accountValue.minus(p.netDeposits).minus(basePnl))]),
        vlm: usd(livePoint.cumVlm.minus(before?.cumVlm ?? ZERO)),
      },
    ];
  });
  const perp = entries.map(([name, entry]): [PortfolioWindow, WirePortfolioEntry] => [
    `perp${name[0]?.toUpperCase()}${name.slice(1)}` as PortfolioWindow,
    entry,
  ]);
  return [...entries, ...perp];
};

/** Evenly spaced samples, always keeping the first and the last. */
const thin = (points: HistoryPoint[]): HistoryPoint[] => {
  if (points.length <= MAX_POINTS) return points;
  const step = (points.length - 1) / (MAX_POINTS - 1);
  return Array.from({ length: MAX_POINTS }, (_, i) => points[Math.round(i * step)] as HistoryPoint);
};
