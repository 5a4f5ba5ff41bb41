import { describe, expect, it } from "vitest";
import { dec } from "#commons/decimal.js";
import { measurePages } from "../../../cost/measure-pages.js";
import { DEFAULT_INPUT, estimateMonthlyCost, type CostEstimate, type CostLine } from "../../../cost/model.js";
import { EQUITY_WRITE_UNITS, MARKER_BYTES, PREFIX_WRITE_UNITS, TRIP_ITEM_BYTES } from "../../../cost/pages.js";
import { PRICES } from "../../../cost/prices.js";

const byWhat = (e: CostEstimate, what: RegExp): CostLine => {
  const found = e.lines.find((l) => what.test(l.what));
  if (found === undefined) throw new Error(`no line ${String(what)}`);
  return found;
};
const pagesWrites = (e: CostEstimate) => byWhat(e, /^writes: trader pages/).quantity;

describe("the trader pages in the cost model", () => {
  // The job's own planTraderPages on bench:leaderboard's histories, sized as DynamoDB bills items.
  const measured = measurePages(8);

  it("sizes the pages' items as the leaderboard job writes them for the benchmark's histories", () => {
    expect(EQUITY_WRITE_UNITS).toEqual(measured.equityWriteUnits);
    expect(PREFIX_WRITE_UNITS).toBe(measured.prefixWriteUnits);
    expect(measured.tripBytes.max).toBeLessThanOrEqual(TRIP_ITEM_BYTES);
    expect(TRIP_ITEM_BYTES).toBeLessThanOrEqual(1_024); // one write unit a round-trip item
    // The marker carries the metrics checkpoint: two write units.
    expect(measured.markerBytes).toBeLessThanOrEqual(MARKER_BYTES);
    expect(MARKER_BYTES).toBeGreaterThan(1_024);
    expect(MARKER_BYTES).toBeLessThanOrEqual(2_048);
    expect(DEFAULT_INPUT.roundTripsPerTraderPerDay).toBe(String(measured.tripsPerDay));
    expect(DEFAULT_INPUT.storedRoundTripsPerTrader).toBeGreaterThanOrEqual(measured.storedTrips.min);
    expect(DEFAULT_INPUT.storedRoundTripsPerTrader).toBeLessThanOrEqual(measured.storedTrips.max);
  });

  it("prices what the job rewrites with nothing new (the 1d, 7d and 30d series each run) and what a funding sync rewrites", () => {
    // A window's series starts at the window's start, which moves every run; `all` starts at the first fill.
    expect(measured.rewrittenWithNothingNew).toEqual({ "1d": 8, "7d": 8, "30d": 8, all: 0 });
    // A day of hourly funding stored after round trips it belongs to rewrites those round trips, not the list.
    expect(measured.rebuiltByFunding).toBe(0);
    expect(DEFAULT_INPUT.pagesRebuildsPerTraderPerDay).toBe("0");
    expect(DEFAULT_INPUT.fundingRepaidTripsPerTraderPerDay).toBe(String(measured.tripsRepaidByFunding));
  });

  it("hand check: the pages table's writes for 500 traders at the defaults", () => {
    // Each hourly run (730), per trader: the 1d, 7d and 30d items (2 + 5 + 16 units: every trader
    // traded within a day at a 5% change rate a minute); `all` (18) when he traded within the hour
    // (1 − 0.95^60 = 0.95393) or else at the daily portfolio refresh (1/24 of the rest); the marker (2).
    const stayed = dec("0.95").pow(60);
    const perRun = dec(23).plus(dec(1).minus(stayed).times(18)).plus(stayed.div(24).times(18)).plus(2);
    expect(Number(perRun.toFixed(3))).toBeCloseTo(42.205, 3);
    // Each day (730 h = 30.417 days): 7.5 new round trips and 1.8 re-funded ones, 2 items each; the
    // realized-PnL prefix of the moved horizon (20) and the old one's delete (1).
    const days = dec(730).div(24);
    const expected = perRun.times(500 * 730).plus(days.times(500 * 9.3 * 2)).plus(days.times(500 * 21));
    const e = estimateMonthlyCost({ traders: 500 });
    expect(Number(pagesWrites(e).toFixed(0))).toBeCloseTo(Number(expected.toFixed(0)), -2);
    expect(Number(byWhat(e, /^writes: trader pages/).monthlyUsd.toFixed(2))).toBeCloseTo(Number(expected.times(PRICES.dynamoWriteUnit.usd).div(PRICES.dynamoWriteUnit.per).toFixed(2)), 1);
  });

  it("follows the round trips a trader closes, and writes no series for traders who never trade", () => {
    const base = pagesWrites(estimateMonthlyCost({ traders: 500 }));
    const busier = pagesWrites(estimateMonthlyCost({ traders: 500, roundTripsPerTraderPerDay: "17.5" }));
    // 10 more a day, 2 items each, 500 traders, 30.417 days.
    expect(Number(busier.minus(base).toFixed(0))).toBe(304_167);
    // Traders who never trade: only `all`'s daily refresh (the portfolio's fetch time is in it) and its marker.
    const idle = estimateMonthlyCost({ traders: 500, changeRate: "0", roundTripsPerTraderPerDay: "0", fundingRepaidTripsPerTraderPerDay: "0" });
    expect(pagesWrites(idle).toFixed(0)).toBe(String(Math.round((500 * 730 * (18 + 2)) / 24)));
  });

  it("reads a marker per trader and run, a rewrite's month of round trips, and the API's pages", () => {
    const e = estimateMonthlyCost({ traders: 500 });
    // 500 × 730 marker GetItems of 1,101 bytes (half a unit); no rewrites at the defaults.
    expect(Number(byWhat(e, /^reads: trader-page markers/).quantity.toFixed(0))).toBe(500 * 730 * 0.5);
    // One rewrite a day: the month's 233 round trips (7.5 a day × 31) listed, 273 bytes each (16 units of 4 KB, halved).
    const rewriting = estimateMonthlyCost({ traders: 500, pagesRebuildsPerTraderPerDay: "1" });
    expect(Number(byWhat(rewriting, /^reads: trader-page markers/).quantity.toFixed(0))).toBe(500 * 730 * 0.5 + Math.round((500 * 730 * 8) / 24));
    // 100,000 requests, half from CloudFront's cache, a quarter of the rest pages: 12,500 reads of
    // 2.25 units (a round-trip page, 4 units of 4 KB halved, or an average equity item, 3 halved; and the trader's item).
    expect(byWhat(e, /^reads: http-api trader pages/).quantity.toString()).toBe("28125");
  });
});
