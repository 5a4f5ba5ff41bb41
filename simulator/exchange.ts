import { createL1ActionHash } from "@nktkas/hyperliquid/signing";
import { ApproveAgentTypes } from "@nktkas/hyperliquid/api/exchange";
import { recoverTypedDataAddress } from "viem";
import { z } from "zod";
import { dec, type Decimal } from "#commons/decimal.js";
import { dexOf } from "./coins.js";
import type { Market } from "./market.js";
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
 * Not modelled: margin checks, vault trading, resting orders (Gtc/Alo), nonce windows. Answers the
 * docs give no string for (those, an unknown asset) start with "Simulator:", so none passes for the exchange's.
 */

export interface ExchangeDeskOptions {
  /** Which chain the desk is: orders must be signed with source "a" (mainnet) or "b" (testnet). Default mainnet. */
  network?: "mainnet" | "testnet";
  /** Half the book's spread around the mid, in basis points. Default 5. */
  spreadBps?: number;
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
  private readonly network: "mainnet" | "testnet";
  private readonly spread: Decimal;

  constructor(
    private readonly market: Market,
    opts: ExchangeDeskOptions = {},
  ) {
    this.network = opts.network ?? "mainnet";
    this.spread = dec(opts.spreadBps ?? 5).div(10_000);
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

    const signer = (
      await recoverTypedDataAddress({
        domain: { name: "Exchange", version: "1", chainId: 1337, verifyingContract: ZERO_ADDRESS },
        types: { Agent: [{ name: "source", type: "string" }, { name: "connectionId", type: "bytes32" }] },
        primaryType: "Agent",
        message: { source: this.network === "mainnet" ? "a" : "b", connectionId: createL1ActionHash({ action: rawAction, nonce }) },
        signature: sig(signature),
      })
    ).toLowerCase();
    // An approved agent trades for its user; a user may also sign for himself.
    const user = this.agents.get(signer) ?? (this.market.account(signer) ? signer : undefined);
    if (user === undefined) return err(`User or API Wallet ${signer} does not exist.`);
    const assets = this.assetIds();
    const statuses = orders.data.orders.map((order) => this.fill(user, order, assets));
    return ok({ type: "order", data: { statuses } });
  }

  private async approve(rawAction: Record<string, unknown>, signature: Signature): Promise<ExchangeReply> {
    const parsed = approveAgentSchema.safeParse(rawAction);
    if (!parsed.success) return { status: 422, text: DESERIALIZE_ERROR };
    const action = parsed.data;
    if (action.hyperliquidChain !== (this.network === "mainnet" ? "Mainnet" : "Testnet")) return err(`Simulator: this desk is ${this.network}, the approveAgent is for ${action.hyperliquidChain}.`);
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

  private fill(user: string, order: Order, assets: Map<number, string>): unknown {
    const coin = assets.get(order.a);
    if (coin === undefined || this.market.assetOf(coin).delisted) return { error: `Simulator: asset ${order.a} is not a listed perp.` };
    if (order.t.limit?.tif !== "Ioc") return { error: "Simulator: only Ioc limit orders are simulated." };
    const { szDecimals } = this.market.assetOf(coin);
    const px = dec(order.p);
    let size = dec(order.s);
    if (!onTick(px, szDecimals)) return { error: "Price must be divisible by tick size." };
    if (size.eq(0) || !size.round(szDecimals, 0).eq(size)) return { error: "Order has invalid size." };
    if (px.times(size).lt(10)) return { error: "Order must have minimum value of $10." };
    if (order.r) {
      const held = dec(this.market.positionOf(user, coin)?.szi ?? "0");
      if (held.eq(0) || held.gt(0) === order.b) return { error: "Reduce only order would increase position." };
      if (size.gt(held.abs())) size = held.abs(); // the exchange shrinks a reduce-only order to the position
    }
    const mid = this.market.markOf(coin);
    const fillPx = order.b
      ? toTick(mid.times(dec(1).plus(this.spread)), szDecimals, "up")
      : toTick(mid.times(dec(1).minus(this.spread)), szDecimals, "down");
    if (order.b ? px.lt(fillPx) : px.gt(fillPx)) return { error: "Order could not immediately match against any resting orders." };
    const { fill } = this.market.execute({ user, coin, size: wireDec(order.b ? size : size.neg()), px: wireDec(fillPx), crossed: true });
    return { filled: { totalSz: wireDec(size), avgPx: wireDec(fillPx), oid: fill.oid, ...(order.c && { cloid: order.c }) } };
  }
}

/** Decimals a price may have here: at most 5 significant figures and 6 − szDecimals decimals (docs: "Tick and lot size"). */
const priceDecimals = (px: Decimal, szDecimals: number): number => {
  const intDigits = px.gte(1) ? px.round(0, 0).toFixed(0).length : 0;
  const sigFigDecimals = px.gte(1) ? 5 - intDigits : 5 + leadingZeros(px);
  return Math.max(0, Math.min(6 - szDecimals, sigFigDecimals));
};

/** Zeros between the point and the first significant digit of a price below 1 ("0.0012" → 2). */
const leadingZeros = (px: Decimal): number => {
  let zeros = 0;
  for (let x = px; x.lt(dec("0.1")) && x.gt(0); x = x.times(10)) zeros++;
  return zeros;
};

/** Integer prices are always valid; others within the significant-figure and decimal limits. */
const onTick = (px: Decimal, szDecimals: number): boolean =>
  px.gt(0) && (px.round(0, 0).eq(px) || px.round(priceDecimals(px, szDecimals), 0).eq(px));

/** The nearest valid price on the side that never gives the taker a better price than the book. */
const toTick = (px: Decimal, szDecimals: number, direction: "up" | "down"): Decimal =>
  px.round(priceDecimals(px, szDecimals), direction === "up" ? 3 : 0);
