import { z } from "zod";
import { parseAddress, type Address } from "#domain/address.js";
import { dec, decStr } from "#commons/decimal.js";
import {
  DEFAULT_MAX_SLIPPAGE_BPS,
  formatAgentKeyRef,
  type AgentKeyRef,
  type Caps,
  type FollowerConfig,
  type Sizing,
} from "#domain/copy/follower.js";

/**
 * The `POST /followers` body (snake_case, as the API speaks) parsed into a FollowerConfig. Unknown
 * keys are refused: a misspelt cap (`max_position`) silently ignored would copy without the limit
 * the user believes he set.
 */

/** Up to 15 integer digits and 18 decimals, as the API's other amounts (min_volume_usd). */
const AMOUNT_RE = /^\d{1,15}(\.\d{1,18})?$/;
/**
 * Any decimal of at most 15 significant digits survives the trip through a double unchanged, so a
 * JSON number whose shortest spelling has ≤ 15 digits is exactly what the client wrote; a longer
 * one may not be, and must come as a string.
 */
const SAFE_SIGNIFICANT_DIGITS = 15;

const significantDigits = (plain: string): number => plain.replace(/^[-0.]+/, "").replace(".", "").replace(/0+$/, "").length;

/** A positive (or, with `zero`, non-negative) exact amount, from a decimal string or a JSON number converted exactly. */
const toPositiveAmount =
  (name: string, example: string, zero = false) =>
  (value: string | number, ctx: z.RefinementCtx): string => {
    const message = `${name} must be a ${zero ? "non-negative" : "positive"} decimal number (a string like "${example}", or a JSON number of at most ${SAFE_SIGNIFICANT_DIGITS} significant digits)`;
    let plain: string;
    if (typeof value === "number") {
      if (!Number.isFinite(value)) return fail(ctx, message);
      plain = dec(value).toFixed();
      if (significantDigits(plain) > SAFE_SIGNIFICANT_DIGITS) return fail(ctx, message);
    } else plain = value.trim();
    if (!AMOUNT_RE.test(plain) || dec(plain).lt(0) || (!zero && dec(plain).eq(0))) return fail(ctx, message);
    return decStr(dec(plain));
  };

const positiveAmount = (name: string, example: string, description: string) =>
  z
    .union([z.string(), z.number()])
    .meta({
      description: `${description}. A positive exact decimal: a string ("${example}") or a JSON number of at most ${SAFE_SIGNIFICANT_DIGITS} significant digits`,
    })
    .transform(toPositiveAmount(name, example));

const fail = (ctx: z.RefinementCtx, message: string): never => {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
};

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "expected 0x followed by 40 hexadecimal digits")
  .transform((s): Address => parseAddress(s));

const sizing = z.discriminatedUnion(
  "mode",
  [
    z.strictObject({ mode: z.literal("proportional"), multiplier: positiveAmount("multiplier", "1", "Follower size = leader size × (follower equity ÷ leader equity) × multiplier, the equities when the leader last changed his position in the coin") }),
    z.strictObject({ mode: z.literal("fixed_ratio"), ratio: positiveAmount("ratio", "0.1", "Follower size = leader size × ratio") }),
    z.strictObject({ mode: z.literal("fixed_notional"), notional_usd: positiveAmount("notional_usd", "100", "A new leader position opens at this USD notional; his later adds and reductions scale it by the same fraction as his size") }),
  ],
  { error: () => "sizing.mode must be one of: proportional, fixed_ratio, fixed_notional" },
);

const toSizing = (s: z.output<typeof sizing>): Sizing =>
  s.mode === "fixed_notional" ? { mode: "fixed_notional", notionalUsd: s.notional_usd } : s;

const coin = z.string().min(1).max(32);
const coinList = (name: string) => z.array(coin).min(1, `${name} must name at least one coin when given`).max(500);

const caps = z.strictObject({
  max_position_usd: positiveAmount("max_position_usd", "5000", "Largest notional (USD, at the mid) per coin").optional(),
  max_total_exposure_usd: positiveAmount("max_total_exposure_usd", "20000", "Largest Σ notional over all coins (USD); above it every coin scales down by one factor").optional(),
  max_leverage: positiveAmount("max_leverage", "3", "Total notional ≤ follower equity × this").optional(),
  coins_allow: coinList("coins_allow").optional(),
  coins_deny: coinList("coins_deny").optional(),
  max_slippage_bps: z
    .number({ error: () => "max_slippage_bps must be a whole number of basis points" })
    .int("max_slippage_bps must be a whole number of basis points")
    .min(0, "max_slippage_bps must be between 0 and 1000 (10%)")
    .max(1000, "max_slippage_bps must be between 0 and 1000 (10%)")
    .default(DEFAULT_MAX_SLIPPAGE_BPS),
  max_signal_age_seconds: z
    .number()
    .int("max_signal_age_seconds must be a whole number of seconds")
    .positive("max_signal_age_seconds must be at least 1")
    .optional(),
  daily_loss_limit_usd: positiveAmount("daily_loss_limit_usd", "500", "Pause when today's (UTC) realized + unrealized loss, fees included, reaches this").optional(),
  max_drawdown: positiveAmount("max_drawdown", "0.2", "Pause when equity falls this fraction below its peak (0 < x ≤ 1)")
    .refine((s) => dec(s).lte(1), "max_drawdown is a fraction of peak equity: above 0 and at most 1 (0.2 = 20%)")
    .optional(),
});

const agentKeyRef = z
  .string()
  .regex(
    /^(secretsmanager:[A-Za-z0-9/_+=.@-]{1,512}|env:[A-Za-z_][A-Za-z0-9_]{0,127})$/,
    'agent_key_ref must be "secretsmanager:<secret name>" or "env:<VARIABLE>"; it names where the agent key is, never the key itself',
  )
  .transform((s): AgentKeyRef => {
    const colon = s.indexOf(":");
    return { source: s.slice(0, colon) as AgentKeyRef["source"], name: s.slice(colon + 1) };
  });

/** https, or plain http to this machine only (a local receiver): alerts may name the follower's positions. */
export const webhookUrl = z
  .url({ protocol: /^https?$/, error: () => "alerts_webhook_url must be an https:// URL (http:// only for localhost)" })
  .max(2048)
  // (zod runs this after a failed url check too: only an http URL is this rule's to refuse)
  .refine((u) => !URL.canParse(u) || new URL(u).protocol !== "http:" || ["localhost", "127.0.0.1", "[::1]"].includes(new URL(u).hostname), {
    message: "alerts_webhook_url must be an https:// URL (http:// only for localhost)",
  })
  .meta({ description: "Gets a JSON POST on every pause, error and fill. https (http only for localhost)" });

const onPause = z
  .enum(["keep", "close"], { error: () => "on_pause must be one of: keep, close" })
  .meta({ description: 'What a pause (the kill switch\'s or the user\'s) does with open positions; default "keep"' });

/** At most 1%: the exchange's taker fee is 0.045% at the base tier; a larger figure is a typo (4.5 for 0.045%). */
const MAX_TAKER_FEE_RATE = "0.01";
const takerFeeRate = z
  .union([z.string(), z.number()])
  .meta({ description: 'Paper only: the simulated taker fee as a fraction of notional (default "0.00045", 0.045%); 0 to 0.01' })
  .transform(toPositiveAmount("taker_fee_rate", "0.00045", true))
  .refine((s) => dec(s).lte(MAX_TAKER_FEE_RATE), "taker_fee_rate is a fraction of notional: at most 0.01 (1%); 0.045% is 0.00045");

const body = z.strictObject({
  name: z.string().trim().min(1, "name must not be empty").max(100, "name must be at most 100 characters"),
  mode: z.enum(["paper", "live"], { error: () => "mode must be one of: paper, live" }),
  leaders: z
    .array(z.strictObject({ address, sizing }))
    .min(1, "leaders must list at least one leader")
    .max(50, "leaders may list at most 50 leaders"),
  caps: caps.default({ max_slippage_bps: DEFAULT_MAX_SLIPPAGE_BPS }),
  start: z.enum(["new_changes_only", "sync_now"], { error: () => "start must be one of: new_changes_only, sync_now" }).default("new_changes_only"),
  paper_balance_usd: positiveAmount("paper_balance_usd", "10000", "Paper only: the balance the paper account starts with (USD)").optional(),
  account_address: address.optional(),
  agent_key_ref: agentKeyRef.optional(),
  network: z.enum(["mainnet", "testnet"], { error: () => "network must be one of: mainnet, testnet" }).optional(),
  alerts_webhook_url: webhookUrl.optional(),
  on_pause: onPause.optional(),
  taker_fee_rate: takerFeeRate.optional(),
});

type Body = z.output<typeof body>;

/** The rules that tie fields together, each with the message a user can act on. */
const crossFieldRules = (b: Body, ctx: z.RefinementCtx): void => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
  if (b.mode === "live") {
    if (b.account_address === undefined) issue(["account_address"], "a live follower needs account_address: the account its agent wallet trades for");
    if (b.agent_key_ref === undefined) issue(["agent_key_ref"], 'a live follower needs agent_key_ref ("secretsmanager:<name>" or "env:<VAR>")');
    if (b.network === undefined) issue(["network"], "a live follower needs network: mainnet or testnet (try testnet first)");
    if (b.paper_balance_usd !== undefined) issue(["paper_balance_usd"], "paper_balance_usd is for paper followers only");
    if (b.taker_fee_rate !== undefined) issue(["taker_fee_rate"], "taker_fee_rate is for paper followers only: a live follower pays the exchange's fee");
  } else {
    if (b.paper_balance_usd === undefined) issue(["paper_balance_usd"], "a paper follower needs paper_balance_usd: the balance it starts with");
    for (const key of ["account_address", "agent_key_ref", "network"] as const) {
      if (b[key] !== undefined) issue([key], `${key} is for live followers only; a paper follower trades nothing real`);
    }
  }
  const seen = new Set<string>();
  b.leaders.forEach((leader, i) => {
    if (seen.has(leader.address)) issue(["leaders", i, "address"], `leader ${leader.address} is listed twice`);
    seen.add(leader.address);
  });
  const deny = new Set(b.caps.coins_deny ?? []);
  const both = (b.caps.coins_allow ?? []).filter((c) => deny.has(c));
  if (both.length > 0) issue(["caps"], `coins_allow and coins_deny both name ${both.join(", ")}: a coin may be in one list only`);
};

const toConfig = (b: Body): FollowerConfig => {
  const c = b.caps;
  const capsOut: Caps = { maxSlippageBps: c.max_slippage_bps };
  if (c.max_position_usd !== undefined) capsOut.maxPositionUsd = c.max_position_usd;
  if (c.max_total_exposure_usd !== undefined) capsOut.maxTotalExposureUsd = c.max_total_exposure_usd;
  if (c.max_leverage !== undefined) capsOut.maxLeverage = c.max_leverage;
  if (c.coins_allow !== undefined) capsOut.coinsAllow = c.coins_allow;
  if (c.coins_deny !== undefined) capsOut.coinsDeny = c.coins_deny;
  if (c.max_signal_age_seconds !== undefined) capsOut.maxSignalAgeSeconds = c.max_signal_age_seconds;
  if (c.daily_loss_limit_usd !== undefined) capsOut.dailyLossLimitUsd = c.daily_loss_limit_usd;
  if (c.max_drawdown !== undefined) capsOut.maxDrawdown = c.max_drawdown;
  const base = {
    name: b.name,
    leaders: b.leaders.map((l) => ({ address: l.address, sizing: toSizing(l.sizing) })),
    caps: capsOut,
    start: b.start,
    ...(b.alerts_webhook_url === undefined ? {} : { alertsWebhookUrl: b.alerts_webhook_url }),
    ...(b.on_pause === undefined ? {} : { onPause: b.on_pause }),
  };
  return b.mode === "live"
    ? {
        ...base,
        mode: "live",
        accountAddress: present(b.account_address),
        agentKeyRef: present(b.agent_key_ref),
        network: present(b.network),
      }
    : {
        ...base,
        mode: "paper",
        paperBalanceUsd: present(b.paper_balance_usd),
        ...(b.taker_fee_rate === undefined ? {} : { takerFeeRate: b.taker_fee_rate }),
      };
};

/** crossFieldRules ran first (a transform never sees a body with issues): the mode's fields are there. */
const present = <T>(value: T | undefined): T => {
  if (value === undefined) throw new Error("follower body: a field the cross-field rules require is missing");
  return value;
};

export const followerBodySchema = body.superRefine(crossFieldRules).transform(toConfig);

/** The body as the API takes it: what followerBody returns and followerBodySchema parses. */
export type FollowerBody = z.input<typeof body>;

/**
 * The inverse of followerBodySchema: the snake_case body that parses back to exactly `config`
 * (the followers table stores this form, and PATCH merges into it and parses the whole again).
 */
export const followerBody = (config: FollowerConfig): FollowerBody => {
  const c = config.caps;
  const out: FollowerBody = {
    name: config.name,
    mode: config.mode,
    leaders: config.leaders.map((l) => ({
      address: l.address,
      sizing: l.sizing.mode === "fixed_notional" ? { mode: "fixed_notional", notional_usd: l.sizing.notionalUsd } : { ...l.sizing },
    })),
    caps: {
      max_slippage_bps: c.maxSlippageBps,
      ...(c.maxPositionUsd !== undefined && { max_position_usd: c.maxPositionUsd }),
      ...(c.maxTotalExposureUsd !== undefined && { max_total_exposure_usd: c.maxTotalExposureUsd }),
      ...(c.maxLeverage !== undefined && { max_leverage: c.maxLeverage }),
      ...(c.coinsAllow !== undefined && { coins_allow: [...c.coinsAllow] }),
      ...(c.coinsDeny !== undefined && { coins_deny: [...c.coinsDeny] }),
      ...(c.maxSignalAgeSeconds !== undefined && { max_signal_age_seconds: c.maxSignalAgeSeconds }),
      ...(c.dailyLossLimitUsd !== undefined && { daily_loss_limit_usd: c.dailyLossLimitUsd }),
      ...(c.maxDrawdown !== undefined && { max_drawdown: c.maxDrawdown }),
    },
    start: config.start,
    ...(config.alertsWebhookUrl !== undefined && { alerts_webhook_url: config.alertsWebhookUrl }),
    ...(config.onPause !== undefined && { on_pause: config.onPause }),
  };
  if (config.mode === "paper") {
    out.paper_balance_usd = config.paperBalanceUsd;
    if (config.takerFeeRate !== undefined) out.taker_fee_rate = config.takerFeeRate;
  } else {
    out.account_address = config.accountAddress;
    out.agent_key_ref = formatAgentKeyRef(config.agentKeyRef);
    out.network = config.network;
  }
  return out;
};

/**
 * PATCH /followers/{id}: what may change after creation. The rest is fixed: the mode, the account
 * and its key, the network, the paper balance (the ledger started from it) and the start (applied
 * once, when following began). `leaders` and `caps` replace the whole list / object;
 * `alerts_webhook_url: null` removes the webhook.
 */
export const IMMUTABLE_FOLLOWER_FIELDS = ["mode", "start", "paper_balance_usd", "account_address", "agent_key_ref", "network"] as const;

const fixed = (field: (typeof IMMUTABLE_FOLLOWER_FIELDS)[number]) =>
  z.never({ error: () => `${field} cannot change after creation: stop this follower and create another` }).meta({ description: "Cannot change" });

export const followerPatchSchema = z
  .strictObject({
    name: body.shape.name,
    leaders: body.shape.leaders,
    caps: caps,
    alerts_webhook_url: webhookUrl.nullable(),
    on_pause: onPause,
    taker_fee_rate: takerFeeRate,
    ...(Object.fromEntries(IMMUTABLE_FOLLOWER_FIELDS.map((f) => [f, fixed(f)])) as Record<(typeof IMMUTABLE_FOLLOWER_FIELDS)[number], z.ZodNever>),
  })
  .partial();

/**
 * The config after a patch: the stored body with the patch's fields in place, to be parsed whole again,
 * so every rule that ties fields together (leaders listed twice, both coin lists, taker_fee_rate
 * on a live follower) holds after the change as it did at creation.
 */
export const mergeFollowerPatch = (current: FollowerConfig, patch: Record<string, unknown>): Record<string, unknown> => {
  const merged: Record<string, unknown> = { ...followerBody(current), ...patch };
  if (merged.alerts_webhook_url === null) delete merged.alerts_webhook_url;
  return merged;
};

export const patchFollowerConfig = (current: FollowerConfig, patch: Record<string, unknown>): z.ZodSafeParseResult<FollowerConfig> =>
  followerBodySchema.safeParse(mergeFollowerPatch(current, patch));
