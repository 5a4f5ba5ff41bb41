import { z } from "zod";
import { dec, decStr } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { deriveCloid } from "#domain/copy/cloid.js";
import { isFill } from "#domain/copy/engine-account.js";
import { MIN_ORDER_NOTIONAL_USD, roundPrice } from "#domain/copy/exchange-rules.js";
import type { LiveFollowerConfig, Network } from "#domain/copy/follower.js";
import { allMidsSchema, userRateLimitSchema } from "#hyperliquid/schemas.js";
import { createLiveVenue, keysRefOf, type LiveNetwork, type LiveVenueDeps } from "./live-venue.js";

/**
 * Before a live follower's first order: is its agent key readable, approved for the account on
 * this network, the account funded, with address-based requests left? And, when asked, does the exchange take an order signed
 * by the agent? That order is an IOC buy of about $11 at 10% below the mid, which no ask meets:
 * the exchange checks the signature, the agent's approval, the nonce, the asset and the tick and
 * lot, then cancels it for finding nothing. Nothing trades; it spends one of the account's
 * address-based requests. Through the live venue itself (#app/copy/live-venue.js), so what is
 * checked is what the copy engine sends. `npm run copy:check` is its command line (local/copy-check.ts).
 */

export interface LiveCheckInput {
  network: Network;
  account: Address;
  keyRef: LiveFollowerConfig["agentKeyRef"];
  /** The coin of the test order. */
  coin: string;
  /** Send the test order (the only step that writes to the exchange). */
  order: boolean;
}

export interface CheckStep {
  step: "agent key" | "agent approved" | "account" | "requests" | "signed order";
  ok: boolean;
  detail: string;
}

/** The test order's limit: far enough below the mid that no ask meets it, near enough to be accepted. */
const BELOW_MID = dec("0.9");
/** Above the $10 minimum, so the size is not what the exchange refuses. */
const TEST_NOTIONAL_USD = MIN_ORDER_NOTIONAL_USD.plus(1);

/** Fewer requests left than this and a follower would soon have its orders refused. */
const MIN_REQUESTS_LEFT = 100;

const roleSchema = z.looseObject({ role: z.string(), data: z.looseObject({ user: z.string() }).optional() });

export const checkLiveAccount = async (
  deps: Pick<LiveVenueDeps, "keys" | "nonces" | "logger"> & { net: LiveNetwork; now: () => number },
  input: LiveCheckInput,
): Promise<CheckStep[]> => {
  const steps: CheckStep[] = [];
  const { net } = deps;
  let agent: Address;
  try {
    agent = (await deps.keys(keysRefOf(input.keyRef))).account.address.toLowerCase() as Address;
    steps.push({ step: "agent key", ok: true, detail: `read; the agent's address is ${agent}` });
  } catch (error) {
    steps.push({ step: "agent key", ok: false, detail: error instanceof Error ? error.message : String(error) });
    return steps;
  }

  const role = await net.info.info({ type: "userRole", user: agent }, roleSchema, { lane: "tracking", subject: agent });
  const approvedFor = role.role === "agent" ? role.data?.user.toLowerCase() : undefined;
  if (approvedFor === input.account) {
    steps.push({ step: "agent approved", ok: true, detail: `an agent of ${input.account} on ${input.network}` });
  } else {
    const what = approvedFor !== undefined ? `an agent of ${approvedFor}, not of ${input.account}` : `not an agent (the exchange says "${role.role}")`;
    steps.push({ step: "agent approved", ok: false, detail: `${agent} is ${what} on ${input.network}: approve it for the account on the exchange's API page` });
    return steps;
  }

  const config: LiveFollowerConfig = {
    name: "copy:check",
    mode: "live",
    accountAddress: input.account,
    agentKeyRef: input.keyRef,
    network: input.network,
    leaders: [],
    caps: { maxSlippageBps: 50 },
    start: "new_changes_only",
  };
  const venue = createLiveVenue({ networks: { mainnet: net, testnet: net }, keys: deps.keys, nonces: deps.nonces, ...(deps.logger && { logger: deps.logger }) }, config);
  const account = await venue.account();
  const funded = dec(account.equityUsd).gt(0);
  const held = Object.keys(account.positions);
  steps.push({
    step: "account",
    ok: funded,
    detail: `account value ${account.equityUsd} USD, ${held.length === 0 ? "no positions" : `positions in ${held.join(", ")}`}${funded ? "" : ": fund its perps account first (on testnet, the faucet; USDC in spot is not counted here)"}`,
  });

  // The address-based limit: orders past it are refused until the account trades more.
  const limit = await net.info.info({ type: "userRateLimit", user: input.account }, userRateLimitSchema, { lane: "tracking", subject: input.account });
  const left = limit.nRequestsCap - limit.nRequestsUsed;
  steps.push({
    step: "requests",
    ok: left >= MIN_REQUESTS_LEFT,
    detail:
      `${limit.nRequestsUsed} of ${limit.nRequestsCap} address-based requests used, ${left} left (one more per 1 USDC traded)` +
      (left >= MIN_REQUESTS_LEFT ? "" : `: fewer than ${MIN_REQUESTS_LEFT}, so orders will soon be refused; the account must trade more first`),
  });
  // The test order only once everything before it passed: its answer would say no more.
  if (!input.order || steps.some((s) => !s.ok)) return steps;

  const mids = await net.info.info({ type: "allMids" }, allMidsSchema, { lane: "tracking" });
  const mid = mids[input.coin];
  const szDecimals = await net.assets.szDecimalsOf(input.coin);
  if (mid === undefined || szDecimals === null) {
    steps.push({ step: "signed order", ok: false, detail: `${input.coin} is not listed on ${input.network} (no mid or not in meta): choose another --coin` });
    return steps;
  }
  const price = roundPrice(dec(mid).times(BELOW_MID), szDecimals, "down");
  const lot = dec(1).div(dec(10).pow(szDecimals));
  const size = TEST_NOTIONAL_USD.div(price).div(lot).round(0, 3).times(lot);
  const cloid = deriveCloid({ followerId: "copy:check", eventId: `check:${deps.now()}`, coin: input.coin, leg: 0 });
  const [result] = await venue.place([{ cloid, coin: input.coin, isBuy: true, size: decStr(size), limitPrice: decStr(price), reduceOnly: false }], {});
  const order = `IOC buy ${decStr(size)} ${input.coin} at ${decStr(price)} (mid ${mid})`;
  if (result?.status === "cancelled") {
    steps.push({ step: "signed order", ok: true, detail: `${order}: the exchange took the agent's signature and cancelled the order for finding no ask that low; nothing traded` });
  } else if (result !== undefined && isFill(result)) {
    steps.push({ step: "signed order", ok: true, detail: `${order}: the exchange took the signature, and the order FILLED ${result.filledSize} at ${result.avgPrice} (an ask was that low); close it if unwanted` });
  } else {
    steps.push({ step: "signed order", ok: false, detail: `${order}: refused: ${result?.status === "rejected" ? result.error : "no answer"}` });
  }
  return steps;
};
