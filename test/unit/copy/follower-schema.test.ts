import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  followerBody,
  followerBodySchema,
  followerPatchSchema,
  IMMUTABLE_FOLLOWER_FIELDS,
  patchFollowerConfig,
} from "#domain/copy/follower-schema.js";

const LEADER = "0x5e9ee1089755c3435139848e47e6635505d5a13a";
const LEADER2 = "0x31ca8395cf837de08b24da3f660e77761dfb974b";
const ACCOUNT = "0x0000000000000000000000000000000000000abc";

const paper = (extra: Record<string, unknown> = {}) => ({
  name: "copy the whale",
  mode: "paper",
  leaders: [{ address: LEADER, sizing: { mode: "fixed_ratio", ratio: "0.1" } }],
  paper_balance_usd: "10000",
  ...extra,
});
const live = (extra: Record<string, unknown> = {}) => ({
  name: "live copy",
  mode: "live",
  leaders: [{ address: LEADER, sizing: { mode: "proportional", multiplier: 1 } }],
  account_address: ACCOUNT,
  agent_key_ref: "secretsmanager:copy/agent-1",
  network: "testnet",
  ...extra,
});

const messages = (body: unknown): string[] => {
  const r = followerBodySchema.safeParse(body);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe("POST /followers body", () => {
  it("parses a paper follower with the defaults: 50 bps slippage, new_changes_only", () => {
    expect(followerBodySchema.parse(paper())).toEqual({
      name: "copy the whale",
      mode: "paper",
      leaders: [{ address: LEADER, sizing: { mode: "fixed_ratio", ratio: "0.1" } }],
      caps: { maxSlippageBps: 50 },
      start: "new_changes_only",
      paperBalanceUsd: "10000",
    });
  });

  it("parses every sizing mode, every cap and a live follower's key reference", () => {
    const config = followerBodySchema.parse(
      live({
        leaders: [
          { address: LEADER.toUpperCase().replace("0X", "0x"), sizing: { mode: "proportional", multiplier: "1.5" } },
          { address: LEADER2, sizing: { mode: "fixed_notional", notional_usd: 250 } },
        ],
        caps: {
          max_position_usd: "5000",
          max_total_exposure_usd: 20000,
          max_leverage: "3",
          coins_allow: ["BTC", "ETH"],
          coins_deny: ["DOGE"],
          max_slippage_bps: 25,
          max_signal_age_seconds: 30,
          daily_loss_limit_usd: "500.50",
          max_drawdown: "0.2",
        },
        start: "sync_now",
        alerts_webhook_url: "https://hooks.example.com/copy",
      }),
    );
    expect(config).toEqual({
      name: "live copy",
      mode: "live",
      // addresses are lowercased (parseAddress)
      leaders: [
        { address: LEADER, sizing: { mode: "proportional", multiplier: "1.5" } },
        { address: LEADER2, sizing: { mode: "fixed_notional", notionalUsd: "250" } },
      ],
      caps: {
        maxPositionUsd: "5000",
        maxTotalExposureUsd: "20000",
        maxLeverage: "3",
        coinsAllow: ["BTC", "ETH"],
        coinsDeny: ["DOGE"],
        maxSlippageBps: 25,
        maxSignalAgeSeconds: 30,
        dailyLossLimitUsd: "500.5",
        maxDrawdown: "0.2",
      },
      start: "sync_now",
      alertsWebhookUrl: "https://hooks.example.com/copy",
      accountAddress: ACCOUNT,
      agentKeyRef: { source: "secretsmanager", name: "copy/agent-1" },
      network: "testnet",
    });
    expect(followerBodySchema.parse(live({ agent_key_ref: "env:HL_AGENT_KEY" }))).toMatchObject({
      agentKeyRef: { source: "env", name: "HL_AGENT_KEY" },
    });
  });

  it("converts JSON numbers exactly (0.1 stays 0.1, not 0.1000000000000000055…) and refuses ones a double may have changed", () => {
    expect(followerBodySchema.parse(paper({ paper_balance_usd: 0.1 }))).toMatchObject({ paperBalanceUsd: "0.1" });
    expect(followerBodySchema.parse(paper({ paper_balance_usd: 12345.678 }))).toMatchObject({ paperBalanceUsd: "12345.678" });
    // 0.1 + 0.2 is 0.30000000000000004: 17 significant digits, more than a double keeps faithfully.
    expect(messages(paper({ paper_balance_usd: 0.1 + 0.2 }))[0]).toMatch(/paper_balance_usd must be a positive decimal number/);
    expect(messages(paper({ paper_balance_usd: "1e3" }))[0]).toMatch(/paper_balance_usd/);
    expect(messages(paper({ paper_balance_usd: "0" }))[0]).toMatch(/paper_balance_usd must be a positive/);
    expect(messages(paper({ paper_balance_usd: -5 }))[0]).toMatch(/paper_balance_usd must be a positive/);
  });

  it("requires account_address, agent_key_ref and network of a live follower, and refuses a paper balance", () => {
    const { account_address: _a, agent_key_ref: _k, network: _n, ...bare } = live();
    expect(messages({ ...bare, paper_balance_usd: "100" })).toEqual([
      "a live follower needs account_address: the account its agent wallet trades for",
      'a live follower needs agent_key_ref ("secretsmanager:<name>" or "env:<VAR>")',
      "a live follower needs network: mainnet or testnet (try testnet first)",
      "paper_balance_usd is for paper followers only",
    ]);
  });

  it("refuses live-only fields on a paper follower, and needs its balance", () => {
    expect(messages(paper({ account_address: ACCOUNT, agent_key_ref: "env:KEY", network: "mainnet" }))).toEqual([
      "account_address is for live followers only; a paper follower trades nothing real",
      "agent_key_ref is for live followers only; a paper follower trades nothing real",
      "network is for live followers only; a paper follower trades nothing real",
    ]);
    const { paper_balance_usd: _b, ...noBalance } = paper();
    expect(messages(noBalance)).toEqual(["a paper follower needs paper_balance_usd: the balance it starts with"]);
  });

  it("refuses a coin in both coins_allow and coins_deny, a leader listed twice, and a misspelt cap", () => {
    expect(messages(paper({ caps: { coins_allow: ["BTC", "ETH"], coins_deny: ["ETH", "SOL"] } }))).toEqual([
      "coins_allow and coins_deny both name ETH: a coin may be in one list only",
    ]);
    const twice = { address: LEADER, sizing: { mode: "fixed_ratio", ratio: 1 } };
    expect(messages(paper({ leaders: [twice, twice] }))).toEqual([`leader ${LEADER} is listed twice`]);
    expect(messages(paper({ caps: { max_position: "100" } }))[0]).toMatch(/max_position/);
  });

  it("bounds max_drawdown to (0, 1], the slippage to 0–1000 bps, and the webhook to https", () => {
    expect(followerBodySchema.parse(paper({ caps: { max_drawdown: 1 } })).caps.maxDrawdown).toBe("1");
    expect(messages(paper({ caps: { max_drawdown: "1.01" } }))).toEqual([
      "max_drawdown is a fraction of peak equity: above 0 and at most 1 (0.2 = 20%)",
    ]);
    expect(messages(paper({ caps: { max_drawdown: 0 } }))[0]).toMatch(/max_drawdown must be a positive/);
    expect(messages(paper({ caps: { max_slippage_bps: 1001 } }))).toEqual(["max_slippage_bps must be between 0 and 1000 (10%)"]);
    expect(messages(paper({ caps: { max_slippage_bps: 2.5 } }))).toEqual(["max_slippage_bps must be a whole number of basis points"]);
    expect(messages(paper({ alerts_webhook_url: "http://hooks.example.com/x" }))).toEqual([
      "alerts_webhook_url must be an https:// URL (http:// only for localhost)",
    ]);
    expect(messages(paper({ alerts_webhook_url: "ftp://hooks.example.com/x" }))).toEqual([
      "alerts_webhook_url must be an https:// URL (http:// only for localhost)",
    ]);
    // A receiver on this machine (the demo's, a developer's) may be plain http.
    expect(followerBodySchema.parse(paper({ alerts_webhook_url: "http://localhost:8787/alerts" })).alertsWebhookUrl).toBe("http://localhost:8787/alerts");
    expect(followerBodySchema.parse(paper({ alerts_webhook_url: "http://127.0.0.1/a" })).alertsWebhookUrl).toBe("http://127.0.0.1/a");
  });

  it("takes on_pause and a paper follower's taker_fee_rate (0 to 1%), which a live follower may not set", () => {
    expect(followerBodySchema.parse(paper({ on_pause: "close", taker_fee_rate: "0.00020" }))).toMatchObject({
      onPause: "close",
      takerFeeRate: "0.0002",
    });
    // A zero fee (a fee-free simulation) is allowed; 0.045% written as 0.045 (4.5%) is not.
    expect(followerBodySchema.parse(paper({ taker_fee_rate: 0 }))).toMatchObject({ takerFeeRate: "0" });
    expect(messages(paper({ taker_fee_rate: "0.045" }))).toEqual([
      "taker_fee_rate is a fraction of notional: at most 0.01 (1%); 0.045% is 0.00045",
    ]);
    expect(messages(paper({ taker_fee_rate: "-0.0001" }))[0]).toMatch(/taker_fee_rate must be a non-negative decimal/);
    expect(messages(paper({ on_pause: "sell" }))).toEqual(["on_pause must be one of: keep, close"]);
    expect(messages(live({ taker_fee_rate: "0.0002" }))).toEqual([
      "taker_fee_rate is for paper followers only: a live follower pays the exchange's fee",
    ]);
    expect(followerBodySchema.parse(live({ on_pause: "keep" }))).toMatchObject({ onPause: "keep" });
  });

  it("turns a config back into the body that parses to it (what the table stores and PATCH merges into)", () => {
    const bodies = [
      paper({ on_pause: "close", taker_fee_rate: "0.0001", alerts_webhook_url: "https://h.example.com/x", start: "sync_now" }),
      live({
        leaders: [{ address: LEADER2, sizing: { mode: "fixed_notional", notional_usd: "250" } }],
        caps: { max_position_usd: "5000", coins_allow: ["BTC"], max_signal_age_seconds: 30, max_drawdown: "0.2", daily_loss_limit_usd: "10", max_leverage: "2", max_total_exposure_usd: "9000", coins_deny: ["ETH"] },
      }),
    ];
    for (const b of bodies) {
      const config = followerBodySchema.parse(b);
      expect(followerBodySchema.parse(followerBody(config))).toEqual(config);
    }
    // The key reference comes back as the string the user gave, and no other live field is lost.
    expect(followerBody(followerBodySchema.parse(live()))).toMatchObject({
      agent_key_ref: "secretsmanager:copy/agent-1",
      account_address: ACCOUNT,
      network: "testnet",
      caps: { max_slippage_bps: 50 },
      start: "new_changes_only",
    });
  });

  it("patches what may change, and checks the merged config's cross-field rules again", () => {
    const current = followerBodySchema.parse(paper({ caps: { coins_deny: ["DOGE"] } }));
    const renamed = patchFollowerConfig(current, { name: "renamed", alerts_webhook_url: "https://h.example.com/y" });
    expect(renamed.success && renamed.data).toEqual({ ...current, name: "renamed", alertsWebhookUrl: "https://h.example.com/y" });
    // null removes the webhook.
    const withHook = { ...current, alertsWebhookUrl: "https://h.example.com/y" };
    const unhooked = patchFollowerConfig(withHook, { alerts_webhook_url: null });
    expect(unhooked.success && unhooked.data).toEqual(current);
    // caps replace the whole object: coins_allow naming DOGE is fine once coins_deny is gone…
    const caps = patchFollowerConfig(current, { caps: { coins_allow: ["DOGE"] } });
    expect(caps.success && caps.data.caps).toEqual({ maxSlippageBps: 50, coinsAllow: ["DOGE"] });
    // …and a leader listed twice is refused as at creation.
    const twice = { address: LEADER2, sizing: { mode: "fixed_ratio", ratio: "1" } };
    const refused = patchFollowerConfig(current, { leaders: [twice, twice] });
    expect(refused.success ? [] : refused.error.issues.map((i) => i.message)).toEqual([`leader ${LEADER2} is listed twice`]);
    // A field fixed at creation is named, whatever its value (even the one it has).
    const fixed = followerPatchSchema.safeParse({ name: "x", mode: "paper", network: "mainnet" });
    expect(fixed.success ? [] : fixed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
      "mode: mode cannot change after creation: stop this follower and create another",
      "network: network cannot change after creation: stop this follower and create another",
    ]);
    expect(followerPatchSchema.safeParse({ name: "x", cap: {} }).success).toBe(false);
    expect(IMMUTABLE_FOLLOWER_FIELDS).toEqual(["mode", "start", "paper_balance_usd", "account_address", "agent_key_ref", "network"]);
  });

  it("refuses bad leader addresses, sizing modes and key references with what was expected", () => {
    expect(messages(paper({ leaders: [{ address: "0x123", sizing: { mode: "fixed_ratio", ratio: 1 } }] }))).toEqual([
      "expected 0x followed by 40 hexadecimal digits",
    ]);
    expect(messages(paper({ leaders: [{ address: LEADER, sizing: { mode: "mirror" } }] }))).toEqual([
      "sizing.mode must be one of: proportional, fixed_ratio, fixed_notional",
    ]);
    expect(messages(paper({ leaders: [] }))).toEqual(["leaders must list at least one leader"]);
    expect(messages(live({ agent_key_ref: "0xdeadbeef" }))[0]).toMatch(/never the key itself/);
  });

  it("renders as the JSON Schema an OpenAPI request body takes (as openapi.ts converts schemas)", () => {
    const schema = z.toJSONSchema(followerBodySchema, { io: "input", unrepresentable: "any" }) as unknown as {
      required: string[];
      properties: { caps: { properties: Record<string, { default?: unknown; description?: string }> } };
    };
    expect(schema.required).toEqual(["name", "mode", "leaders"]);
    expect(schema.properties.caps.properties.max_slippage_bps?.default).toBe(50);
    expect(schema.properties.caps.properties.max_drawdown?.description).toMatch(/fraction below its peak/);
  });
});
