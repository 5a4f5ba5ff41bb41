import type { Address } from "#domain/address.js";
import { buildEvent, eventId, type PositionEvent } from "#domain/events.js";
import type { LeaderboardOrder, LeaderboardRow, LeaderboardSortField } from "#domain/leaderboard.js";

/**
 * Data for bench/api.ts: leaderboard rows with plausible, exact values (money as decimal strings
 * built from integer cents, never floats), and position events shaped as the tracker stores them.
 * Seeded, so every run measures the same bytes.
 */

/** mulberry32: small, fast and good enough to spread benchmark values. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};

/** Integer cents as an exact decimal string: 123456 → "1234.56", -5 → "-0.05". */
const centsToDecimal = (cents: bigint): string => {
  const sign = cents < 0n ? "-" : "";
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
};

const hexAddress = (rand: () => number): string =>
  `0x${Array.from({ length: 40 }, () => Math.floor(rand() * 16).toString(16)).join("")}`;

const ratio = (x: number): number => Math.round(x * 10_000) / 10_000;

export const leaderboardRows = (n: number, updatedAt: string, seed = 7): LeaderboardRow[] => {
  const rand = prng(seed);
  return Array.from({ length: n }, () => {
    const address = hexAddress(rand);
    // Volumes spread over five orders of magnitude, as real accounts do.
    const volumeCents = BigInt(Math.floor(10 ** (4 + rand() * 5) * 100));
    return {
      trader_id: address,
      trader_address: address,
      win_rate: ratio(rand()),
      total_volume_usd: centsToDecimal(volumeCents),
      account_age_days: Math.floor(rand() * 900),
      avg_risk_ratio: ratio(rand() * 0.9),
      max_drawdown: ratio(rand() * 0.8),
      max_profit_usd: centsToDecimal(BigInt(Math.floor(rand() * 5_000_000_00))),
      max_loss_usd: centsToDecimal(-BigInt(Math.floor(rand() * 2_000_000_00))),
      updated_at: updatedAt,
    };
  });
};

/** Exact comparison of decimal strings with at most two fraction digits (the rows above). */
const cents = (s: string): bigint => {
  const [int = "0", frac = ""] = s.replace("-", "").split(".");
  const value = BigInt(int) * 100n + BigInt(frac.padEnd(2, "0").slice(0, 2));
  return s.startsWith("-") ? -value : value;
};

const compareField = (field: LeaderboardSortField, a: LeaderboardRow, b: LeaderboardRow): number => {
  const x = a[field];
  const y = b[field];
  if (typeof x === "number" && typeof y === "number") return x - y;
  const d = cents(String(x)) - cents(String(y));
  return d < 0n ? -1 : d > 0n ? 1 : 0;
};

/** The snapshot's order: by the field, ties by trader_address (as the store's comment says). */
export const sortRows = (rows: readonly LeaderboardRow[], field: LeaderboardSortField, order: LeaderboardOrder): LeaderboardRow[] =>
  [...rows].sort((a, b) => {
    const c = compareField(field, a, b);
    if (c !== 0) return order === "asc" ? c : -c;
    return a.trader_address < b.trader_address ? -1 : a.trader_address > b.trader_address ? 1 : 0;
  });

const COINS = ["BTC", "ETH", "SOL", "HYPE"] as const;

/** The i-th benchmark event: an OPEN_POSITION of its own trader and coin, so ids never repeat. */
export const benchEvent = (i: number, at: number, runTag: string): PositionEvent => {
  const address = `0x${runTag.padStart(8, "0").slice(-8)}${String(i).padStart(32, "0")}` as Address;
  const coin = COINS[i % COINS.length] ?? "BTC";
  const event = buildEvent(
    address,
    1,
    {
      type: "OPEN_POSITION",
      coin,
      side: i % 2 === 0 ? "LONG" : "SHORT",
      previousSide: null,
      previousSzi: "0",
      szi: i % 2 === 0 ? "0.25" : "-0.25",
      sizeDelta: i % 2 === 0 ? "0.25" : "-0.25",
      entryPx: "64123.5",
      leverage: { type: "cross", value: 10 },
    },
    [],
    at,
  );
  if (event.id !== eventId(address, 1, coin)) throw new Error("unexpected event id layout");
  return event;
};
