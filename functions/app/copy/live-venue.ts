import { dec, decStr, sumDec } from "#commons/decimal.js";
import type { AppLogger } from "#commons/logger.js";
import type { LiveFollowerConfig, Network } from "#domain/copy/follower.js";
import type { CopyVenue, VenueOrder, VenueOrderResult } from "#domain/copy/ports.js";
import type { CallOptions, ExchangePort, Fill } from "#domain/exchange.js";
import type { HyperliquidClient } from "#hyperliquid/client.js";
import { BudgetTimeoutError, ExchangeRequestError } from "#hyperliquid/errors.js";
import { cancelAction, iocOrderAction, type IocOrder } from "#hyperliquid/exchange/actions.js";
import type { ExchangeActionClient } from "#hyperliquid/exchange/client.js";
import type { AgentKey, AgentKeyLoader, AgentKeyRef } from "#hyperliquid/exchange/keys.js";
import type { NonceSource } from "#hyperliquid/exchange/nonce.js";
import { signExchangeRequest } from "#hyperliquid/exchange/request.js";
import type { OrderOutcome } from "#hyperliquid/exchange/responses.js";
import { orderStatusResponseSchema } from "#hyperliquid/schemas.js";
import { TransportGaveUpError } from "#hyperliquid/transport.js";
import type { AssetDirectory } from "./live-venue-assets.js";
import { fillTotals, resultOfOrderStatus } from "./live-venue-fills.js";

/**
 * A live follower's venue: its account on the exchange, traded by its agent (API) wallet.
 * - account(): `clearinghouseState` of `account_address` on the main dex and each builder dex
 *   (2 weight each): the positions, and the account values summed as equity.
 * - place(): the batch as ONE signed `order` action of IOC limits with their cloids; each status
 *   becomes a result: `filled` (partially when less than asked), an IOC that found nothing
 *   cancelled, an `error` rejected in the exchange's words. A `resting` status cannot happen to an
 *   IOC; if it ever does, the order is cancelled at once (the engine never leaves orders on the
 *   book) and reported rejected, so the next reconciliation trades from the account as it is.
 *   A fill's price and size are in the answer; its fee and closed PnL are not (null here).
 * - fillDetails(): fee and closed PnL of orders filled earlier, from the account's own fills: ONE
 *   userFillsByTime from a minute before the earliest was sent (20 weight plus 1 per 20 fills).
 *   The engine asks at most once a minute per follower for all its fills since (engine-settle.ts),
 *   where reading after every batch that filled was most of copy trading's exchange weight.
 * - resolve(): `orderStatus` with the cloid as `oid` (the exchange accepts either).
 * Nothing is retried here: the action client retries throttling and transport failures, and a
 * failure that may have reached the exchange is thrown, so the order stays pending and is resolved
 * by its cloid on the next run instead of being sent twice.
 */

export interface LiveNetwork {
  /** `/info` of the network (for mainnet, the process's one client and weight budget). */
  info: Pick<HyperliquidClient, "info" | "clearinghouseState" | "userFillsByTime"> & Pick<ExchangePort, "perpDexs" | "perpMeta">;
  actions: ExchangeActionClient;
  /** The network's listings: asset ids and builder dexes for the venue, szDecimals for copy:check's test order. */
  assets: Pick<AssetDirectory, "assetOf" | "builderDexes" | "szDecimalsOf">;
}

export interface LiveVenueDeps {
  networks: Readonly<Record<Network, LiveNetwork>>;
  /** Reads (and caches) agent keys, refusing secrets outside COPY_AGENT_SECRET_PREFIX (#hyperliquid/exchange/key-provider.js). */
  keys: AgentKeyLoader;
  nonces: NonceSource;
  logger?: AppLogger;
  /** The budget lane copy trading spends from. Default "tracking" (orders are what cannot wait). */
  call?: CallOptions;
  /** Closes the connections these deps opened (not the mainnet info client they were given). */
  close?: () => Promise<void>;
}

/** How far before sending an order its fills are looked for (clocks differ a little). */
const FILL_LOOKBACK_MS = 60_000;

/**
 * The exchange's IocCancel string: an IOC that found nothing within its limit (docs: "Error
 * responses"). The docs print it alone; the exchange's answers add the asset after it
 * (`… resting orders. asset=4`), so it is matched as the start of the error.
 */
const IOC_CANCEL = "Order could not immediately match against any resting orders.";

/** A refused cloid reuse, however the exchange words it (the docs print no string). */
const DUPLICATE_CLOID_RE = /cloid/i;

const rejectAll = (orders: readonly VenueOrder[], error: string, retryable: boolean): VenueOrderResult[] =>
  orders.map(() => ({ status: "rejected", error, retryable }));

export const keysRefOf = (ref: LiveFollowerConfig["agentKeyRef"]): AgentKeyRef =>
  ref.source === "env" ? { source: "env", variable: ref.name } : { source: "secretsmanager", name: ref.name };

export const createLiveVenue = (deps: LiveVenueDeps, config: LiveFollowerConfig): CopyVenue => {
  const net = deps.networks[config.network];
  const call: CallOptions = deps.call ?? { lane: "tracking" };
  const user = config.accountAddress;

  const fillsSince = async (startTime: number): Promise<Fill[]> => {
    try {
      return await net.info.userFillsByTime(user, startTime, undefined, call);
    } catch (error) {
      // The order's outcome stands without its fee; the error is the exchange's, logged and let go.
      deps.logger?.warn("could not read the follower's fills", { user, error: String(error) });
      return [];
    }
  };

  const orderStatus = async (order: VenueOrder) => {
    const answer = await net.info.info({ type: "orderStatus", user, oid: order.cloid.toLowerCase() }, orderStatusResponseSchema, {
      ...call,
      subject: user,
    });
    const fills = answer.status === "order" ? await fillsSince(answer.order.order.timestamp - FILL_LOOKBACK_MS) : [];
    return resultOfOrderStatus(answer, fills);
  };

  /** Cancels an order the exchange left on the book; says what became of the cancel. */
  const cancelResting = async (key: AgentKey, asset: number, oid: number): Promise<string> => {
    try {
      const request = await signExchangeRequest({ key, action: cancelAction(asset, oid), nonce: deps.nonces.next(key.address), network: config.network });
      const answer = await net.actions.cancel(request, call);
      const first = answer.ok ? answer.results[0] : answer.message;
      return first === "success" ? "cancelled" : `the cancel failed: ${typeof first === "string" ? first : first?.error}`;
    } catch (error) {
      return `the cancel failed: ${String(error)}`;
    }
  };

  const resolve = async (order: VenueOrder): Promise<VenueOrderResult | { status: "unknown" }> => {
    const result = await orderStatus(order);
    if (result.status !== "open") return result;
    // Still on the book: it must not stay there (see the header); the next run trades from the account.
    const key = await deps.keys(keysRefOf(config.agentKeyRef));
    const asset = await net.assets.assetOf(order.coin);
    const cancel = asset === null ? "not cancelled: unknown asset" : await cancelResting(key, asset, result.oid);
    return { status: "rejected", error: `IOC order ${result.oid} was resting on the book; ${cancel}`, retryable: false };
  };

  const resultOf = async (order: VenueOrder, outcome: OrderOutcome, key: AgentKey, asset: number): Promise<VenueOrderResult> => {
    switch (outcome.kind) {
      case "filled": {
        const full = dec(outcome.totalSz).gte(order.size);
        return { status: full ? "filled" : "partially_filled", oid: outcome.oid, filledSize: outcome.totalSz, avgPrice: outcome.avgPx, feeUsd: null, closedPnlUsd: null };
      }
      case "resting": {
        const cancel = await cancelResting(key, asset, outcome.oid);
        deps.logger?.warn("an IOC order rested on the book", { user, cloid: order.cloid, oid: outcome.oid, cancel });
        return { status: "rejected", error: `IOC order ${outcome.oid} rested on the book; ${cancel}`, retryable: false };
      }
      case "waiting":
        return { status: "rejected", error: `unexpected order status ${outcome.status} for an IOC order`, retryable: false };
      case "error":
        if (outcome.message.startsWith(IOC_CANCEL)) return { status: "cancelled", oid: null };
        if (DUPLICATE_CLOID_RE.test(outcome.message)) {
          // Sent before (a crash between send and answer): what the first one did is the answer.
          const earlier = await orderStatus(order);
          if (earlier.status !== "unknown" && earlier.status !== "open") return earlier;
        }
        return { status: "rejected", error: outcome.message, retryable: false };
    }
  };

  const place = async (orders: readonly VenueOrder[]): Promise<VenueOrderResult[]> => {
    if (orders.length === 0) return [];
    let key: AgentKey;
    try {
      key = await deps.keys(keysRefOf(config.agentKeyRef));
    } catch (error) {
      // A missing, unreadable or refused key: nothing can be signed until the user fixes it.
      return rejectAll(orders, error instanceof Error ? error.message : String(error), false);
    }
    const assets = await Promise.all(orders.map((o) => net.assets.assetOf(o.coin)));
    const sendable = orders.flatMap((order, i) => (assets[i] === null || assets[i] === undefined ? [] : [{ order, i, asset: assets[i] }]));
    const results: VenueOrderResult[] = orders.map((o) => ({ status: "rejected", error: `${o.coin} is not listed on ${config.network}`, retryable: false }));
    if (sendable.length === 0) return results;

    const iocs: IocOrder[] = sendable.map(({ order, asset }) => ({
      asset,
      isBuy: order.isBuy,
      price: order.limitPrice,
      size: order.size,
      reduceOnly: order.reduceOnly,
      cloid: order.cloid,
    }));
    const request = await signExchangeRequest({
      key,
      action: iocOrderAction(iocs),
      nonce: deps.nonces.next(key.address),
      network: config.network,
      ...(deps.logger && { logger: deps.logger }),
    });
    const answer = await sendOrders(net.actions, request, { ...call, urgent: true });
    if ("notSent" in answer) {
      for (const s of sendable) results[s.i] = { status: "rejected", error: answer.notSent, retryable: answer.retryable };
      return results;
    }
    if (!answer.ok) {
      for (const s of sendable) results[s.i] = { status: "rejected", error: answer.message, retryable: false };
      return results;
    }
    // A payload refused at pre-validation gets one error for the whole batch (docs: "Error responses").
    const outcomes = answer.outcomes.length === 1 && sendable.length > 1 ? sendable.map(() => answer.outcomes[0]!) : answer.outcomes;
    if (outcomes.length !== sendable.length) {
      throw new Error(`the exchange answered ${outcomes.length} statuses for ${sendable.length} orders`);
    }
    await Promise.all(sendable.map(async (s, j) => (results[s.i] = await resultOf(s.order, outcomes[j]!, key, s.asset))));
    return results;
  };

  /**
   * Throws when the read fails (the exchange's error, or the budget's): an empty answer would read
   * as "no fill found", and the engine gives up on an order not found for long; a failure keeps
   * them all for the next read.
   */
  const fillDetails = async (orders: readonly { oid: number; sentAt: number }[]) => {
    const details = new Map<number, { feeUsd: string; closedPnlUsd: string }>();
    if (orders.length === 0) return details;
    const since = Math.min(...orders.map((o) => o.sentAt)) - FILL_LOOKBACK_MS;
    const fills = await net.info.userFillsByTime(user, since, undefined, call);
    for (const { oid } of orders) {
      const totals = fillTotals(fills, oid);
      if (totals !== null) details.set(oid, { feeUsd: totals.feeUsd, closedPnlUsd: totals.closedPnlUsd });
    }
    return details;
  };

  return {
    async account() {
      const dexes = ["", ...(await net.assets.builderDexes())];
      const states = await Promise.all(dexes.map((dex) => net.info.clearinghouseState(user, call, dex === "" ? undefined : dex)));
      const positions: Record<string, { szi: string; entryPx: string }> = {};
      for (const state of states) {
        for (const p of state.positions) if (dec(p.szi).abs().gt(0)) positions[p.coin] = { szi: p.szi, entryPx: p.entryPx ?? "0" };
      }
      return { positions, equityUsd: decStr(sumDec(states.map((s) => s.accountValue))) };
    },
    place: (orders) => place(orders),
    resolve,
    fillDetails,
  };
};

type SendResult = Awaited<ReturnType<ExchangeActionClient["placeOrders"]>> | { notSent: string; retryable: boolean };

/**
 * Sends the action; a failure that certainly did not reach the exchange (the budget would not
 * grant the weight, every attempt was throttled, the exchange refused the request itself) is a
 * rejection, retryable when it was throttling. Anything that may have reached it is thrown.
 */
const sendOrders = async (
  actions: ExchangeActionClient,
  request: Parameters<ExchangeActionClient["placeOrders"]>[0],
  call: CallOptions,
): Promise<SendResult> => {
  try {
    return await actions.placeOrders(request, call);
  } catch (error) {
    if (error instanceof BudgetTimeoutError) return { notSent: `not sent: ${error.message}`, retryable: true };
    if (error instanceof TransportGaveUpError && !error.reached) return { notSent: `not sent: ${error.message}`, retryable: true };
    if (error instanceof ExchangeRequestError) return { notSent: `refused by the exchange: ${error.message}`, retryable: false };
    throw error;
  }
};

/**
 * The copy worker's factory: the agent key is read (or found in the cache) before the venue is
 * used, so a follower whose key is missing, unreadable or outside the prefix is paused by the
 * engine saying why (#app/copy/venues.js), instead of refusing every order of every run.
 */
export const openLiveVenue = async (deps: LiveVenueDeps, config: LiveFollowerConfig): Promise<CopyVenue> => {
  await deps.keys(keysRefOf(config.agentKeyRef));
  return createLiveVenue(deps, config);
};
