import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { EquityPoint } from "#domain/metrics/types.js";
import { encodePortfolio } from "#store/dynamo/history.js";

const decode = (body: Uint8Array) => JSON.parse(gunzipSync(body).toString("utf8")) as Record<string, { accountValueHistory: EquityPoint[] }>;

/** Values that gzip cannot shrink much, like a real account's cents. */
const series = (n: number): EquityPoint[] => {
  let x = 12_345;
  return Array.from({ length: n }, (_, i) => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return [1_700_000_000_000 + i * 60_000, `${x}.${x % 997}`] as const;
  });
};

describe("encodePortfolio", () => {
  it("stores a normal portfolio exactly", () => {
    const periods = { day: { accountValueHistory: series(50), pnlHistory: series(50) } };
    expect(decode(encodePortfolio(periods))).toEqual(periods);
  });

  it("thins a portfolio too large for one DynamoDB item until it fits, keeping each series' first and last sample", () => {
    const big = series(60_000);
    const body = encodePortfolio({ allTime: { accountValueHistory: big, pnlHistory: big } });
    expect(body.byteLength).toBeLessThanOrEqual(350_000);
    const kept = decode(body).allTime?.accountValueHistory ?? [];
    expect(kept.length).toBeLessThan(big.length);
    expect(kept[0]).toEqual(big[0]);
    expect(kept.at(-1)).toEqual(big.at(-1));
  });
});
