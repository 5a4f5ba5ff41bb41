import type { FollowerEquityPoint } from "./copy-api.js";
import { toNumber } from "./format.js";

/**
 * The follower's equity curve against its leaders', both as returns from the first point shown
 * (the page asks for the curve from copy_gap's `since`, the engine's baseline): the same measure
 * as copy_gap, follower return = equity ÷ baseline − 1, leaders' = the mean of each leader's. The
 * ratios are for drawing only (floats here, as every number the page displays); the exact copy gap
 * comes from the API.
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

export const returnCurves = (points: readonly FollowerEquityPoint[]): ReturnCurves => {
  const follower: Point[] = [];
  const leaders: Point[] = [];
  let followerBase: number | undefined;
  // A leader's baseline is his first value in the curve (he may appear after the first point).
  const leaderBase = new Map<string, number>();
  for (const p of points) {
    const t = Date.parse(p.time);
    if (!Number.isFinite(t)) continue;
    const equity = toNumber(p.equity_usd);
    if (followerBase === undefined && equity !== null && equity > 0) followerBase = equity;
    const r = ratio(p.equity_usd, followerBase);
    if (r !== null) follower.push({ t, v: r });

    const returns: number[] = [];
    for (const [address, value] of Object.entries(p.leaders_equity_usd)) {
      const v = toNumber(value);
      if (!leaderBase.has(address) && v !== null && v > 0) leaderBase.set(address, v);
      const lr = ratio(value, leaderBase.get(address));
      if (lr !== null) returns.push(lr);
    }
    if (returns.length > 0) leaders.push({ t, v: returns.reduce((a, b) => a + b, 0) / returns.length });
  }
  return { follower, leaders };
};
