import { describe, expect, it } from "vitest";
import type { Fill } from "#domain/exchange.js";
import type { FundingPayment, PortfolioHistory } from "#domain/metrics/types.js";
import { replay } from "#domain/metrics/trader-replay.js";
import { listRoundTrips, planTraderPages, type PagesMarker, type TraderPagesPlan } from "#domain/trader-story/index.js";
import { fill, roundTrip } from "../metrics/fills.js";

/**
 * What the leaderboard job writes of a trader's page per run: everything on the first build, then
 * only the round trips closed since and the series that changed; a rebuild when the history
 * changed behind what was built.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOW = Date.UTC(2026, 0, 10, 12);
const portfolio: PortfolioHistory = {
  fetchedAt: NOW - HOUR,
  periods: { allTime: { accountValueHistory: [[NOW - 2 * HOUR, "100.5"]], pnlHistory: [[NOW - 2 * HOUR, "0.5"]] } },
};

const FILLS: Fill[] = [
  ...roundTrip({ coin: "BTC", side: "long", sz: "0.1", px: "60000", time: NOW - 10 * HOUR, holdMs: HOUR, closedPnl: "12.5" }),
  ...roundTrip({ coin: "xyz:TSLA", side: "short", sz: "2", px: "430", time: NOW - 8 * HOUR, holdMs: 2 * HOUR, closedPnl: "-3.25" }),
  ...roundTrip({ coin: "ETH", side: "long", sz: "1", px: "3000", time: NOW - 5 * HOUR, holdMs: HOUR, closedPnl: "40" }),
];
const FUNDING: FundingPayment[] = [{ time: NOW - 9.5 * HOUR, coin: "BTC", usdc: "-0.5" }];
const history = (fills: Fill[], funding: FundingPayment[] = FUNDING) => ({ fills, funding, portfolio });

/** A plan from the whole history, without a checkpoint (test/integration/leaderboard-checkpoint.test.ts has those). */
const plan = (h: ReturnType<typeof history>, now: number, stored: PagesMarker | null): TraderPagesPlan =>
  planTraderPages({ ...h, base: null, replay: replay(null, h.fills, h.funding, now), next: null, basePrefix: null }, now, stored)!;

describe("planTraderPages", () => {
  const first = plan(history(FILLS), NOW, null);

  it("writes every counted round trip and every window's series on the first build", () => {
    expect(first.replaceAll).toBe(false);
    expect(first.trips).toEqual(listRoundTrips(FILLS, "all", NOW, FUNDING));
    expect(first.trips.map((rt) => rt.coin)).toEqual(["ETH", "xyz:TSLA", "BTC"]);
    expect(first.series.map((s) => s.window)).toEqual(["1d", "7d", "30d", "all"]);
    expect(first.series.find((s) => s.window === "all")?.equity).toMatchObject({ portfolioFetchedAt: NOW - HOUR, account_value: [{ t: NOW - 2 * HOUR, v: "100.5" }] });
    expect(first.marker).toMatchObject({ newestTrip: { closedAt: NOW - 4 * HOUR }, basis: { fills: 6, funding: 1 } });
  });

  it("writes nothing when nothing changed", () => {
    expect(first.writeMarker).toBe(true);
    const again = plan(history(FILLS), NOW, first.marker);
    expect(again).toMatchObject({ replaceAll: false, trips: [], series: [], writeMarker: false });
  });

  it("writes only the round trip closed since, and the series it changed", () => {
    const more = roundTrip({ coin: "BTC", side: "short", sz: "0.2", px: "61000", time: NOW - HOUR, holdMs: 30 * MINUTE, closedPnl: "7" });
    const next = plan(history([...FILLS, ...more]), NOW, first.marker);
    expect(next.replaceAll).toBe(false);
    expect(next.trips.map((rt) => [rt.coin, rt.closed_at])).toEqual([["BTC", NOW - 30 * MINUTE]]);
    // Every window holds the new realized PnL.
    expect(next.series.map((s) => s.window)).toEqual(["1d", "7d", "30d", "all"]);
    // A later run at a later time moves the windows that have a start, not `all`.
    const later = plan(history([...FILLS, ...more]), NOW + HOUR, next.marker);
    expect(later.trips).toEqual([]);
    expect(later.series.map((s) => s.window)).toEqual(["1d", "7d", "30d"]);
    expect(later.writeMarker).toBe(true);
  });

  it("rebuilds when an older fill arrives", () => {
    const older = fill({ coin: "ETH", side: "B", sz: "1", px: "2900", time: NOW - 20 * HOUR, startPosition: "0" });
    const rebuilt = plan(history([older, ...FILLS]), NOW, first.marker);
    expect(rebuilt.replaceAll).toBe(true);
    expect(rebuilt.trips).toEqual(listRoundTrips([older, ...FILLS], "all", NOW, FUNDING));
  });

  it("rewrites only the round trip a payment synced after it belongs to, and rebuilds when one lands behind the stored payments", () => {
    const late = plan(history(FILLS, [...FUNDING, { time: NOW - 7 * HOUR, coin: "xyz:TSLA", usdc: "1.25" }]), NOW, first.marker);
    expect(late.replaceAll).toBe(false);
    expect(late.trips.map((rt) => [rt.coin, rt.funding])).toEqual([["xyz:TSLA", "1.25"]]);
    // Before the last stored payment (BTC at −9.5 h): the stored list may be wrong anywhere after it.
    const behind = plan(history(FILLS, [{ time: NOW - 9.75 * HOUR, coin: "BTC", usdc: "0.5" }, ...FUNDING]), NOW, first.marker);
    expect(behind.replaceAll).toBe(true);
    expect(behind.trips).toEqual(listRoundTrips(FILLS, "all", NOW, [{ time: NOW - 9.75 * HOUR, coin: "BTC", usdc: "0.5" }, ...FUNDING]));
    const after = plan(history(FILLS, [...FUNDING, { time: NOW - 2 * HOUR, coin: "BTC", usdc: "0.1" }]), NOW, first.marker);
    // The new payment is read, so the marker moves on.
    expect(after).toMatchObject({ replaceAll: false, trips: [], writeMarker: true });
  });

  it("leaves a fill dated after the run out of what it was built from, and lists its round trip once it is due", () => {
    const ahead = roundTrip({ coin: "ETH", side: "short", sz: "1", px: "3100", time: NOW + MINUTE, holdMs: MINUTE, closedPnl: "1" });
    const now = plan(history([...FILLS, ...ahead]), NOW, first.marker);
    expect(now).toMatchObject({ replaceAll: false, trips: [], marker: { basis: { fills: 6 } } });
    const due = plan(history([...FILLS, ...ahead]), NOW + HOUR, now.marker);
    expect(due.trips.map((rt) => rt.closed_at)).toEqual([NOW + 2 * MINUTE]);
  });
});
