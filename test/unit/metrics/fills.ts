import type { Fill } from "#domain/exchange.js";
import { toFills } from "#hyperliquid/mappers.js";
import { fillsSchema } from "#hyperliquid/schemas.js";
import { loadFixture } from "../../support/fixtures.js";

let nextTid = 1;

/** A perp fill with the fields round trips read; `dir` is cosmetic (positions come from sizes). */
export const fill = (f: Partial<Fill> & Pick<Fill, "coin" | "side" | "sz" | "px" | "time" | "startPosition">): Fill => ({
  dir: "Open Long",
  closedPnl: "0",
  fee: "0",
  hash: `0x${(nextTid).toString(16)}`,
  oid: nextTid,
  tid: nextTid++,
  feeToken: "USDC",
  crossed: true,
  ...f,
});

/** A spot fill: "@N" coin and dir Buy/Sell, which every metric but account age ignores. */
export const spotFill = (f: Partial<Fill> & Pick<Fill, "side" | "sz" | "px" | "time">): Fill =>
  fill({ coin: "@107", dir: f.side === "B" ? "Buy" : "Sell", startPosition: "0", ...f });

/** Open then close one round trip: `opens` at `time`, closes `holdMs` later with `closedPnl`. */
export const roundTrip = (o: {
  coin: string;
  side: "long" | "short";
  sz: string;
  px: string;
  time: number;
  holdMs: number;
  closedPnl?: string;
  exitPx?: string;
  fee?: string;
}): [Fill, Fill] => {
  const long = o.side === "long";
  return [
    fill({ coin: o.coin, side: long ? "B" : "A", sz: o.sz, px: o.px, time: o.time, startPosition: "0", dir: long ? "Open Long" : "Open Short", fee: o.fee ?? "0" }),
    fill({
      coin: o.coin,
      side: long ? "A" : "B",
      sz: o.sz,
      px: o.exitPx ?? o.px,
      time: o.time + o.holdMs,
      startPosition: long ? o.sz : `-${o.sz}`,
      dir: long ? "Close Long" : "Close Short",
      closedPnl: o.closedPnl ?? "0",
      fee: o.fee ?? "0",
    }),
  ];
};

/**
 * A random but consistent history for property tests: `n` perp fills on three coins between
 * `from` and `to` (sizes in tenths so startPosition chains exactly; opens, adds, partial closes,
 * closes and flips; some rebates), plus spot fills and a few
 * duplicated fills, returned shuffled. closedPnl is random: round trips take it as given.
 */
export const randomHistory = (seed: number, n: number, from: number, to: number): Fill[] => {
  let s = seed >>> 0;
  // mulberry32: tiny and deterministic.
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (k: number): number => Math.floor(rnd() * k);
  const tenths = (units: number): string => `${units < 0 ? "-" : ""}${Math.floor(Math.abs(units) / 10)}.${Math.abs(units) % 10}`;
  const cents = (c: number): string => `${c < 0 ? "-" : ""}${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, "0")}`;
  const times = Array.from({ length: n }, () => from + int(to - from + 1)).sort((a, b) => a - b);
  const position = new Map<string, number>([["BTC", 0], ["ETH", 0], ["SOL", 0]]);
  const out: Fill[] = [];
  for (let i = 0; i < n; i++) {
    const coin = ["BTC", "ETH", "SOL"][int(3)]!;
    const start = position.get(coin)!;
    const r = rnd();
    let delta: number;
    if (start === 0) delta = (rnd() < 0.5 ? 1 : -1) * (1 + int(50));
    else if (r < 0.15) delta = -2 * start; // flip
    else if (r < 0.45) delta = -start; // close
    else if (r < 0.7) delta = -Math.sign(start) * Math.max(1, Math.floor(Math.abs(start) / 2)); // partial close
    else delta = Math.sign(start) * (1 + int(20)); // add
    position.set(coin, start + delta);
    const closing = start !== 0 && Math.sign(delta) !== Math.sign(start);
    out.push(
      fill({
        coin,
        side: delta > 0 ? "B" : "A",
        sz: tenths(Math.abs(delta)),
        px: cents(1_000 + int(100_000)),
        time: times[i]!,
        startPosition: tenths(start),
        closedPnl: closing ? cents(int(20_001) - 10_000) : "0",
        fee: rnd() < 0.1 ? cents(-int(50)) : `0.${String(int(1_000_000)).padStart(6, "0")}`,
      }),
    );
    if (rnd() < 0.05) out.push(spotFill({ side: "B", sz: "1", px: "12.5", time: times[i]! }));
  }
  const duplicates = out.filter(() => rnd() < 0.03).map((f) => ({ ...f }));
  const all = [...out, ...duplicates];
  for (let i = all.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all;
};

/**
 * 500 real fills of one account (May 2023), newest first. They predate `tid`, so they are parsed
 * with the raw schema and given `tid` = position in the file: fills sharing a millisecond appear in
 * execution order in the file (each one's startPosition follows from the previous one's), and
 * compareFills then keeps that order. Test-only: production code never invents a tid.
 */
export const recordedFills = (): Fill[] =>
  toFills(
    fillsSchema.parse(loadFixture("userFills.recorded.json").response).map((f, i) => ({ ...f, tid: i })),
    "userFills",
    "0xb7b6f3cea3f66bf525f5d8f965f6dbf6d9b017b2",
  );
