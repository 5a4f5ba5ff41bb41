import { dec, decStr, sign } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { deriveCloid } from "./cloid.js";
import { DEFAULT_ON_PAUSE, type FollowerConfig, type OnPause } from "./follower.js";
import type { LegSignal } from "./engine-openings.js";
import type { CopyMessage } from "./messages.js";
import { planOrders } from "./orders.js";
import { DEFAULT_TAKER_FEE_RATE } from "./paper.js";
import type { CopyAccount, CopyOrder, VenueOrder } from "./ports.js";
import { legKey, startingMemory, targetPositions, withAddedLeaders, type CopyMemory, type LeaderSnapshot } from "./targets.js";

/**
 * One run's plan for one follower: targets from the leaders' stored positions, then per coin the
 * orders that move the actual position there (orders.ts), each with the cloid its cause gives it
 * (cloid.ts), so the same message planned twice against the same account yields the same orders,
 * and planned again after they filled yields none.
 */

export const onPauseOf = (config: FollowerConfig): OnPause => config.onPause ?? DEFAULT_ON_PAUSE;
export const takerFeeRateOf = (config: FollowerConfig): string => (config.mode === "paper" ? config.takerFeeRate : undefined) ?? DEFAULT_TAKER_FEE_RATE;

/** A leader event's message (not a reconciliation nor an API request): its age decides what it may open. */
export const isLeaderEvent = (m: CopyMessage): m is CopyMessage & { leader: Address; coin: string } =>
  m.leader !== null && m.coin !== null;

/** The run's own message is the leader's event that opened his position in `coin` on `side` (an OPEN, or a FLIP into it). */
export const openedByMessage = (message: CopyMessage, leader: Address, coin: string, side: number): boolean =>
  message.leader === leader && message.coin === coin && message.opened !== undefined && sign(message.opened.szi) === side;

/**
 * The memory a run plans from: none on the follower's first run (the start mode decides it, in
 * planRun), else the stored one, with the leaders added since the last run (those its account
 * values were not taken for) started as the start mode says (targets.ts withAddedLeaders).
 */
export const runMemory = (
  config: FollowerConfig,
  account: Pick<CopyAccount, "version" | "memory" | "actual">,
  snapshots: readonly LeaderSnapshot[],
  message: CopyMessage,
): CopyMemory | null => {
  if (account.version === 0) return null;
  if (account.actual === null) return account.memory;
  const held = isLeaderEvent(message) ? snapshots.find((s) => s.address === message.leader)?.positions[message.coin] : undefined;
  const opened =
    isLeaderEvent(message) && held !== undefined && openedByMessage(message, message.leader, message.coin, sign(held))
      ? { leader: message.leader, coin: message.coin }
      : undefined;
  return withAddedLeaders(config.start, account.memory, Object.keys(account.actual.leaderEquityUsd) as Address[], snapshots, opened);
};

export interface PlanInput {
  followerId: string;
  config: FollowerConfig;
  message: CopyMessage;
  /** Stored memory; null on the follower's first run (the start mode decides it). */
  memory: CopyMemory | null;
  snapshots: readonly LeaderSnapshot[];
  actual: Readonly<Record<string, { szi: string }>>;
  followerEquityUsd: string;
  mids: Readonly<Record<string, string>>;
  szDecimals: Readonly<Record<string, number>>;
  /**
   * Close everything (reduce-only): a stop or a pause that closes. Its orders are `close:<ms>`'s,
   * not the message's event's: a close can follow in the same message the orders that event
   * caused, and their cloids must differ.
   */
  closeAll: boolean;
  now: number;
  /**
   * Cloids already used by this message's cause (an earlier run of the message, or a duplicate of
   * it): an order that would reuse one is not sent, and its size is carried to the next run. The
   * exchange refuses a used cloid, and paper must not trade one twice nor overwrite its record.
   */
  placed?: ReadonlySet<string>;
  /** Legs new to this run without their opening's message, with their openings as read (engine-openings.ts). */
  signals?: readonly LegSignal[];
}

export interface RunPlan {
  memory: CopyMemory;
  carried: Record<string, string>;
  orders: { order: CopyOrder; venue: VenueOrder }[];
  /** Coins skipped because the signal was too old to open them. */
  stale: string[];
  /**
   * Coins off target that this run could not trade: no mid (its dex's mids missing) or not listed
   * in `meta` (delisted). Left as they are; every other coin trades, and a later run with a price
   * trades these. One such coin must not hold the follower's whole account still.
   */
  unpriced: string[];
}

/** Every coin a run may trade (what the leaders hold or held, what the follower holds): the run prices these. */
export const coinsOf = (snapshots: readonly LeaderSnapshot[], actual: Readonly<Record<string, unknown>>, memory: CopyMemory): string[] => {
  const coins = new Set(Object.keys(actual));
  for (const s of snapshots) for (const coin of Object.keys(s.positions)) coins.add(coin);
  for (const key of Object.keys(memory)) coins.add(key.slice(key.indexOf(" ") + 1));
  return [...coins].sort();
};

export const planRun = (input: PlanInput): RunPlan => {
  const { config, message } = input;
  let memory: CopyMemory = input.memory ?? startingMemory(config.start, input.snapshots);
  const signalAgeSeconds = isLeaderEvent(message) ? Math.max(0, input.now - message.signal_at) / 1000 : undefined;
  const maxAge = config.caps.maxSignalAgeSeconds;
  // The run's own event, and the legs it finds new without theirs, each at its own signal's age.
  const signals: { leader: Address; coin: string; signalAt: number }[] = [
    ...(isLeaderEvent(message) ? [{ leader: message.leader, coin: message.coin, signalAt: message.signal_at }] : []),
    ...(input.signals ?? []),
  ];
  const staleCoins = new Set<string>();
  for (const s of signals) {
    if (maxAge === undefined || Math.max(0, input.now - s.signalAt) / 1000 <= maxAge) continue;
    // A position he opened (or flipped into) too long ago is never copied, not even by the next
    // periodic reconciliation: the leg is ignored, as one held when following started, until he
    // closes or flips it.
    const szi = input.snapshots.find((snap) => snap.address === s.leader)?.positions[s.coin] ?? "0";
    const side = sign(szi);
    const key = legKey(s.leader, s.coin);
    if (side !== 0 && memory[key]?.side !== side) {
      memory = { ...memory, [key]: { kind: "ignored", side } };
      staleCoins.add(s.coin);
    }
  }
  const openings = [
    ...(isLeaderEvent(message) && message.opened !== undefined ? [{ leader: message.leader, coin: message.coin, ...message.opened }] : []),
    ...(input.signals ?? []).flatMap((s) => (s.opening === undefined ? [] : [s.opening])),
  ];

  let targets: Record<string, string> = {};
  if (input.closeAll) {
    // After closing, only the leaders' new positions are copied (on a resume), never those held now.
    memory = startingMemory("new_changes_only", input.snapshots);
  } else {
    const result = targetPositions({
      leaders: config.leaders,
      caps: config.caps,
      followerEquityUsd: input.followerEquityUsd,
      snapshots: input.snapshots,
      prices: input.mids,
      memory,
      openings,
    });
    targets = result.targets;
    memory = result.memory;
  }

  const plan: RunPlan = { memory, carried: {}, orders: [], stale: [], unpriced: [] };
  const eventId = input.closeAll ? `close:${input.now}` : message.event_id;
  const leader = input.closeAll ? null : message.leader;
  for (const coin of [...new Set([...Object.keys(targets), ...Object.keys(input.actual)])].sort()) {
    const target = targets[coin] ?? "0";
    const actual = input.actual[coin]?.szi ?? "0";
    if (dec(target).eq(actual)) continue;
    const mid = input.mids[coin];
    const szDecimals = input.szDecimals[coin];
    if (mid === undefined || szDecimals === undefined) {
      plan.unpriced.push(coin);
      continue;
    }
    const coinPlan = planOrders({
      coin,
      targetSzi: target,
      actualSzi: actual,
      mid,
      szDecimals,
      maxSlippageBps: config.caps.maxSlippageBps,
      ...(signalAgeSeconds !== undefined && { signalAgeSeconds }),
      ...(maxAge !== undefined && { maxSignalAgeSeconds: maxAge }),
    });
    let carried = dec(coinPlan.carried);
    if (coinPlan.skipped.some((s) => s.reason === "stale_signal")) staleCoins.add(coin);
    for (const p of coinPlan.orders) {
      const cloid = deriveCloid({ followerId: input.followerId, eventId, coin, leg: p.leg });
      if (input.placed?.has(cloid.toLowerCase())) {
        carried = carried.plus(p.isBuy ? p.size : dec(p.size).neg());
        continue;
      }
      const venue: VenueOrder = { cloid, coin, isBuy: p.isBuy, size: p.size, limitPrice: p.limitPrice, reduceOnly: p.reduceOnly };
      plan.orders.push({
        venue,
        order: {
          followerId: input.followerId,
          cloid,
          eventId,
          leader,
          coin,
          side: p.isBuy ? "buy" : "sell",
          size: p.size,
          limitPrice: p.limitPrice,
          reduceOnly: p.reduceOnly,
          status: "pending",
          fillPrice: null,
          filledSize: null,
          feeUsd: null,
          oid: null,
          error: null,
          signalAt: message.signal_at,
          sentAt: input.now,
          filledAt: null,
        },
      });
    }
    if (!carried.eq(0)) plan.carried[coin] = decStr(carried);
  }
  plan.stale = [...staleCoins].sort();
  return plan;
};
