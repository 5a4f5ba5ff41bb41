import { createL1ActionHash } from "@nktkas/hyperliquid/signing";
import { ApproveAgentTypes } from "@nktkas/hyperliquid/api/exchange";
import { recoverTypedDataAddress } from "viem";
import { z } from "zod";
import { dec, type Decimal } from "#commons/decimal.js";
import { AddressLimit, EXCHANGE_INITIAL_REQUESTS } from "./address-limit.js";
import { dexOf } from "./coins.js";
import type { Market } from "./market.js";
import type { OrderLog, OrderRecord } from "./orders.js";
import { onTick, toTick } from "./ticks.js";
import { DESERIALIZE_ERROR, wireDec } from "./wire.js";

/**
 * POST /exchange, as far as copy trading needs it: `approveAgent` (user-signed) and `order` with
 * IOC limit orders (L1, signed by an approved agent). The signature is checked the exchange's way:
 * the signer is RECOVERED from the action, nonce and signature, so a wrong hash, chain or key
 * yields some other address, which is then "User or API Wallet … does not exist." as on the
 * exchange. It recovers with @nktkas/hyperliquid's hash and viem directly, not through our client's
 * code (functions/hyperliquid/exchange), so a bug there cannot be mirrored here and pass.
 * IOC orders fill at once against the simulator's book, modelled as the mid ± `spreadBps`, or not at
 * all; tick, lot and $10 rules answer with the exchange's error strings (docs: "Error responses").
 * Every order is remembered for `orderStatus` (./orders.ts), and a cloid the account already used
 * is refused; the address-based request limit is optional (./address-limit.ts).
 * Not modelled: margin checks, vault trading, resting orders (Gtc/Alo), nonce windows. Answers the
 * docs give no string for (those, an unknown asset, a reused cloid) start with "Simulator:", so
 * none passes for the exchange's.
 */

export interface ExchangeDeskOptions {
  /**
   * Which chain the desk is: orders must be signed with source "a" (mainnet) or "b" (testnet).
   * Default mainnet. "both" accepts either (the local runtime points both networks' URLs at one
   * simulator); the real exchange is one chain per host.
   */
  network?: "mainnet" | "testnet" | "both";
  /** Half the book's spread around the mid, in basis points. Default 5. */
  spreadBps?: number;
  /** The address-based request limit's initial buffer (10,000 on the exchange); absent: no limit. */
  requestsPerAddress?: number;
}

export type ExchangeReply = { status: 200; body: unknown } | { status: 422; text: string };

const hex = z.string().regex(/^0x[0-9a-fA-F]+$/);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const requestSchema = z.looseObject({
  action: z.looseObject({ type: z.string() }),
  nonce: z.number().int().nonnegative(),
  signature: z.looseObject({ r: hex, s: hex, v: z.number().int() }),
  vaultAddress: address.nullish(),
});
const approveAgentSchema = z.looseObject({
  type: z.literal("approveAgent"),
  signatureChainId: hex,
  hyperliquidChain: z.enum(["Mainnet", "Testnet"]),
  agentAddress: address,
  agentName: z.string().nullish(),
  nonce: z.number().int().nonnegative(),
});
const orderSchema = z.looseObject({
  a: z.number().int().nonnegative(),
  b: z.boolean(),
  p: z.string().regex(/^\d+(\.\d+)?$/),
  s: z.string().regex(/^\d+(\.\d+)?$/),
  r: z.boolean(),
  t: z.looseObject({ limit: z.looseObject({ tif: z.string() }).optional() }),
  c: z.string().regex(/^0x[0-9a-fA-F]{32}$/).optional(),
});
const orderActionSchema = z.looseObject({ type: z.literal("order"), orders: z.array(orderSchema).min(1), grouping: z.string() });

type Signature = z.infer<typeof requestSchema>["signature"];
type Order = z.infer<typeof orderSchema>;

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const ok = (response: unknown): ExchangeReply => ({ status: 200, body: { status: "ok", response } });
const err = (message: string): ExchangeReply => ({ status: 200, body: { status: "err", response: message } });
const sig = (s: Signature) => ({ r: s.r as `0x${string}`, s: s.s as `0x${string}`, v: BigInt(s.v) });

/** The exchange's weight of an action: 1 + floor(batch length / 40) (docs: "Rate limits"). */
export const exchangeWeight = (body: unknown): number => {
  const orders = (body as { action?: { orders?: unknown } } | null)?.action?.orders;
  return 1 + Math.floor((Array.isArray(orders) ? orders.length : 0) / 40);
};

export class ExchangeDesk {
  /** agent address → the user it trades for (lower case). */
  private readonly agents = new Map<string, string>();
  private readonly network: "mainnet" | "testnet" | "both";
  private readonly spread: Decimal;
  private readonly addressLimit: AddressLimit;

  constructor(
    private readonly market: Market,
    private readonly orders: OrderLog,
    opts: ExchangeDeskOptions = {},
  ) {
    this.network = opts.network ?? "mainnet";
    this.spread = dec(opts.spreadBps ?? 5).div(10_000);
    this.addressLimit =
      opts.requestsPerAddress === undefined ? new AddressLimit(EXCHANGE_INITIAL_REQUESTS, false) : new AddressLimit(opts.requestsPerAddress);
  }

  /** `userRateLimit`: the user's volume traded, and the address-based requests used and allowed. */
  rateLimitOf(user: string): { cumVlm: string; nRequestsUsed: number; nRequestsCap: number } {
    const cumVlm = this.market.account(user)?.cumVlm ?? dec(0);
    const { used, cap } = this.addressLimit.usage(user.toLowerCase(), cumVlm);
    return { cumVlm: wireDec(cumVlm), nRequestsUsed: used, nRequestsCap: cap };
  }

  /** The user an approved agent trades for (`userRole` answers it), lower case. */
  userOfAgent(agent: string): string | undefined {
    return this.agents.get(agent.toLowerCase());
  }

  /** A test's shortcut for the user's signed approveAgent. */
  approveAgent(user: string, agent: string): void {
    this.agents.set(agent.toLowerCase(), user.toLowerCase());
  }

  async handle(raw: unknown): Promise<ExchangeReply> {
    const req = requestSchema.safeParse(raw);
    if (!req.success) return { status: 422, text: DESERIALIZE_ERROR };
    const { action, nonce, signature, vaultAddress } = req.data;
    // Hash the action as received: its key order is part of what was signed.
    const rawAction = (raw as { action: Record<string, unknown> }).action;
    if (action.type === "approveAgent") return this.approve(rawAction, signature);
    if (action.type !== "order") return { status: 422, text: DESERIALIZE_ERROR };
    const orders = orderActionSchema.safeParse(rawAction);
    if (!orders.success) return { status: 422, text: DESERIALIZE_ERROR };
    if (vaultAddress) return err("Simulator: vault trading is not simulated.");

    const signer = await this.orderSigner(rawAction, nonce, signature);
    // An approved agent trades for its user; a user may also sign for himself.
    const user = this.agents.get(signer) ?? (this.market.account(signer) ? signer : undefined);
    if (user === undefined) return err(`User or API Wallet ${signer} does not exist.`);
    const refused = this.addressLimit.spend(user, orders.data.orders.length, this.market.account(user)?.cumVlm ?? dec(0));
    if (refused) return err(refused);
    const assets = this.assetIds();
    const statuses = orders.data.orders.map((order) => this.place(user, order, assets));
    return ok({ type: "order", data: { statuses } });
  }

  /** The address an L1 action was signed by, for this desk's chain (the first approved one when it takes both). */
  private async orderSigner(action: Record<string, unknown>, nonce: number, signature: Signature): Promise<string> {
    const sources = this.network === "both" ? (["a", "b"] as const) : ([this.network === "mainnet" ? "a" : "b"] as const);
    let signer = "";
    for (const source of sources) {
      signer = (
        await recoverTypedDataAddress({
          domain: { name: "Exchange", version: "1", chainId: 1337, verifyingContract: ZERO_ADDRESS },
          types: { Agent: [{ name: "source", type: "string" }, { name: "connectionId", type: "bytes32" }] },
          primaryType: "Agent",
          message: { source, connectionId: createL1ActionHash({ action, nonce }) },
          signature: sig(signature),
        })
      ).toLowerCase();
      if (this.agents.has(signer) || this.market.account(signer)) return signer;
    }
    return signer;
  }

  private async approve(rawAction: Record<string, unknown>, signature: Signature): Promise<ExchangeReply> {
    const parsed = approveAgentSchema.safeParse(rawAction);
    if (!parsed.success) return { status: 422, text: DESERIALIZE_ERROR };
    const action = parsed.data;
    if (this.network !== "both" && action.hyperliquidChain !== (this.network === "mainnet" ? "Mainnet" : "Testnet")) return err(`Simulator: this desk is ${this.network}, the approveAgent is for ${action.hyperliquidChain}.`);
    const user = await recoverTypedDataAddress({
      domain: { name: "HyperliquidSignTransaction", version: "1", chainId: parseInt(action.signatureChainId, 16), verifyingContract: ZERO_ADDRESS },
      types: ApproveAgentTypes,
      primaryType: "HyperliquidTransaction:ApproveAgent",
      message: {
        hyperliquidChain: action.hyperliquidChain,
        agentAddress: action.agentAddress as `0x${string}`,
        agentName: action.agentName ?? "",
        nonce: BigInt(action.nonce),
      },
      signature: sig(signature),
    });
    if (!this.market.account(user)) return err(`User or API Wallet ${user.toLowerCase()} does not exist.`);
    this.approveAgent(user, action.agentAddress);
    return ok({ type: "default" });
  }

  /** Asset id → coin, as `meta` and `perpDexs` number them (docs: "Asset IDs"). */
  private assetIds(): Map<number, string> {
    const dexes = this.market.builderDexes();
    const next = new Map<string, number>();
    const ids = new Map<number, string>();
    for (const spec of this.market.universe) {
      const dex = dexOf(spec.name);
      const index = next.get(dex) ?? 0;
      next.set(dex, index + 1);
      ids.set(dex === "" ? index : 100_000 + (dexes.indexOf(dex) + 1) * 10_000 + index, spec.name);
    }
    return ids;
  }

  /** One order: refused (and remembered, as the exchange numbers refused orders too) or filled at once. */
  private place(user: string, order: Order, assets: Map<number, string>): unknown {
    const coin = assets.get(order.a);
    if (coin === undefined || this.market.assetOf(coin).delisted) return { error: `Simulator: asset ${order.a} is not a listed perp.` };
    if (order.t.limit?.tif !== "Ioc") return { error: "Simulator: only Ioc limit orders are simulated." };
    const cloid = order.c?.toLowerCase() ?? null;
    if (cloid !== null && this.orders.hasCloid(user, cloid)) return { error: `Simulator: cloid ${cloid} was already used by this account.` };
    const { szDecimals } = this.market.assetOf(coin);
    const px = dec(order.p);
    let size = dec(order.s);
    const now = this.market.now();
    const record = (status: string, oid: number, filled: Decimal): OrderRecord => {
      const entry: OrderRecord = {
        coin,
        side: order.b ? "B" : "A",
        limitPx: wireDec(px),
        sz: wireDec(dec(order.s).minus(filled)),
        origSz: wireDec(dec(order.s)),
        oid,
        timestamp: now,
        reduceOnly: order.r,
        tif: "Ioc",
        cloid,
        status,
        statusTimestamp: now,
      };
      this.orders.record(user, entry);
      return entry;
    };
    const refuse = (status: string, error: string) => {
      record(status, this.market.newOid(), dec(0));
      return { error };
    };
    if (!onTick(px, szDecimals)) return refuse("tickRejected", "Price must be divisible by tick size.");
    // A size off the lot is refused before it becomes an order (pre-validation): nothing to look up later.
    if (size.eq(0) || !size.round(szDecimals, 0).eq(size)) return { error: "Order has invalid size." };
    const held = dec(this.market.positionOf(user, coin)?.szi ?? "0");
    // A reduce-only order for the whole position closes it whatever it is worth; any other order
    // (an opening, a partial reduction) is held to the $10 minimum, as on the exchange.
    const closesAll = order.r && !held.eq(0) && size.gte(held.abs());
    if (!closesAll && px.times(size).lt(10)) return refuse("minTradeNtlRejected", "Order must have minimum value of $10.");
    if (order.r) {
      if (held.eq(0) || held.gt(0) === order.b) return refuse("reduceOnlyRejected", "Reduce only order would increase position.");
      if (size.gt(held.abs())) size = held.abs(); // the exchange shrinks a reduce-only order to the position
    }
    const mid = this.market.markOf(coin);
    const fillPx = order.b
      ? toTick(mid.times(dec(1).plus(this.spread)), szDecimals, "up")
      : toTick(mid.times(dec(1).minus(this.spread)), szDecimals, "down");
    if (order.b ? px.lt(fillPx) : px.gt(fillPx)) {
      // The exchange names the asset after the docs' sentence ("… resting orders. asset=4").
      return refuse("iocCancelRejected", `Order could not immediately match against any resting orders. asset=${order.a}`);
    }
    const { fill } = this.market.execute({ user, coin, size: wireDec(order.b ? size : size.neg()), px: wireDec(fillPx), crossed: true });
    // A reduce-only order shrunk to the position is filled in full, its rest cancelled.
    record(size.eq(dec(order.s)) ? "filled" : "canceled", fill.oid, size);
    return { filled: { totalSz: wireDec(size), avgPx: wireDec(fillPx), oid: fill.oid, ...(order.c && { cloid: order.c }) } };
  }
}
