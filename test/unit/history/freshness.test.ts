import { describe, expect, it } from "vitest";
import { loadConfig } from "#commons/config.js";
import { dataFreshness, DEFAULT_FRESHNESS_RULES, freshnessRules } from "#domain/history/freshness.js";
import type { HistorySyncState, StreamCursor } from "#domain/history/ports.js";
import { caughtUpAt, syncedState } from "./fakes.js";

const HOUR = 3_600_000;
const NOW = 1_750_000_000_000;
const RULES = { maxAgeMs: 24 * HOUR, failingForMs: 3 * HOUR };

const synced = (at: number, caughtUp = true): StreamCursor => (caughtUp ? caughtUpAt(at) : { cursor: at, seen: [], caughtUp, syncedAt: null });
const state = (over: Partial<HistorySyncState> = {}): HistorySyncState => syncedState(NOW - HOUR, over);
const firstSeen = NOW - 30 * 24 * HOUR;

describe("dataFreshness", () => {
  it("a trader whose sources all synced recently is fresh, with each source's time", () => {
    expect(dataFreshness(state(), firstSeen, NOW, RULES)).toEqual({
      status: "fresh",
      fillsSyncedAt: NOW - HOUR,
      ledgerSyncedAt: NOW - HOUR,
      fundingSyncedAt: NOW - HOUR,
      portfolioFetchedAt: NOW - HOUR,
      staleSources: [],
      failingSince: {},
    });
  });

  it("a source failing for three runs makes the trader stale; failing once does not", () => {
    const once = dataFreshness(state({ failingSince: { ledger: NOW - HOUR } }), firstSeen, NOW, RULES);
    expect(once).toMatchObject({ status: "fresh", staleSources: [], failingSince: { ledger: NOW - HOUR } });
    const long = dataFreshness(state({ failingSince: { ledger: NOW - 3 * HOUR } }), firstSeen, NOW, RULES);
    expect(long).toMatchObject({ status: "stale", staleSources: ["ledger"] });
  });

  it("a portfolio or ledger not refreshed in twice the max age is stale, even without a failure", () => {
    expect(dataFreshness(state({ portfolioFetchedAt: NOW - 47 * HOUR }), firstSeen, NOW, RULES).status).toBe("fresh");
    expect(dataFreshness(state({ portfolioFetchedAt: NOW - 48 * HOUR }), firstSeen, NOW, RULES).staleSources).toEqual(["portfolio"]);
    expect(dataFreshness(state({ ledger: synced(NOW - 50 * HOUR) }), firstSeen, NOW, RULES).staleSources).toEqual(["ledger"]);
  });

  it("a first sync still under way is pending, and stale once it has taken twice the max age", () => {
    const backfilling = state({ fills: synced(0, false), portfolioFetchedAt: null });
    expect(dataFreshness(backfilling, NOW - HOUR, NOW, RULES)).toMatchObject({ status: "pending", staleSources: [] });
    expect(dataFreshness(backfilling, firstSeen, NOW, RULES)).toMatchObject({ status: "stale", staleSources: ["fills", "portfolio"] });
    expect(dataFreshness(null, NOW - HOUR, NOW, RULES).status).toBe("pending");
    expect(dataFreshness(null, firstSeen, NOW, RULES)).toMatchObject({ status: "stale", staleSources: ["fills", "ledger", "funding", "portfolio"] });
  });

  it("the default rules are those of the settings' defaults", () => {
    expect(DEFAULT_FRESHNESS_RULES).toEqual(freshnessRules(loadConfig({})));
    expect(freshnessRules({ HISTORY_MAX_AGE_HOURS: 4, LEADERBOARD_INTERVAL_SECONDS: 900 })).toEqual({ maxAgeMs: 4 * HOUR, failingForMs: 45 * 60_000 });
  });
});
