import { dec, decStr, sign, ZERO, type Decimal } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { divDown } from "#domain/copy/exact-div.js";
import { copiesCoin, type Caps, type FollowedLeader, type Sizing, type StartMode } from "#domain/copy/follower.js";

/**
 * Target positions: what the follower should hold in each coin, from each leader's current
 * position, the sizing and the caps. The engine then trades target − actual (orders.ts), which is
 * why a missed or doubled event corrects itself on the next reconciliation.
 */

/** A leader as the engine last saw him: account value and signed sizes per coin (exact strings). */
export interface LeaderSnapshot {
  address: Address;
  equityUsd: string;
  positions: Readonly<Record<string, string>>;
  /** His tracking state's version (events up to it are in `positions`), when the source gives it. */
  version?: number;
  /** Exchange time of the snapshot `positions` come from: no earlier than any change in them. */
  asOf?: number;
}

/** A leader's opening of a position (his OPEN, or a FLIP's new side): his signed size then and his state version. */
export interface Opening {
  leader: Address;
  coin: string;
  szi: string;
  version: number;
}

/**
 * What the engine remembers per leader and coin between reconciliations, kept as explicit state
 * (in and out of targetPositions) so that it can be stored:
 * - `copying`: the leader's position on `side` is copied; with fixed_notional, `ratio` is the
 *   follower's size per unit of the leader's, fixed when the position opened at notional_usd, so
 *   his later adds and reductions scale the copy by the same fraction (`openVersion`: the state
 *   version of the event he opened it with, when the ratio comes from that event's size, given by
 *   its message or read from his events; absent when a run first saw the position later without
 *   either, at a size that may include his adds: the opening's message, when it comes, sizes it
 *   again); with proportional,
 *   `equityRatio` is follower equity ÷ leader equity when the leader last changed the position
 *   (`leaderSzi`, his size then): the copy is sized when he trades, not every time an account
 *   value moves, which would trade fees and slippage away on gaps too small for an order;
 * - `ignored`: the leader held it when following started (start = new_changes_only); not copied
 *   until he closes or flips it.
 */
export type LegMemory =
  | { kind: "copying"; side: 1 | -1; ratio?: string; openVersion?: number; equityRatio?: string; leaderSzi?: string }
  | { kind: "ignored"; side: 1 | -1 };
export type CopyMemory = Readonly<Record<string, LegMemory>>;

export const legKey = (leader: Address, coin: string): string => `${leader} ${coin}`;

/** The memory a follower starts with: new_changes_only leaves out every position already held. */
export const startingMemory = (start: StartMode, leaders: readonly LeaderSnapshot[]): CopyMemory => {
  const memory: Record<string, LegMemory> = {};
  if (start === "sync_now") return memory;
  for (const leader of leaders) {
    for (const [coin, szi] of Object.entries(leader.positions)) {
      const side = sign(szi);
      if (side !== 0) memory[legKey(leader.address, coin)] = { kind: "ignored", side };
    }
  }
  return memory;
};

/**
 * The memory a run starts from when the follower's leaders changed since its last run
 * (`followedBefore`: the leaders that run followed; PATCH adds and removes them): memory a removed
 * leader left behind gives way, and each added leader starts as the start mode says, as the
 * follower did: under new_changes_only what he holds when a run first sees him is not copied,
 * except `opened`, a position the run's own event opened (a change made after he was added).
 */
export const withAddedLeaders = (
  start: StartMode,
  memory: CopyMemory,
  followedBefore: readonly Address[],
  snapshots: readonly LeaderSnapshot[],
  opened?: { leader: Address; coin: string },
): CopyMemory => {
  const before = new Set(followedBefore);
  const added = snapshots.filter((s) => !before.has(s.address));
  if (added.length === 0) return memory;
  const addedPrefixes = added.map((s) => legKey(s.address, ""));
  const kept = Object.entries(memory).filter(([key]) => !addedPrefixes.some((prefix) => key.startsWith(prefix)));
  const started: Record<string, LegMemory> = { ...startingMemory(start, added) };
  if (opened !== undefined) delete started[legKey(opened.leader, opened.coin)];
  return { ...Object.fromEntries(kept), ...started };
};

export interface TargetInput {
  leaders: readonly FollowedLeader[];
  caps: Caps;
  followerEquityUsd: string;
  /** One snapshot per followed leader (a missing one would read as "he closed everything"). */
  snapshots: readonly LeaderSnapshot[];
  /** Mid price per coin at the signal: fixed_notional's opening size and every USD cap use it (a coin without one is not sized in USD). */
  prices: Readonly<Record<string, string>>;
  memory: CopyMemory;
  /**
   * Openings the run knows of (its leader event's, those read for legs it finds new without their
   * event): fixed_notional sizes a leg from his size then, not from what he holds when it runs.
   */
  openings?: readonly Opening[];
}

export interface TargetResult {
  /** Signed target size per coin any followed leader holds or held (0 included: close it). */
  targets: Record<string, string>;
  memory: CopyMemory;
}

export const targetPositions = (input: TargetInput): TargetResult => {
  const followerEquity = dec(input.followerEquityUsd);
  const memory: Record<string, LegMemory> = { ...input.memory };
  const raw = new Map<string, Decimal>();
  // A coin without a positive price (delisted, or its dex's mids missing) cannot be sized in USD
  // nor capped: its legs keep what they have, and the engine trades it only once it has one.
  const priceOf = (coin: string): Decimal | undefined => {
    const price = input.prices[coin];
    return price === undefined || dec(price).lte(0) ? undefined : dec(price);
  };

  for (const leader of input.leaders) {
    const snapshot = input.snapshots.find((s) => s.address === leader.address);
    if (snapshot === undefined) throw new RangeError(`no snapshot of leader ${leader.address}`);
    const prefix = legKey(leader.address, "");
    const remembered = Object.keys(memory)
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length));
    for (const coin of new Set([...Object.keys(snapshot.positions), ...remembered])) {
      const key = legKey(leader.address, coin);
      const leaderSzi = dec(snapshot.positions[coin] ?? "0");
      const side = sign(leaderSzi);
      const sum = raw.get(coin) ?? ZERO;
      raw.set(coin, sum);
      if (side === 0) {
        delete memory[key];
        continue;
      }
      let leg = memory[key];
      // A new position, or a flip: the leader's new position is a new one to copy.
      if (leg === undefined || leg.side !== side) leg = { kind: "copying", side };
      if (leg.kind === "copying" && leader.sizing.mode === "fixed_notional") {
        // Opened by this run's event, or read for it (the same side): from his size then, unless the
        // ratio already comes from that opening or a later one (a message for an older one is late, not news).
        const opening = latestOpening(input.openings, leader.address, coin, side);
        // Without a price the leg waits, unsized, for the first run that has one (his size then).
        const price = priceOf(coin);
        if (price !== undefined && opening !== undefined && (leg.ratio === undefined || leg.openVersion === undefined || leg.openVersion < opening.version)) {
          const ratio = divDown(dec(leader.sizing.notionalUsd), price.times(dec(opening.szi).abs()));
          leg = { ...leg, ratio: decStr(ratio), openVersion: opening.version };
        } else if (price !== undefined && leg.ratio === undefined) {
          leg = { ...leg, ratio: decStr(divDown(dec(leader.sizing.notionalUsd), price.times(leaderSzi.abs()))) };
        }
      }
      if (leg.kind === "copying" && leader.sizing.mode === "proportional" && (leg.leaderSzi === undefined || !leaderSzi.eq(leg.leaderSzi))) {
        leg = { ...leg, equityRatio: decStr(equityRatio(followerEquity, dec(snapshot.equityUsd))), leaderSzi: decStr(leaderSzi) };
      }
      memory[key] = leg;
      if (leg.kind === "ignored") continue;
      raw.set(coin, sum.plus(copiedSize(leader.sizing, leg, leaderSzi)));
    }
  }

  const capped = applyCaps(raw, input.caps, followerEquity, priceOf);
  const targets: Record<string, string> = {};
  for (const [coin, size] of capped) targets[coin] = decStr(size);
  return { targets, memory };
};

/** The latest of `openings` of the leader's position in `coin` on `side`. */
const latestOpening = (openings: readonly Opening[] | undefined, leader: Address, coin: string, side: number): Opening | undefined => {
  let latest: Opening | undefined;
  for (const o of openings ?? []) {
    if (o.leader !== leader || o.coin !== coin || sign(o.szi) !== side) continue;
    if (latest === undefined || o.version > latest.version) latest = o;
  }
  return latest;
};

/**
 * Follower equity ÷ leader equity, rounded down (a size is never made larger by the division);
 * 0 when either is not positive: neither account can be scaled by such an equity.
 */
const equityRatio = (followerEquity: Decimal, leaderEquity: Decimal): Decimal =>
  leaderEquity.lte(0) || followerEquity.lte(0) ? ZERO : divDown(followerEquity, leaderEquity);

/** One leader's contribution to the follower's size in a coin. */
const copiedSize = (sizing: Sizing, leg: LegMemory, leaderSzi: Decimal): Decimal => {
  switch (sizing.mode) {
    case "proportional":
      // The multiplier applies now (a PATCH changes it at once); the equities are the leg's.
      return leg.kind === "copying" && leg.equityRatio !== undefined ? leaderSzi.times(leg.equityRatio).times(sizing.multiplier) : ZERO;
    case "fixed_ratio":
      return leaderSzi.times(sizing.ratio);
    case "fixed_notional":
      return leg.kind === "copying" && leg.ratio !== undefined ? leaderSzi.times(leg.ratio) : ZERO;
  }
};

/** signed ÷ positive, rounded toward zero: a size is never made larger by the division. */
const towardZero = (signed: Decimal, divisor: Decimal): Decimal => {
  const q = divDown(signed.abs(), divisor);
  return signed.lt(0) ? q.neg() : q;
};

/**
 * The caps in the order they narrow: coins the follower does not copy go to 0; each coin's
 * notional to max_position_usd; then, if the total exposure passes max_total_exposure_usd or
 * equity × max_leverage (the smaller), every coin scales down by the same factor, rounded toward
 * zero so the total never passes the limit. A coin without a price is not traded this run (see
 * engine-plan.ts): it is left out of the notional caps and of the exposure, which counts the
 * coins that can be traded.
 */
export const applyCaps = (
  raw: ReadonlyMap<string, Decimal>,
  caps: Caps,
  followerEquity: Decimal,
  priceOf: (coin: string) => Decimal | undefined,
): Map<string, Decimal> => {
  const out = new Map<string, Decimal>();
  for (const [coin, size] of raw) {
    let target = copiesCoin(caps, coin) ? size : ZERO;
    const price = priceOf(coin);
    if (caps.maxPositionUsd !== undefined && !target.eq(0) && price !== undefined) {
      const limit = divDown(dec(caps.maxPositionUsd), price);
      if (target.abs().gt(limit)) target = target.lt(0) ? limit.neg() : limit;
    }
    out.set(coin, target);
  }

  const limits: Decimal[] = [];
  if (caps.maxTotalExposureUsd !== undefined) limits.push(dec(caps.maxTotalExposureUsd));
  if (caps.maxLeverage !== undefined) limits.push(followerEquity.gt(0) ? followerEquity.times(caps.maxLeverage) : ZERO);
  if (limits.length === 0) return out;
  const limit = limits.reduce((a, b) => (b.lt(a) ? b : a));
  let exposure = ZERO;
  for (const [coin, size] of out) {
    const price = priceOf(coin);
    if (!size.eq(0) && price !== undefined) exposure = exposure.plus(size.abs().times(price));
  }
  if (exposure.lte(limit)) return out;
  for (const [coin, size] of out) if (priceOf(coin) !== undefined) out.set(coin, towardZero(size.times(limit), exposure));
  return out;
};
