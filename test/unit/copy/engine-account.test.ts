import { describe, expect, it } from "vitest";
import type { Address } from "#domain/address.js";
import { leadersGrowth, nextAccount } from "#domain/copy/engine-account.js";
import type { CopyAccount } from "#domain/copy/ports.js";
import { emptyAccount } from "#store/dynamo/followers-codec.js";

const A = "0x00000000000000000000000000000000000000a1" as Address;
const B = "0x00000000000000000000000000000000000000b2" as Address;
const T = Date.parse("2026-02-01T00:00:00Z");

const empty: CopyAccount = emptyAccount("f");

/** One engine run that saw these leaders' account values (nothing traded). */
const run = (prev: CopyAccount, leaderEquityUsd: Record<Address, string>, i: number): CopyAccount =>
  nextAccount({ previous: prev, memory: {}, carried: {}, positions: {}, equityUsd: "1000", leaderEquityUsd, mids: {}, fills: [], now: T + i * 60_000 });

describe("the leaders' growth behind copy_gap", () => {
  it("is chained run by run over the leaders followed in each, so a leader added later counts from then and a removed one until then", () => {
    const runs: Record<Address, string>[] = [
      { [A]: "1000" }, // the baseline
      { [A]: "1100" }, // A +10%: 1.1
      { [A]: "1100", [B]: "500" }, // B added (a PATCH): no step of his yet; A flat: 1.1
      { [A]: "1210", [B]: "250" }, // A +10%, B −50%: mean ratio 0.8 → 0.88
      { [B]: "500" }, // A removed; B doubles: 1.76
      {}, // nobody valued (the exchange did not answer): unchanged
    ];
    const growth: (string | null | undefined)[] = [];
    let account = empty;
    for (const [i, leaders] of runs.entries()) {
      account = run(account, leaders, i);
      growth.push(account.actual!.leadersGrowth);
    }
    expect(growth).toEqual([null, "1.1", "1.1", "0.88", "1.76", "1.76"]);
    // Measured from the baseline's leaders alone, B's loss would not count: 1210 / 1000 = 1.21.
    expect(account.baseline).toMatchObject({ at: T, leaderEquityUsd: { [A]: "1000" } });
  });

  it("is null until a run has a leader valued at it and at the run before", () => {
    const first = run(empty, {}, 0);
    expect(first.actual!.leadersGrowth).toBeNull();
    expect(run(first, { [A]: "1000" }, 1).actual!.leadersGrowth).toBeNull();
  });

  it("starts an account written before it was kept from the baseline's leaders seen at both ends", () => {
    const prev: CopyAccount = {
      ...empty,
      baseline: { at: T, followerEquityUsd: "1000", leaderEquityUsd: { [A]: "1000" } },
      actual: { at: T + 1, positions: {}, equityUsd: "1000", realizedPnlUsd: "0", feesUsd: "0", leaderEquityUsd: { [A]: "1100", [B]: "9" } },
    };
    // 1100 / 1000, then A's step 1210 / 1100 and B's 18 / 9: mean (1.1 + 2) / 2 = 1.55 → 1.705.
    expect(leadersGrowth(prev, { [A]: "1210", [B]: "18" })).toBe("1.705");
  });
});
