import { describe, expect, it } from "vitest";
import {
  filtersKey,
  LEADERBOARD_SORT_FIELDS,
  leaderboardView,
  type LeaderboardFilters,
  type LeaderboardRow,
} from "#domain/leaderboard.js";
import { leaderboardRow } from "./leaderboard-rows.js";

/** How the API turns one window's snapshot into a ranking: filters, order, nulls and ties. */
const NONE: LeaderboardFilters = { excludeBots: false };
const addresses = (rows: readonly LeaderboardRow[]) => rows.map((r) => r.trader_address);

describe("leaderboardView", () => {
  it("puts traders without the metric last in both orders, and breaks ties by address ascending", () => {
    const rows = [
      leaderboardRow("0xd", { win_rate: 0.5 }),
      leaderboardRow("0xn2", { win_rate: null }),
      leaderboardRow("0xa", { win_rate: 0.9 }),
      leaderboardRow("0xn1", { win_rate: null }),
      leaderboardRow("0xc", { win_rate: 0.5 }),
      leaderboardRow("0xb", { win_rate: 0.1 }),
    ];
    expect(addresses(leaderboardView(rows, { sortBy: "win_rate", order: "desc" }, NONE))).toEqual(["0xa", "0xc", "0xd", "0xb", "0xn1", "0xn2"]);
    expect(addresses(leaderboardView(rows, { sortBy: "win_rate", order: "asc" }, NONE))).toEqual(["0xb", "0xc", "0xd", "0xa", "0xn1", "0xn2"]);
  });

  it("orders decimal strings by value, not as text", () => {
    const rows = [
      leaderboardRow("0x1", { realized_pnl_usd: "9.5" }),
      leaderboardRow("0x2", { realized_pnl_usd: "100.25" }),
      leaderboardRow("0x3", { realized_pnl_usd: "-20" }),
      leaderboardRow("0x4", { realized_pnl_usd: "10" }),
      leaderboardRow("0x5", { realized_pnl_usd: "0.000000000000000001" }),
    ];
    expect(addresses(leaderboardView(rows, { sortBy: "realized_pnl_usd", order: "asc" }, NONE))).toEqual(["0x3", "0x5", "0x1", "0x4", "0x2"]);
    const loss = [leaderboardRow("0x1", { max_loss_usd: null }), leaderboardRow("0x2", { max_loss_usd: "12.5" }), leaderboardRow("0x3", { max_loss_usd: "3" })];
    expect(addresses(leaderboardView(loss, { sortBy: "max_loss_usd", order: "desc" }, NONE))).toEqual(["0x2", "0x3", "0x1"]);
    expect(addresses(leaderboardView(loss, { sortBy: "max_loss_usd", order: "asc" }, NONE))).toEqual(["0x3", "0x2", "0x1"]);
  });

  it.each(LEADERBOARD_SORT_FIELDS)("sorts by %s: values in order, then the rows without it", (field) => {
    const rows = Array.from({ length: 60 }, (_, i) => {
      const value = i % 7 === 0 ? null : ((i * 37) % 23) - 5;
      const typed = typeof leaderboardRow("0x")[field] === "string" ? (value === null ? null : `${value}.25`) : value;
      return leaderboardRow(`0x${String(i).padStart(2, "0")}`, { [field]: typed } as Partial<LeaderboardRow>);
    });
    for (const order of ["asc", "desc"] as const) {
      const view = leaderboardView(rows, { sortBy: field, order }, NONE);
      expect(view).toHaveLength(rows.length);
      const values = view.map((r) => r[field]);
      const firstNull = values.findIndex((v) => v === null);
      const present = values.slice(0, firstNull).map(Number);
      expect(values.slice(firstNull).every((v) => v === null)).toBe(true);
      expect(present).toEqual([...present].sort((a, b) => (order === "asc" ? a - b : b - a)));
      // Within equal values, addresses ascend.
      for (let i = 1; i < view.length; i++) {
        if (values[i] === values[i - 1]) expect(view[i]!.trader_address > view[i - 1]!.trader_address).toBe(true);
      }
    }
  });

  it("min_trades and min_account_age_days keep rows at or above the minimum", () => {
    const rows = [
      leaderboardRow("0x1", { trades_count: 9, account_age_days: 400 }),
      leaderboardRow("0x2", { trades_count: 10, account_age_days: 29 }),
      leaderboardRow("0x3", { trades_count: 11, account_age_days: 30 }),
    ];
    const by = (f: Partial<LeaderboardFilters>) => addresses(leaderboardView(rows, { sortBy: "score", order: "desc" }, { ...NONE, ...f })).sort();
    expect(by({ minTrades: 10 })).toEqual(["0x2", "0x3"]);
    expect(by({ minAccountAgeDays: 30 })).toEqual(["0x1", "0x3"]);
    expect(by({ minTrades: 10, minAccountAgeDays: 30 })).toEqual(["0x3"]);
    expect(by({ minTrades: 0 })).toEqual(["0x1", "0x2", "0x3"]);
  });

  it("min_volume_usd compares exact decimals, where a float would call them equal", () => {
    const rows = [
      leaderboardRow("0x1", { total_volume_usd: "999.999999999999999999" }),
      leaderboardRow("0x2", { total_volume_usd: "1000" }),
      leaderboardRow("0x3", { total_volume_usd: "1000.000000000000000001" }),
      leaderboardRow("0x4", { total_volume_usd: "25" }),
    ];
    const kept = leaderboardView(rows, { sortBy: "total_volume_usd", order: "asc" }, { ...NONE, minVolumeUsd: "1000" });
    expect(addresses(kept).sort()).toEqual(["0x2", "0x3"]);
  });

  it("exclude_bots leaves out the flagged traders and only them", () => {
    const rows = [leaderboardRow("0x1", { is_bot: true }), leaderboardRow("0x2"), leaderboardRow("0x3", { is_bot: true }), leaderboardRow("0x4")];
    expect(addresses(leaderboardView(rows, { sortBy: "score", order: "desc" }, { excludeBots: true }))).toEqual(["0x2", "0x4"]);
    expect(leaderboardView(rows, { sortBy: "score", order: "desc" }, NONE)).toHaveLength(4);
  });

  it("leaves the snapshot's rows as they were", () => {
    const rows = [leaderboardRow("0x2", { score: 0.1 }), leaderboardRow("0x1", { score: 0.9 })];
    const copy = structuredClone(rows);
    leaderboardView(rows, { sortBy: "score", order: "desc" }, { excludeBots: true, minTrades: 1 });
    expect(rows).toEqual(copy);
  });
});

describe("filtersKey", () => {
  it("is equal for equal filters and differs when any filter differs", () => {
    const base: LeaderboardFilters = { minTrades: 5, minVolumeUsd: "100", minAccountAgeDays: 7, excludeBots: true };
    expect(filtersKey({ ...base })).toBe(filtersKey(base));
    const variants: LeaderboardFilters[] = [
      { ...base, minTrades: undefined },
      { ...base, minTrades: 6 },
      { ...base, minVolumeUsd: "100.5" },
      { ...base, minAccountAgeDays: undefined },
      { ...base, excludeBots: false },
      // The same digits in another field is another filter.
      { minTrades: 7, minVolumeUsd: "100", minAccountAgeDays: 5, excludeBots: true },
    ];
    const keys = new Set([base, ...variants].map(filtersKey));
    expect(keys.size).toBe(variants.length + 1);
  });
});
