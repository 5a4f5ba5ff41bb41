import { describe, expect, it } from "vitest";
import { CLOID_RE, deriveCloid } from "#domain/copy/cloid.js";

const EVENT = "0x5e9ee1089755c3435139848e47e6635505d5a13a#42#1";

describe("client order ids", () => {
  it("are the first 16 bytes of SHA-256 over the follower, event, coin and leg", () => {
    // printf '%s' '["follower-1","<EVENT>","BTC",0]' | sha256sum | cut -c1-32
    expect(deriveCloid({ followerId: "follower-1", eventId: EVENT, coin: "BTC", leg: 0 })).toBe("0xc37f4b9fa26da5995cf4473c772cc6e8");
  });

  it("are the same for a redelivered event, so the exchange refuses the second order", () => {
    const source = { followerId: "follower-1", eventId: EVENT, coin: "BTC", leg: 1 as const };
    expect(deriveCloid({ ...source })).toBe(deriveCloid({ ...source }));
    expect(deriveCloid(source)).toMatch(CLOID_RE);
  });

  it("differ for every follower, event, coin and flip leg (10,000 combinations, no collision)", () => {
    const seen = new Set<string>();
    for (let f = 0; f < 25; f++)
      for (let e = 0; e < 50; e++)
        for (const coin of ["BTC", "ETH", "DOGE", "xyz:TSLA"])
          for (const leg of [0, 1] as const) seen.add(deriveCloid({ followerId: `f${f}`, eventId: `e${e}`, coin, leg }));
    expect(seen.size).toBe(25 * 50 * 4 * 2);
  });

  it("keep the fields apart: moving a character from one field to the next changes the id", () => {
    expect(deriveCloid({ followerId: "a b", eventId: "c", coin: "BTC", leg: 0 })).not.toBe(
      deriveCloid({ followerId: "a", eventId: "b c", coin: "BTC", leg: 0 }),
    );
  });
});
