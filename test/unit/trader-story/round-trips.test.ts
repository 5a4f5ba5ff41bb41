import { describe, expect, it } from "vitest";
import type { Fill } from "#domain/exchange.js";
import { dedupeFills, isPerpFill } from "#domain/fills.js";
import { buildRoundTrips } from "#domain/metrics/round-trips.js";
import { computeTraderRows } from "#domain/metrics/trader-metrics.js";
import { METRIC_WINDOWS } from "#domain/metrics/types.js";
import { listRoundTrips } from "#domain/trader-story/index.js";
import { fillsSchema } from "#hyperliquid/schemas.js";
import { generateHistory } from "../../../bench/leaderboard-fixtures.js";
import { loadFixture } from "../../support/fixtures.js";
import { adversarialHistory } from "../metrics/adversarial-fills.js";
import { fill, randomHistory } from "../metrics/fills.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 0, 10, 12);

describe("listRoundTrips", () => {
  const t = (hoursAgo: number) => NOW - hoursAgo * HOUR;
  const fills: Fill[] = [
    // ETH long, 2 days ago: open 2, add 1 (size 3), close 1.5, close 1.5.
    fill({ coin: "ETH", side: "B", sz: "2", px: "100", time: t(50), startPosition: "0", fee: "0.1" }),
    fill({ coin: "ETH", side: "B", sz: "1", px: "103", time: t(49), startPosition: "2", fee: "0.05" }),
    fill({ coin: "ETH", side: "A", sz: "1.5", px: "105", time: t(48.5), startPosition: "3", closedPnl: "6", fee: "0.08" }),
    fill({ coin: "ETH", side: "A", sz: "1.5", px: "99", time: t(48), startPosition: "1.5", closedPnl: "-3", fee: "0.07" }),
    // BTC short 1, flipped to long 2, closed: two round trips.
    fill({ coin: "BTC", side: "A", sz: "1", px: "50", time: t(10), startPosition: "0", fee: "0.2" }),
    fill({ coin: "BTC", side: "B", sz: "3", px: "40", time: t(9), startPosition: "-1", closedPnl: "10", fee: "0.3" }),
    fill({ coin: "BTC", side: "A", sz: "2", px: "45", time: t(2), startPosition: "2", closedPnl: "10", fee: "0.2" }),
    // ETH long 1 with a self-trade of 5 inside (same ms and hash, both halves start at 1): the
    // position never leaves 1, so max_size is 1, not 6. Closed in the same ms as the BTC close.
    fill({ coin: "ETH", side: "B", sz: "1", px: "100", time: t(5), startPosition: "0", fee: "0.01" }),
    fill({ coin: "ETH", side: "B", sz: "5", px: "101", time: t(4), startPosition: "1", hash: "0xself", fee: "0.02" }),
    fill({ coin: "ETH", side: "A", sz: "5", px: "101", time: t(4), startPosition: "1", hash: "0xself", fee: "0.02" }),
    fill({ coin: "ETH", side: "A", sz: "1", px: "102", time: t(2), startPosition: "1", closedPnl: "2", fee: "0.01" }),
    // SOL already short 4 at the first fill we hold: its round trip is partly unknown, never listed.
    fill({ coin: "SOL", side: "B", sz: "4", px: "20", time: t(3), startPosition: "-4", closedPnl: "1", fee: "0.01" }),
    // An ETH round trip still open.
    fill({ coin: "ETH", side: "A", sz: "0.7", px: "100", time: t(1), startPosition: "0", fee: "0.01" }),
  ];

  it("lists the counted closed round trips newest first, with max size and the leaderboard's amounts", () => {
    const all = listRoundTrips(fills, "all", NOW);
    // The ETH and BTC closes share a millisecond: the later fill (higher tid, the ETH close) first.
    expect(all.map((rt) => [rt.coin, rt.side, rt.max_size])).toEqual([
      ["ETH", "LONG", "1"],
      ["BTC", "LONG", "2"],
      ["BTC", "SHORT", "1"],
      ["ETH", "LONG", "3"],
    ]);
    // 6 − 3 − (0.1 + 0.05 + 0.08 + 0.07) = 2.7; volume 200 + 103 + 157.5 + 148.5 = 609.
    expect(all[3]).toEqual({
      coin: "ETH",
      dex: "",
      side: "LONG",
      opened_at: t(50),
      closed_at: t(48),
      hold_ms: 2 * HOUR,
      max_size: "3",
      volume_usd: "609",
      realized_pnl: "2.7",
      funding: "0",
      fees: "0.3",
      fills: 4,
      close_tid: fills[3]!.tid,
    });
    // The flip fill's fee 0.3 is split by size: 1 of 3 closes the short (0.1), 2 open the long (0.2).
    // Short: 10 − (0.2 + 0.1) = 9.7 on 50 + 40; long: 10 − (0.2 + 0.2) = 9.6 on 80 + 90.
    expect(all[2]).toMatchObject({ realized_pnl: "9.7", fees: "0.3", volume_usd: "90", fills: 2, hold_ms: HOUR });
    expect(all[1]).toMatchObject({ realized_pnl: "9.6", fees: "0.4", volume_usd: "170", fills: 2, hold_ms: 7 * HOUR });
    // The self-trade's money belongs to the round trip: 2 − (0.01 + 0.02 + 0.02 + 0.01) = 1.94.
    expect(all[0]).toMatchObject({ realized_pnl: "1.94", fees: "0.06", fills: 4, close_tid: fills[10]!.tid });
  });

  it("keeps only the round trips closed in the window (now − length < closed_at ≤ now)", () => {
    expect(listRoundTrips(fills, "1d", NOW).map((rt) => rt.closed_at)).toEqual([t(2), t(2), t(9)]);
    expect(listRoundTrips(fills, "7d", NOW)).toHaveLength(4);
    // The first ETH round trip closed at t(48): exactly 24 h before t(48) + DAY, so out of that
    // day's window and in the 7-day one; one millisecond earlier it is in.
    expect(listRoundTrips(fills, "1d", t(48) + DAY)).toEqual([]);
    expect(listRoundTrips(fills, "7d", t(48) + DAY).map((rt) => rt.closed_at)).toEqual([t(48)]);
    expect(listRoundTrips(fills, "1d", t(48) + DAY - 1).map((rt) => rt.closed_at)).toEqual([t(48)]);
    // Fills after `now` do not exist yet: at t(3) the BTC long and the second ETH trip are still open.
    expect(listRoundTrips(fills, "all", t(3)).map((rt) => [rt.coin, rt.side])).toEqual([
      ["BTC", "SHORT"],
      ["ETH", "LONG"],
    ]);
  });

  it("counts exactly the round trips the leaderboard counts, in every window", () => {
    const histories = [
      fills,
      ...Array.from({ length: 10 }, (_, i) => randomHistory(100 + i, 400, NOW - 40 * DAY, NOW)),
      ...Array.from({ length: 10 }, (_, i) => generateHistory(i, 1_000, NOW).fills),
      ...Array.from({ length: 10 }, (_, i) => adversarialHistory(200 + i, 300)),
    ];
    for (const history of histories) {
      const rows = computeTraderRows({ history: { address: "0xa", fills: history, firstSeenAt: 0 }, equity: {}, now: NOW, updatedAt: "" });
      for (const row of rows) expect(listRoundTrips(history, row.window, NOW)).toHaveLength(row.round_trips);
    }
  });

  it("counts the recorded account's round trips as the leaderboard does", () => {
    const recorded = fillsSchema.parse(loadFixture("userFills.recorded.json").response).map((f, i) => ({ ...f, tid: i })) as Fill[];
    const now = Math.max(...recorded.map((f) => f.time));
    const rows = computeTraderRows({ history: { address: "0xa", fills: recorded, firstSeenAt: 0 }, equity: {}, now, updatedAt: "" });
    for (const row of rows) expect(listRoundTrips(recorded, row.window, now)).toHaveLength(row.round_trips);
    expect(listRoundTrips(recorded, "all", now).length).toBeGreaterThan(0);
  });
});

/** An independent max size for consistent histories (startPosition chains, no self-trades): the largest |position| between zero crossings. */
const bruteMaxSizes = (fills: readonly Fill[]): Map<string, number> => {
  const out = new Map<string, number>();
  const state = new Map<string, { pos: number; max: number; open: number }>();
  for (const f of dedupeFills(fills).filter(isPerpFill)) {
    const before = Math.round(Number(f.startPosition) * 10);
    const after = before + (f.side === "B" ? 1 : -1) * Math.round(Number(f.sz) * 10);
    const s = state.get(f.coin) ?? { pos: 0, max: 0, open: f.time };
    if (before === 0) Object.assign(s, { max: Math.abs(after), open: f.time });
    else if (after === 0 || Math.sign(after) !== Math.sign(before)) {
      out.set(`${f.coin}@${s.open}-${f.time}`, s.max);
      Object.assign(s, { max: Math.abs(after), open: f.time });
    } else s.max = Math.max(s.max, Math.abs(after));
    s.pos = after;
    state.set(f.coin, s);
  }
  return out;
};

describe("the listed round trips", () => {
  it("are buildRoundTrips' counted ones, each with the fill that closed it, gaps and self-trades included", () => {
    for (const history of [...Array.from({ length: 20 }, (_, i) => adversarialHistory(300 + i, 400)), ...Array.from({ length: 5 }, (_, i) => generateHistory(50 + i, 2_000, NOW).fills)]) {
      const perp = dedupeFills(history).filter((f) => f.time <= NOW && isPerpFill(f));
      const counted = buildRoundTrips(perp).closed.filter((c) => !c.partial_start && !c.missing_fills);
      const listed = listRoundTrips(history, "all", NOW);
      const key = (x: { coin: string; side: string; opened_at: number; closed_at: number | null }) => `${x.coin} ${x.side.toLowerCase()} ${x.opened_at} ${x.closed_at}`;
      expect(listed.map(key).sort()).toEqual(counted.map(key).sort());
      for (const rt of listed) {
        const closing = perp.find((f) => f.tid === rt.close_tid);
        expect(closing, `${key(rt)} closes with tid ${rt.close_tid}`).toMatchObject({ coin: rt.coin, time: rt.closed_at });
      }
    }
  });

  it("gives the largest position of each round trip, as an independent replay finds it", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const history = randomHistory(seed, 500, NOW - 40 * DAY, NOW);
      const expected = bruteMaxSizes(history);
      const listed = listRoundTrips(history, "all", NOW);
      expect(listed.length).toBeGreaterThan(10);
      for (const rt of listed) {
        // randomHistory sizes are in tenths.
        expect(Number(rt.max_size) * 10).toBeCloseTo(expected.get(`${rt.coin}@${rt.opened_at}-${rt.closed_at}`)!, 9);
      }
    }
  });
});
