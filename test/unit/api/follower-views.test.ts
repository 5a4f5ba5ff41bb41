import { describe, expect, it } from "vitest";
import { copyGap, configView, equityPointView, followerView, orderView } from "#api/follower-views.js";
import type { Address } from "#domain/address.js";
import type { CopyAccount, FollowerRecord } from "#domain/copy/ports.js";

const A = "0x00000000000000000000000000000000000000a1" as Address;
const B = "0x00000000000000000000000000000000000000b2" as Address;
const T = Date.parse("2026-02-01T00:00:00Z");

const actual = (equityUsd: string, leaderEquityUsd: Record<Address, string>): NonNullable<CopyAccount["actual"]> => ({
  at: T + 1,
  positions: {},
  equityUsd,
  realizedPnlUsd: "0",
  feesUsd: "0",
  leaderEquityUsd,
});

describe("copy_gap", () => {
  it("is null before a run can be compared with the baseline", () => {
    const baseline = { at: T, followerEquityUsd: "1000", leaderEquityUsd: { [A]: "5000" } };
    expect(copyGap({ baseline: null, actual: actual("1000", { [A]: "5000" }) })).toBeNull();
    expect(copyGap({ baseline, actual: null })).toBeNull();
    // No leader has a value at both ends (the run did not see A): no leaders' return to compare with.
    expect(copyGap({ baseline, actual: actual("1100", { [B]: "9" }) })).toBeNull();
  });

  it("compares with the leaders' growth chained by the engine, when the account keeps it", () => {
    const baseline = { at: T, followerEquityUsd: "1000", leaderEquityUsd: { [A]: "1000" } };
    // B joined after the baseline; the engine's chain counts him from then: growth 0.88.
    // follower −0.01, leaders 0.88 − 1 = −0.12, gap 0.11 (the baseline's A alone would say +0.21).
    expect(copyGap({ baseline, actual: { ...actual("990", { [A]: "1210", [B]: "250" }), leadersGrowth: "0.88" } })).toEqual({
      since: "2026-02-01T00:00:00.000Z",
      follower_return: "-0.01",
      leaders_return: "-0.12",
      gap: "0.11",
    });
    // No run yet with a leader valued at both ends.
    expect(copyGap({ baseline, actual: { ...actual("990", { [A]: "1000" }), leadersGrowth: null } })).toBeNull();
  });

  it("on an account from before the chain was kept, averages only the baseline's leaders seen at both ends, and subtracts the rounded figures", () => {
    // follower 990 / 1000 − 1 = −0.01. A: 5001 / 5000 − 1 = 0.0002; B has no baseline, left out.
    // gap = −0.01 − 0.0002 = −0.0102.
    expect(
      copyGap({ baseline: { at: T, followerEquityUsd: "1000", leaderEquityUsd: { [A]: "5000" } }, actual: actual("990", { [A]: "5001", [B]: "7" }) }),
    ).toEqual({ since: "2026-02-01T00:00:00.000Z", follower_return: "-0.01", leaders_return: "0.0002", gap: "-0.0102" });
    // Rounded half up at the 6th decimal: 1 / 3 − 1 = −0.6666666… → −0.666667; 2 / 3 − 1 → −0.333333;
    // the gap of the shown figures: −0.666667 + 0.333333 = −0.333334 (not −0.333333 from the exact ones).
    expect(
      copyGap({ baseline: { at: T, followerEquityUsd: "3", leaderEquityUsd: { [A]: "3" } }, actual: actual("1", { [A]: "2" }) }),
    ).toMatchObject({ follower_return: "-0.666667", leaders_return: "-0.333333", gap: "-0.333334" });
  });
});

describe("the follower's config and orders as the API shows them", () => {
  it("fills in on_pause and a paper follower's taker_fee_rate, and gives a live follower's key as its reference", () => {
    const leaders = [{ address: A, sizing: { mode: "fixed_notional" as const, notionalUsd: "100" } }];
    expect(configView({ name: "p", mode: "paper", leaders, caps: { maxSlippageBps: 50 }, start: "sync_now", paperBalanceUsd: "500" })).toEqual({
      name: "p",
      mode: "paper",
      leaders: [{ address: A, sizing: { mode: "fixed_notional", notional_usd: "100" } }],
      caps: { max_slippage_bps: 50 },
      start: "sync_now",
      on_pause: "keep",
      paper_balance_usd: "500",
      taker_fee_rate: "0.00045",
    });
    const live = configView({
      name: "l",
      mode: "live",
      leaders,
      caps: { maxSlippageBps: 20 },
      start: "new_changes_only",
      onPause: "close",
      accountAddress: B,
      agentKeyRef: { source: "env", name: "HL_AGENT_KEY" },
      network: "testnet",
    });
    expect(live).toMatchObject({ on_pause: "close", agent_key_ref: "env:HL_AGENT_KEY", account_address: B, network: "testnet" });
    expect(live).not.toHaveProperty("taker_fee_rate");
  });

  it("measures an order's delays from its signal; null until it was sent or filled", () => {
    const base = {
      followerId: "fol_1", cloid: "0x01", eventId: "e", leader: null, coin: "ETH", side: "sell" as const, size: "1", limitPrice: "2990",
      reduceOnly: true, fillPrice: null, filledSize: null, feeUsd: null, oid: null, error: null, signalAt: T,
    };
    expect(orderView({ ...base, status: "pending", sentAt: T + 85, filledAt: null })).toMatchObject({ signal_to_order_ms: 85, signal_to_fill_ms: null });
    expect(orderView({ ...base, status: "rejected", error: "Order must have minimum value of $10.", sentAt: null, filledAt: null })).toMatchObject({
      signal_to_order_ms: null, sent_at: null, error: "Order must have minimum value of $10.",
    });
  });
});

describe("money as the API shows it", () => {
  it("gives a paper account's figures to 6 decimals and its average entry to 6 significant figures, as the exchange shows an account", () => {
    const record: FollowerRecord = {
      id: "fol_1",
      config: { name: "p", mode: "paper", leaders: [], caps: { maxSlippageBps: 50 }, start: "new_changes_only", paperBalanceUsd: "10000" },
      state: "active",
      pause: null,
      closeRequested: false,
      createdAt: T,
      updatedAt: T,
      version: 1,
    };
    // 1 at 0.657 then 2 at 0.65706: the average entry is a quotient, (0.657 + 1.31412) / 3.
    const account: CopyAccount = {
      followerId: "fol_1",
      version: 3,
      memory: {},
      carried: {},
      baseline: null,
      dayStart: null,
      peakEquityUsd: null,
      lastReconciledAt: T,
      actual: {
        at: T,
        positions: { APE: { szi: "3", entryPx: "0.65704" }, BTC: { szi: "-0.01", entryPx: "60000.123456789" }, ETH: { szi: "2", entryPx: "0.6570400000000000000033333" } },
        equityUsd: "9828.35707602434999999999836",
        realizedPnlUsd: "-38.84083220963326092373458",
        feesUsd: "25.4121081345",
        leaderEquityUsd: {},
        marks: { APE: "0.66", BTC: "60000", ETH: "0.66" },
      },
    };
    const view = followerView(record, account);
    expect(view).toMatchObject({ equity_usd: "9828.357076", realized_pnl_usd: "-38.840832", fees_usd: "25.412108" });
    expect(view.positions).toEqual([
      { coin: "APE", szi: "3", entry_price: "0.65704", unrealized_pnl_usd: "0.00888" },
      { coin: "BTC", szi: "-0.01", entry_price: "60000.1", unrealized_pnl_usd: "0.001235" },
      // (0.66 − 0.65704000…0033) × 2 = 0.00591999…99933: rounded, not cut.
      { coin: "ETH", szi: "2", entry_price: "0.65704", unrealized_pnl_usd: "0.00592" },
    ]);
    expect(equityPointView({ time: T, equityUsd: "9728.67222444825", leaderEquityUsd: { [A]: "233680.4051055" } })).toEqual({
      time: "2026-02-01T00:00:00.000Z",
      equity_usd: "9728.672224",
      leaders_equity_usd: { [A]: "233680.405106" },
    });
  });

  it("gives an order's fee to 6 decimals", () => {
    const order = {
      followerId: "fol_1", cloid: "0x01", eventId: "e", leader: null, coin: "SUI", side: "sell" as const, size: "15.1", limitPrice: "3.411",
      reduceOnly: true, fillPrice: "3.411", filledSize: "15.1", feeUsd: "0.023177745", oid: null, error: null, signalAt: T, status: "filled" as const,
      sentAt: T + 1, filledAt: T + 2,
    };
    expect(orderView(order).fee_usd).toBe("0.023178");
    expect(orderView({ ...order, feeUsd: null }).fee_usd).toBeNull();
  });
});
