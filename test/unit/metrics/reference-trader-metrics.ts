/**
 * PRE-OPTIMISATION REFERENCE — do not use outside tests.
 *
 * `computeTraderRows` as it was before it moved onto #commons/exact.js (its own BigInt sums and
 * regex parser, a second reading of every fill after round trips had read them). Kept only so that
 * ./trader-metrics-differential.test.ts can check that the fast version returns the very same
 * rows. Do not "fix" or optimise it: its value is in being the old behaviour, unchanged. Round
 * trips come from the big.js reference too, so nothing here shares code with what it checks.
 */
import { dec } from "#commons/decimal.js";
import type { Fill } from "#domain/exchange.js";
import { dedupeFills, isPerpFill } from "#domain/fills.js";
import type { LeaderboardRow } from "#domain/leaderboard.js";
import { botFlag } from "#domain/metrics/bots.js";
import type { RoundTrip } from "#domain/metrics/round-trips.js";
import { METRIC_WINDOWS, WINDOW_MS, type EquityMetrics, type MetricWindow, type TraderHistory } from "#domain/metrics/types.js";
import { referenceBuildRoundTrips as buildRoundTrips } from "./reference-round-trips.js";

/**
 * One trader's leaderboard rows, one per window, from their fills (and equity figures computed
 * elsewhere). The figures are those of ./fill-metrics.ts (same definitions, same two populations:
 * fill figures sum the perp fills in the window, round-trip figures use the counted round trips
 * closed in it), computed differently because this runs for every tracked trader:
 *
 * - fills are deduplicated and sorted, and round trips built, once per trader;
 * - every window ends at `now`, so they are nested: one pass from the newest fill (and one from
 *   the newest round trip) backwards takes a snapshot of the running sums at each window's start;
 * - sums are exact scaled integers (BigInt), not big.js: the same exact arithmetic ~4× faster.
 *
 * Window w covers the half-open interval (now − WINDOW_MS[w], now]: a fill at `now` counts, one at
 * exactly now − 24 h belongs to the previous day only. `all` is (−∞, now]. Fills after `now` are
 * left out of everything (round trips are built from fills up to `now`) except account age.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;

// ---- exact sums --------------------------------------------------------------------------------

/** An exact decimal as units / 10^scale. */
interface Exact {
  units: bigint;
  scale: number;
}

const POW10 = Array.from({ length: 48 }, (_, i) => 10n ** BigInt(i));
const pow10 = (n: number): bigint => POW10[n] ?? 10n ** BigInt(n);
const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

const parseExact = (s: string): Exact => {
  // Exchange amounts are plain ("-0.25686"); anything else ("1e-7") is spelled out by big.js first.
  if (!PLAIN_DECIMAL.test(s)) return parseExact(dec(s).toFixed());
  const dot = s.indexOf(".");
  return dot < 0
    ? { units: BigInt(s), scale: 0 }
    : { units: BigInt(s.slice(0, dot) + s.slice(dot + 1)), scale: s.length - dot - 1 };
};

const zero = (): Exact => ({ units: 0n, scale: 0 });
const copy = (x: Exact): Exact => ({ units: x.units, scale: x.scale });

/** acc += units / 10^scale, widening acc's scale when needed. */
const addTo = (acc: Exact, units: bigint, scale: number): void => {
  if (scale > acc.scale) {
    acc.units *= pow10(scale - acc.scale);
    acc.scale = scale;
  }
  acc.units += scale === acc.scale ? units : units * pow10(acc.scale - scale);
};

const addString = (acc: Exact, s: string): void => {
  if (s === "0") return;
  const x = parseExact(s);
  addTo(acc, x.units, x.scale);
};

const minus = (a: Exact, b: Exact): Exact => {
  const r = copy(a);
  addTo(r, -b.units, b.scale);
  return r;
};

const times = (a: Exact, n: number): Exact => ({ units: a.units * BigInt(n), scale: a.scale });

const compare = (a: Exact, b: Exact): number => {
  const s = Math.max(a.scale, b.scale);
  const d = a.units * pow10(s - a.scale) - b.units * pow10(s - b.scale);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
};

/** Canonical string, as decStr prints it: no exponent, no trailing zeros, never "-0". */
const exactStr = ({ units, scale }: Exact): string => {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, "0");
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, "");
  return (neg ? "-" : "") + int + (frac === "" ? "" : `.${frac}`);
};

/** One division of exact values, as fill-metrics does it (big.js, 20 dp), then a number. */
const ratio = (a: Exact, b: Exact): number => dec(exactStr(a)).div(exactStr(b)).toNumber();

// ---- windows -----------------------------------------------------------------------------------

/** A window and its exclusive start; windows sorted shortest first, i.e. latest start first. */
interface WindowStart {
  window: MetricWindow;
  after: number;
}

const windowStarts = (now: number): WindowStart[] =>
  METRIC_WINDOWS.map((window) => {
    const ms = WINDOW_MS[window];
    return { window, after: ms === null ? -Infinity : now - ms };
  }).sort((a, b) => b.after - a.after);

/**
 * Walks `items` (oldest first) from the newest back, calling `add` on each, and snapshots the
 * running state when the walk leaves each window.
 */
const nestedSums = <T, S>(
  items: readonly T[],
  timeOf: (item: T) => number,
  starts: readonly WindowStart[],
  state: S,
  add: (state: S, item: T) => void,
  snapshot: (state: S) => S,
): Map<MetricWindow, S> => {
  const out = new Map<MetricWindow, S>();
  let w = 0;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    while (w < starts.length && timeOf(item) <= starts[w]!.after) out.set(starts[w++]!.window, snapshot(state));
    add(state, item);
  }
  while (w < starts.length) out.set(starts[w++]!.window, snapshot(state));
  return out;
};

interface FillSums {
  count: number;
  volume: Exact;
  fees: Exact;
  closedPnl: Exact;
}

const addFill = (s: FillSums, f: Fill): void => {
  const px = parseExact(f.px);
  const sz = parseExact(f.sz);
  addTo(s.volume, px.units * sz.units, px.scale + sz.scale);
  addString(s.fees, f.fee);
  addString(s.closedPnl, f.closedPnl); // "0" on every opening fill
  s.count += 1;
};

interface TripSums {
  trips: number;
  wins: number;
  losses: number;
  grossWins: Exact;
  /** Positive. */
  grossLosses: Exact;
  best: { value: Exact; text: string } | null;
  /** Largest |loss|, positive. */
  worst: { value: Exact; text: string } | null;
  holdMs: number;
}

/** Same rule as fill-metrics' countedRoundTrips: PnL and hold time fully known. */
const isCounted = (rt: RoundTrip): boolean => rt.closed_at !== null && !rt.partial_start && !rt.missing_fills;

const addTrip = (s: TripSums, rt: RoundTrip): void => {
  s.trips += 1;
  s.holdMs += rt.hold_ms ?? 0;
  const pnl = parseExact(rt.realized_pnl);
  if (pnl.units > 0n) {
    s.wins += 1;
    addTo(s.grossWins, pnl.units, pnl.scale);
    if (s.best === null || compare(pnl, s.best.value) > 0) s.best = { value: pnl, text: rt.realized_pnl };
  } else if (pnl.units < 0n) {
    const loss = { units: -pnl.units, scale: pnl.scale };
    s.losses += 1;
    addTo(s.grossLosses, loss.units, loss.scale);
    // realized_pnl is canonical (decStr), so dropping its "-" gives the canonical |loss|.
    if (s.worst === null || compare(loss, s.worst.value) > 0) s.worst = { value: loss, text: rt.realized_pnl.slice(1) };
  }
};

// ---- rows --------------------------------------------------------------------------------------

/** Whole days, rounded down (a trader first seen 36 h ago is 1 day old), never negative. */
const accountAgeDays = (firstTime: number, now: number): number => Math.max(0, Math.floor((now - firstTime) / DAY));

interface TraderRowsInput {
  history: Pick<TraderHistory, "address" | "fills" | "firstSeenAt">;
  /** Per window, from ./equity.ts; missing or null leaves max_drawdown, roi and sharpe null. */
  equity: Partial<Record<MetricWindow, EquityMetrics | null>>;
  now: number;
  updatedAt: string;
}

/** One row per window, in METRIC_WINDOWS order, unscored (`score: null`: see ./score.ts). */
export const referenceComputeTraderRows = ({ history, equity, now, updatedAt }: TraderRowsInput): LeaderboardRow[] => {
  const address = history.address.toLowerCase();
  const sorted = dedupeFills(history.fills);
  const perp = sorted.filter((f) => f.time <= now && isPerpFill(f));
  // Account age is about the account, not the window: its earliest fill of any kind we hold.
  const first = sorted[0]?.time ?? history.firstSeenAt;
  const accountAge = accountAgeDays(first, now);

  const { closed } = buildRoundTrips(perp);
  const isBot = botFlag(perp, closed);
  const counted = closed.filter(isCounted);

  const starts = windowStarts(now);
  const fillSums = nestedSums<Fill, FillSums>(
    perp,
    (f) => f.time,
    starts,
    { count: 0, volume: zero(), fees: zero(), closedPnl: zero() },
    addFill,
    (s) => ({ count: s.count, volume: copy(s.volume), fees: copy(s.fees), closedPnl: copy(s.closedPnl) }),
  );
  const tripSums = nestedSums<RoundTrip, TripSums>(
    counted,
    (rt) => rt.closed_at ?? 0,
    starts,
    { trips: 0, wins: 0, losses: 0, grossWins: zero(), grossLosses: zero(), best: null, worst: null, holdMs: 0 },
    addTrip,
    (s) => ({ ...s, grossWins: copy(s.grossWins), grossLosses: copy(s.grossLosses) }),
  );

  return METRIC_WINDOWS.map((window): LeaderboardRow => {
    const f = fillSums.get(window)!;
    const t = tripSums.get(window)!;
    const eq = equity[window] ?? null;
    return {
      trader_id: address,
      trader_address: address,
      window,
      win_rate: t.trips === 0 ? null : t.wins / t.trips,
      total_volume_usd: exactStr(f.volume),
      account_age_days: accountAge,
      // (Σwins / nWins) / (Σ|losses| / nLosses), as one division of exact products.
      avg_risk_ratio: t.wins === 0 || t.losses === 0 ? null : ratio(times(t.grossWins, t.losses), times(t.grossLosses, t.wins)),
      max_drawdown: eq?.max_drawdown ?? null,
      max_profit_usd: t.best?.text ?? null,
      max_loss_usd: t.worst?.text ?? null,
      // Without funding (the differential histories have none): realized is the trading PnL.
      realized_pnl_usd: exactStr(minus(f.closedPnl, f.fees)),
      trading_pnl_usd: exactStr(minus(f.closedPnl, f.fees)),
      funding_usd: "0",
      fees_usd: exactStr(f.fees),
      trades_count: f.count,
      round_trips: t.trips,
      avg_hold_hours: t.trips === 0 ? null : t.holdMs / t.trips / HOUR,
      roi: eq?.roi ?? null,
      sharpe: eq?.sharpe ?? null,
      profit_factor: t.losses === 0 ? null : ratio(t.grossWins, t.grossLosses),
      profit_factor_infinite: t.wins > 0 && t.losses === 0,
      score: null,
      is_bot: isBot,
      is_vault: false,
      updated_at: updatedAt,
    };
  });
};
