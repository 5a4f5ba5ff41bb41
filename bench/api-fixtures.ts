import type { Address } from "#domain/address.js";
import { buildEvent, eventId, type PositionEvent } from "#domain/events.js";
import type { LeaderboardRow, LeaderboardWindow } from "#domain/leaderboard.js";

/**
 * Data for bench/api.ts: leaderboard rows with plausible, exact values (money as decimal strings
 * built from integer micro-dollars, never floats; ratios as the metrics job leaves them, full
 * doubles), nulls where a real trader would have them, and position events shaped as the tracker
 * stores them. Seeded, so every run measures the same bytes.
 */

/** mulberry32: small, fast and good enough to spread benchmark values. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};

/** Integer micro-dollars as a canonical exact decimal: 1234560000n → "1234.56", -5n → "-0.000005". */
const microToDecimal = (micro: bigint): string => {
  const sign = micro < 0n ? "-" : "";
  const abs = micro < 0n ? -micro : micro;
  const frac = String(abs % 1_000_000n).padStart(6, "0").replace(/0+$/, "");
  return `${sign}${abs / 1_000_000n}${frac === "" ? "" : `.${frac}`}`;
};

const hexAddress = (rand: () => number): string =>
  `0x${Array.from({ length: 40 }, () => Math.floor(rand() * 16).toString(16)).join("")}`;

/** A trader's metrics as the leaderboard job would write them for `window`. */
export const leaderboardRows = (n: number, updatedAt: string, window: LeaderboardWindow = "all", seed = 7): LeaderboardRow[] => {
  const rand = prng(seed);
  const usd = (dollars: number): bigint => BigInt(Math.floor(dollars * 1_000_000));
  return Array.from({ length: n }, (): LeaderboardRow => {
    const address = hexAddress(rand);
    // Activity and volume spread over orders of magnitude, as real accounts do.
    const trades = Math.floor(10 ** (rand() * 4));
    const trips = Math.floor(trades * (0.1 + rand() * 0.4));
    const wins = Math.floor(trips * rand());
    const losses = trips - wins;
    const volume = usd(10 ** (3 + rand() * 6));
    const grossWin = wins === 0 ? 0n : usd(rand() * 200_000);
    const grossLoss = losses === 0 ? 0n : usd(rand() * 150_000);
    const hasEquity = rand() > 0.1;
    return {
      trader_id: address,
      trader_address: address,
      window,
      win_rate: trips === 0 ? null : wins / trips,
      total_volume_usd: microToDecimal(volume),
      account_age_days: Math.floor(rand() * 900),
      avg_risk_ratio: wins === 0 || losses === 0 ? null : Number(grossWin) / wins / (Number(grossLoss) / losses),
      max_drawdown: hasEquity ? rand() * 0.8 : null,
      max_profit_usd: wins === 0 ? null : microToDecimal((grossWin * BigInt(Math.ceil(rand() * 100))) / 100n),
      max_loss_usd: losses === 0 ? null : microToDecimal((grossLoss * BigInt(Math.ceil(rand() * 100))) / 100n),
      realized_pnl_usd: microToDecimal(grossWin - grossLoss),
      trading_pnl_usd: microToDecimal(grossWin - grossLoss),
      funding_usd: "0",
      fees_usd: microToDecimal((volume * 35n) / 100_000n),
      trades_count: trades,
      round_trips: trips,
      avg_hold_hours: trips === 0 ? null : rand() * 200,
      roi: hasEquity ? (rand() - 0.4) * 2 : null,
      sharpe: hasEquity && rand() > 0.1 ? (rand() - 0.3) * 4 : null,
      profit_factor: losses === 0 ? null : Number(grossWin) / Number(grossLoss),
      profit_factor_infinite: losses === 0 && wins > 0,
      score: trips === 0 ? null : rand(),
      is_bot: rand() < 0.05,
      is_vault: false,
      updated_at: updatedAt,
    };
  });
};

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
