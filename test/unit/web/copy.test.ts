import { describe, expect, it } from "vitest";
import { followerBodySchema } from "#domain/copy/follower-schema.js";
import { paperFollowerBody, type CopyFormFields } from "../../../web/src/copy-body.js";
import { returnCurves } from "../../../web/src/copy-returns.js";
import { exactPct } from "../../../web/src/format.js";

const LEADER = "0x401d000000000000000000000000000000000006";
const OTHER = "0x5eadd00000000000000000000000000000000001";

describe("the Copy page's returns curve", () => {
  it("measures the follower from its first value, and chains the leaders' mean growth from point to point", () => {
    const curves = returnCurves([
      { time: "2026-12-01T00:00:00.000Z", equity_usd: "10000", leaders_equity_usd: { [LEADER]: "200000", [OTHER]: "50000" } },
      // follower 10,300 / 10,000 − 1 = +3%; leaders: 210,000 / 200,000 − 1 = +5% and 45,000 / 50,000 − 1 = −10%, mean −2.5%
      { time: "2026-12-01T01:00:00.000Z", equity_usd: "10300", leaders_equity_usd: { [LEADER]: "210000", [OTHER]: "45000" } },
      // follower 9,900 / 10,000 − 1 = −1%; one leader followed now (OTHER removed), his step
      // 220,000 / 210,000: 0.975 × 22 / 21 − 1 = +2.142857…%
      { time: "2026-12-01T02:00:00.000Z", equity_usd: "9900", leaders_equity_usd: { [LEADER]: "220000" } },
      // OTHER followed again: he counts from here, not from his first value (LEADER flat, OTHER +100%: × 1.5)
      { time: "2026-12-01T03:00:00.000Z", equity_usd: "9900", leaders_equity_usd: { [LEADER]: "220000", [OTHER]: "10000" } },
      { time: "2026-12-01T04:00:00.000Z", equity_usd: "9900", leaders_equity_usd: { [LEADER]: "220000", [OTHER]: "20000" } },
    ]);
    const t0 = Date.parse("2026-12-01T00:00:00.000Z");
    expect(curves.follower.map((p) => p.t)).toEqual([0, 1, 2, 3, 4].map((h) => t0 + h * 3_600_000));
    expect(curves.follower.map((p) => p.v).slice(0, 3)).toEqual([0, expect.closeTo(0.03, 12), expect.closeTo(-0.01, 12)]);
    const third = (0.975 * 22) / 21;
    expect(curves.leaders.map((p) => p.v)).toEqual([0, expect.closeTo(-0.025, 12), expect.closeTo(third - 1, 12), expect.closeTo(third - 1, 12), expect.closeTo(third * 1.5 - 1, 12)]);
  });

  it("starts the leaders' curve at the first point with a leader valued, and skips what cannot be measured", () => {
    const curves = returnCurves([
      { time: "2026-12-01T00:00:00.000Z", equity_usd: "0", leaders_equity_usd: {} },
      { time: "not a time", equity_usd: "5", leaders_equity_usd: {} },
      { time: "2026-12-01T01:00:00.000Z", equity_usd: "2000", leaders_equity_usd: { [OTHER]: "80000" } },
      // 2,500 / 2,000 − 1 = +25%; 60,000 / 80,000 − 1 = −25%
      { time: "2026-12-01T02:00:00.000Z", equity_usd: "2500", leaders_equity_usd: { [OTHER]: "60000" } },
    ]);
    expect(curves.follower.map((p) => p.v)).toEqual([0, 0.25]);
    expect(curves.leaders.map((p) => p.v)).toEqual([0, -0.25]);
  });
});

describe("exact percentages", () => {
  it("moves the decimal point without rounding", () => {
    expect(exactPct("0.00045")).toBe("0.045%");
    expect(exactPct("-0.0027")).toBe("-0.27%");
    expect(exactPct("0.0123", true)).toBe("+1.23%");
    expect(exactPct("0.2")).toBe("20%");
    expect(exactPct("12.5")).toBe("1,250%");
    expect(exactPct("0.000000", true)).toBe("0%");
    expect(exactPct(null)).toBe("—");
    expect(exactPct("abc")).toBe("—");
  });
});

describe("the Copy this trader form", () => {
  const fields: CopyFormFields = { name: " my copy ", balance: "2500.50", sizingMode: "fixed_ratio", sizingValue: "0.1", slippageBps: "30", maxPositionUsd: "" };

  it("builds a paper follower's body that the API's own schema accepts, amounts as typed", () => {
    const { body } = paperFollowerBody(LEADER, fields);
    expect(body).toEqual({
      name: "my copy",
      mode: "paper",
      leaders: [{ address: LEADER, sizing: { mode: "fixed_ratio", ratio: "0.1" } }],
      caps: { max_slippage_bps: 30 },
      paper_balance_usd: "2500.50",
    });
    const config = followerBodySchema.parse(body);
    expect(config).toMatchObject({ mode: "paper", paperBalanceUsd: "2500.5", caps: { maxSlippageBps: 30 }, leaders: [{ sizing: { mode: "fixed_ratio", ratio: "0.1" } }] });

    const notional = paperFollowerBody(LEADER, { ...fields, sizingMode: "fixed_notional", sizingValue: "250", maxPositionUsd: "1000" }).body;
    expect(notional?.leaders[0]?.sizing).toEqual({ mode: "fixed_notional", notional_usd: "250" });
    expect(notional?.caps).toEqual({ max_slippage_bps: 30, max_position_usd: "1000" });
    expect(followerBodySchema.parse(notional)).toMatchObject({ leaders: [{ sizing: { mode: "fixed_notional", notionalUsd: "250" } }], caps: { maxPositionUsd: "1000" } });
    expect(paperFollowerBody(LEADER, { ...fields, sizingMode: "proportional", sizingValue: "1" }).body?.leaders[0]?.sizing).toEqual({ mode: "proportional", multiplier: "1" });
  });

  it("names each field the page can tell is wrong, and sends nothing", () => {
    const result = paperFollowerBody(LEADER, { name: "  ", balance: "0", sizingMode: "proportional", sizingValue: "-1", slippageBps: "1001", maxPositionUsd: "lots" });
    expect(result.body).toBeUndefined();
    expect(Object.keys(result.errors ?? {}).sort()).toEqual(["balance", "maxPositionUsd", "name", "sizingValue", "slippageBps"]);
    expect(paperFollowerBody(LEADER, { ...fields, slippageBps: "2.5" }).errors?.slippageBps).toContain("whole number");
  });
});
