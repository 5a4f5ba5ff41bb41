import { describe, expect, it } from "vitest";
import { completeBefore, needsSync, planSync } from "#domain/history/plan.js";
import type { HistorySyncState } from "#domain/history/ports.js";
import { caughtUpAt, syncedState } from "./fakes.js";

const HOUR = 3_600_000;
const NOW = 1_750_000_000_000;

/** A trader synced completely one hour ago. */
const fresh = (): HistorySyncState => syncedState(NOW - HOUR);

describe("needsSync", () => {
  it("a trader never synced needs everything", () => {
    expect(planSync(null, null, NOW)).toEqual({ fills: true, ledger: true, portfolio: true, funding: true, role: true });
  });

  it("a fresh trader without new activity costs nothing", () => {
    expect(needsSync(fresh(), NOW - 2 * HOUR, NOW)).toBe(false);
    expect(needsSync(fresh(), null, NOW)).toBe(false);
  });

  it("activity after the last fills sync makes the fills due, and only them", () => {
    expect(planSync(fresh(), NOW - 10 * 60_000, NOW)).toEqual({ fills: true, ledger: false, portfolio: false, funding: false, role: false });
  });

  it("unknown activity is checked", () => {
    expect(planSync(fresh(), undefined, NOW).fills).toBe(true);
  });

  it("an unfinished backfill is due whatever the activity", () => {
    const s = fresh();
    s.fills = { ...s.fills, caughtUp: false };
    expect(needsSync(s, null, NOW)).toBe(true);
    s.fills.caughtUp = true;
    s.ledger = { ...s.ledger, caughtUp: false };
    expect(planSync(s, null, NOW)).toEqual({ fills: false, ledger: true, portfolio: false, funding: false, role: false });
  });

  it("a stale portfolio brings the ledger with it, so flows cover the equity curve", () => {
    const s = { ...fresh(), portfolioFetchedAt: NOW - 5 * HOUR };
    expect(planSync(s, null, NOW)).toEqual({ fills: false, ledger: true, portfolio: true, funding: false, role: false });
    expect(needsSync(s, null, NOW, { portfolioMaxAgeMs: 6 * HOUR })).toBe(false);
  });

  it("funding is due until caught up and once stale, whatever the activity: open positions are paid without fills", () => {
    const s = fresh();
    s.funding = { ...s.funding, caughtUp: false };
    expect(planSync(s, null, NOW)).toEqual({ fills: false, ledger: false, portfolio: false, funding: true, role: false });
    const stale = { ...fresh(), funding: caughtUpAt(NOW - 5 * HOUR) };
    expect(planSync(stale, null, NOW).funding).toBe(true);
    expect(planSync(stale, null, NOW, { fundingMaxAgeMs: 6 * HOUR }).funding).toBe(false);
  });

  it("the role is asked once, then only weekly (60 weight a request)", () => {
    expect(planSync({ ...fresh(), role: null }, null, NOW)).toEqual({ fills: false, ledger: false, portfolio: false, funding: false, role: true });
    expect(planSync({ ...fresh(), role: { role: "vault", fetchedAt: NOW - 6 * 24 * HOUR } }, null, NOW).role).toBe(false);
    expect(planSync({ ...fresh(), role: { role: "vault", fetchedAt: NOW - 8 * 24 * HOUR } }, null, NOW).role).toBe(true);
  });

  it("a stale ledger alone is refreshed alone", () => {
    const s = { ...fresh(), ledger: caughtUpAt(NOW - 3 * HOUR) };
    expect(planSync(s, null, NOW, { ledgerMaxAgeMs: 2 * HOUR })).toEqual({ fills: false, ledger: true, portfolio: false, funding: false, role: false });
  });
});

describe("fills tracking already stored", () => {
  // Tracking began two days ago; the history caught up an hour ago, long after that.
  const tracked = (to: number) => ({ from: NOW - 48 * HOUR, to });
  const activity = NOW - 10 * 60_000;

  it("are not fetched again: the latest change's fills were stored by the tracker", () => {
    expect(planSync(fresh(), activity, NOW, { trackedFills: tracked(activity + 150) })).toEqual({ fills: false, ledger: false, portfolio: false, funding: false, role: false });
    expect(planSync(fresh(), activity, NOW, { trackedFills: tracked(activity) }).fills).toBe(false);
  });

  it("are fetched when the tracker's cursor is behind the latest change (its fetch hit the page cap, or clocks differ)", () => {
    expect(planSync(fresh(), activity, NOW, { trackedFills: tracked(activity - 1) }).fills).toBe(true);
  });

  it("are fetched when the history caught up before tracking began, or too close to it to be sure they join", () => {
    const s = fresh(); // caught up at NOW - HOUR
    expect(planSync(s, activity, NOW, { trackedFills: { from: NOW - HOUR + 1, to: activity } }).fills).toBe(true);
    expect(planSync(s, activity, NOW, { trackedFills: { from: NOW - HOUR - 60_000, to: activity } }).fills).toBe(true);
    expect(planSync(s, activity, NOW, { trackedFills: { from: NOW - HOUR - 5 * 60_000, to: activity } }).fills).toBe(false);
  });

  it("are fetched while the backfill is unfinished, when activity is unknown, or without tracking's figures", () => {
    const s = fresh();
    s.fills = { ...s.fills, caughtUp: false };
    expect(planSync(s, activity, NOW, { trackedFills: tracked(activity) }).fills).toBe(true);
    expect(planSync(fresh(), undefined, NOW, { trackedFills: tracked(activity) }).fills).toBe(true);
    expect(planSync(fresh(), activity, NOW, { trackedFills: null }).fills).toBe(true);
    expect(planSync(fresh(), activity, NOW).fills).toBe(true);
  });

  it("leave the portfolio and ledger to their own freshness", () => {
    const s = { ...fresh(), portfolioFetchedAt: NOW - 5 * HOUR };
    expect(planSync(s, activity, NOW, { trackedFills: tracked(activity) })).toEqual({ fills: false, ledger: true, portfolio: true, funding: false, role: false });
  });
});

describe("completeBefore: what a metrics checkpoint may fold", () => {
  const MINUTE = 60_000;
  const cursor = (at: number, caughtUp: boolean, syncedAt: number | null) => ({ cursor: at, seen: [], caughtUp, syncedAt });
  const state = (fills: ReturnType<typeof cursor>, funding: ReturnType<typeof cursor>): HistorySyncState => ({ ...fresh(), fills, funding });

  it("nothing before a first sync", () => {
    expect(completeBefore(null, null)).toBeNull();
  });

  it("a backfill in progress: only what its cursor passed", () => {
    expect(completeBefore(state(cursor(NOW - 90 * 24 * HOUR, false, null), cursor(NOW - HOUR, true, NOW - HOUR)), null)).toBe(NOW - 90 * 24 * HOUR);
  });

  it("caught up: up to when it caught up, less 5 minutes for the clocks, however old the last item (no funding for months)", () => {
    const quiet = state(cursor(NOW - 200 * 24 * HOUR, true, NOW - HOUR), cursor(0, true, NOW - 2 * HOUR));
    expect(completeBefore(quiet, null)).toBe(NOW - 2 * HOUR - 5 * MINUTE);
  });

  it("tracking's fills join on once the history caught up after its baseline", () => {
    const s = state(cursor(NOW - 30 * HOUR, true, NOW - 20 * HOUR), cursor(NOW - HOUR, true, NOW - HOUR));
    // Fills up to tracking's cursor; funding up to its cursor, later than its catch-up less the margin.
    expect(completeBefore(s, { from: NOW - 21 * HOUR, to: NOW - 10 * MINUTE })).toBe(NOW - HOUR);
    // A baseline after the history caught up leaves a gap nothing vouches for.
    expect(completeBefore(s, { from: NOW - 19 * HOUR, to: NOW - 10 * MINUTE })).toBe(NOW - 20 * HOUR - 5 * MINUTE);
  });
});
