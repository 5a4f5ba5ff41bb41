import type { Fill } from "#domain/exchange.js";
import type { LedgerEntry, PortfolioHistory, TraderHistory } from "#domain/metrics/types.js";
import { createPrng } from "../simulator/prng.js";

/**
 * Generated trader histories for `npm run bench:leaderboard`: `fills` perp fills (plus a few spot
 * fills) over the last `days` days, made by trading 1–4 coins as a person does (open, add, take
 * partial profits, close, sometimes flip), with prices that walk, fees (some rebates) and a
 * closedPnl that follows from the entry price. One trader at a time, so memory stays flat.
 */

const COINS = ["BTC", "ETH", "SOL", "HYPE", "ARB", "DOGE"];
const START_PX: Record<string, number> = { BTC: 65_000, ETH: 3_200, SOL: 150, HYPE: 25, ARB: 0.9, DOGE: 0.12 };
const DAY = 86_400_000;

const fixed = (n: number, dp: number): string => {
  const s = n.toFixed(dp);
  return s === `-${(0).toFixed(dp)}` ? (0).toFixed(dp) : s;
};

export const generateHistory = (index: number, fills: number, now: number, days = 90): TraderHistory => {
  const rng = createPrng(1_000 + index);
  const address = `0x${index.toString(16).padStart(40, "0")}`;
  const coins = COINS.slice(0, 1 + rng.int(4));
  const pos = new Map<string, { szi: number; entry: number; px: number }>(coins.map((c) => [c, { szi: 0, entry: 0, px: START_PX[c]! }]));
  const out: Fill[] = [];
  const step = Math.floor((days * DAY) / fills);
  let time = now - days * DAY;
  let tid = index * 10_000_000;
  for (let i = 0; i < fills; i++) {
    time += 1 + rng.int(step * 2);
    if (time > now) time = now;
    const coin = rng.pick(coins);
    const p = pos.get(coin)!;
    p.px *= 1 + (rng.next() - 0.5) * 0.01;
    const px = p.px;
    const unit = 1_000 / START_PX[coin]!;
    const start = p.szi;
    let delta: number;
    if (start === 0) delta = (rng.chance(0.5) ? 1 : -1) * unit * (0.5 + rng.next());
    else if (rng.chance(0.15)) delta = -start * 2; // flip
    else if (rng.chance(0.35)) delta = -start; // close
    else if (rng.chance(0.5)) delta = -start * (0.2 + rng.next() * 0.5); // partial close
    else delta = Math.sign(start) * unit * rng.next(); // add
    // Round the size first and derive the new position from it, so sizes add up exactly the way
    // the exchange's strings do (the round-trip builder checks startPosition continuity).
    const sz = Math.max(Number(fixed(Math.abs(delta), 5)), 0.00001);
    delta = Math.sign(delta) * sz;
    const closing = start !== 0 && Math.sign(delta) !== Math.sign(start) ? Math.min(sz, Math.abs(start)) : 0;
    const closedPnl = closing * (px - p.entry) * Math.sign(start);
    const end = Number(fixed(start + delta, 5));
    if (end === 0) p.szi = 0;
    else {
      if (start === 0 || Math.sign(end) !== Math.sign(start)) p.entry = px;
      else if (Math.abs(end) > Math.abs(start)) p.entry = (p.entry * Math.abs(start) + px * sz) / Math.abs(end);
      p.szi = end;
    }
    const fee = rng.chance(0.1) ? -sz * px * 0.00002 : sz * px * 0.00035;
    out.push({
      coin,
      px: fixed(px, 4),
      sz: fixed(sz, 5),
      side: delta > 0 ? "B" : "A",
      time,
      startPosition: fixed(start, 5),
      dir: start === 0 ? (delta > 0 ? "Open Long" : "Open Short") : closing > 0 ? (start > 0 ? "Close Long" : "Close Short") : start > 0 ? "Open Long" : "Open Short",
      closedPnl: fixed(closedPnl, 6),
      hash: `0x${tid.toString(16).padStart(64, "0")}`,
      oid: tid,
      tid: tid++,
      fee: fixed(fee, 6),
      feeToken: "USDC",
      crossed: rng.chance(0.6),
    });
  }
  for (let i = 0; i < 5; i++) {
    out.push({ ...out[i * 10]!, coin: "@107", dir: rng.chance(0.5) ? "Buy" : "Sell", tid: tid++, startPosition: "0", closedPnl: "0" });
  }
  return { address, fills: out, ledger: ledger(rng, now, days), portfolio: portfolio(rng, now, days), firstSeenAt: now - days * DAY };
};

const ledger = (rng: ReturnType<typeof createPrng>, now: number, days: number): LedgerEntry[] =>
  Array.from({ length: 6 }, (_, i) => ({
    time: now - days * DAY + i * Math.floor((days * DAY) / 6) + rng.int(DAY),
    hash: `0x${i.toString(16).padStart(64, "a")}`,
    delta: i === 3 ? { type: "withdraw", usdc: fixed(1_000 + rng.int(5_000), 2), fee: "1.0" } : { type: "deposit", usdc: fixed(5_000 + rng.int(20_000), 2) },
  }));

const series = (rng: ReturnType<typeof createPrng>, from: number, to: number, points: number) => {
  let value = 20_000 + rng.int(100_000);
  let pnl = 0;
  const av: [number, string][] = [];
  const ph: [number, string][] = [];
  for (let i = 0; i < points; i++) {
    const change = value * (rng.next() - 0.48) * 0.03;
    value += change;
    pnl += change;
    const t = Math.round(from + ((to - from) * i) / (points - 1));
    av.push([t, fixed(value, 6)]);
    ph.push([t, fixed(pnl, 6)]);
  }
  return { accountValueHistory: av, pnlHistory: ph };
};

const portfolio = (rng: ReturnType<typeof createPrng>, now: number, days: number): PortfolioHistory => ({
  fetchedAt: now,
  periods: {
    perpDay: series(rng, now - DAY, now, 24),
    perpWeek: series(rng, now - 7 * DAY, now, 84),
    perpMonth: series(rng, now - 30 * DAY, now, 120),
    perpAllTime: series(rng, now - days * DAY, now, 200),
  },
});
