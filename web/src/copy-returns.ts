import type { FollowerEquityPoint } from "./copy-api.js";
import { toNumber } from "./format.js";

/**
 * The follower's equity curve against its leaders', both as returns from the first point shown
 * (the page asks for the curve from copy_gap's `since`, the engine's baseline): the same measure
 * as copy_gap, follower return = equity ÷ baseline − 1, leaders' = their growth chained from point
 * to point, each step the mean ratio of the leaders valued at both points (so a leader added later
 * counts from when he was followed, a removed one until then). The ratios are for drawing only
 * (floats here, as every number the page displays); the exact copy gap comes from the API.
 */
/** As charts.ts draws it (not imported: that module is the chart library's chunk). */
export interface Point {
  /** Epoch milliseconds. */
  t: number;
  v: number;
}

export interface ReturnCurves {
  follower: Point[];
  leaders: Point[];
}

const ratio = (value: string | undefined, base: number | undefined): number | null => {
  const v = toNumber(value);
  return v === null || base === undefined || base <= 0 ? null : v / base - 1;
};

/** The mean over the leaders valued (above 0) at both points of now ÷ then; null when none is. */
const meanRatio = (now: Readonly<Record<string, string>>, then: Readonly<Record<string, string>>): number | null => {
  const ratios = Object.entries(then).flatMap(([address, before]) => {
    const r = ratio(now[address], toNumber(before) ?? undefined);
    return r === null ? [] : [r + 1];
  });
  return ratios.length === 0 ? null : ratios.reduce((a, b) => a + b, 0) / ratios.length;
};

export const returnCurves = (points: readonly FollowerEquityPoint[]): ReturnCurves => {
  const follower: Point[] = [];
  const leaders: Point[] = [];
  let followerBase: number | undefined;
  /** The leaders' growth since the first point with a leader valued; null before it. */
  let growth: number | null = null;
  let previous: Readonly<Record<string, string>> = {};
  for (const p of points) {
    const t = Date.parse(p.time);
    if (!Number.isFinite(t)) continue;
    const equity = toNumber(p.equity_usd);
    if (followerBase === undefined && equity !== null && equity > 0) followerBase = equity;
    const r = ratio(p.equity_usd, followerBase);
    if (r !== null) follower.push({ t, v: r });

    const step = meanRatio(p.leaders_equity_usd, previous);
    if (step !== null) growth = (growth ?? 1) * step;
    else if (growth === null && Object.values(p.leaders_equity_usd).some((v) => (toNumber(v) ?? 0) > 0)) growth = 1;
    if (growth !== null) leaders.push({ t, v: growth - 1 });
    previous = p.leaders_equity_usd;
  }
  return { follower, leaders };
};
