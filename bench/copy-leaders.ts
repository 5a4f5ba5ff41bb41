import { dec, decStr, sign, type Decimal } from "#commons/decimal.js";
import type { Address } from "#domain/address.js";
import { buildEvent } from "#domain/events.js";
import type { TraderStore } from "#domain/ports.js";
import { diffPositions, type PositionMap } from "#domain/positions.js";
import type { Prng } from "#simulator/prng.js";

/**
 * The leaders of bench/copy.ts and what they do: a plan of trades made in advance (pure, so the
 * oracle and the unit tests read the same plan the run plays), then played against the simulator,
 * each trade committed as the tracker commits one (the positions and the event in one versioned
 * transaction of the TraderStore), so the events table's stream carries real events.
 *
 * A step opens $20–60k, adds or removes 20–60% of a position of $15k or more, adds a fresh $20–60k
 * to a smaller one, closes or flips: every step moves $3,000 or more, so that a follower's share of
 * it (about 1–5% here) stays above the exchange's $10 minimum order, and what the oracle expects is
 * always tradable.
 */

export interface MarketInfo {
  mark: string;
  szDecimals: number;
}

export interface LeaderStep {
  /** When to play it, ms from the run's start. */
  atMs: number;
  leader: Address;
  coin: string;
  /** Signed size the leader trades (+ buys). */
  size: string;
  /** His signed size in the coin after it. */
  szi: string;
  kind: "open" | "increase" | "decrease" | "close" | "flip";
}

export interface LeaderPlanInput {
  leaders: readonly Address[];
  /** The coins each leader trades (index-aligned with `leaders`). */
  coinsOf: readonly (readonly string[])[];
  market: Readonly<Record<string, MarketInfo>>;
  steps: number;
  durationMs: number;
}

const MIN_NOTIONAL = 15_000;
const MAX_NOTIONAL = 150_000;

/** A size worth `usd` at the mark, rounded toward zero to the coin's lot. */
const sizeFor = (usd: Decimal, m: MarketInfo): Decimal => usd.div(m.mark).round(m.szDecimals, 0);

/** The plan: leaders in turn (so each leader's coins see a step every few seconds at most), coins and moves at random. */
export const planLeaderSteps = (prng: Prng, input: LeaderPlanInput): LeaderStep[] => {
  const held = new Map<string, Decimal>();
  const steps: LeaderStep[] = [];
  const interval = input.durationMs / input.steps;
  for (let i = 0; i < input.steps; i++) {
    const li = i % input.leaders.length;
    const leader = input.leaders[li] as Address;
    const coin = prng.pick(input.coinsOf[li] ?? []);
    const m = input.market[coin];
    if (m === undefined) throw new Error(`no market for ${coin}`);
    const key = `${leader} ${coin}`;
    const szi = held.get(key) ?? dec(0);
    const notional = szi.abs().times(m.mark);
    const fresh = () => sizeFor(dec(prng.between(20_000, 60_000)), m);
    const fraction = () => szi.abs().times(prng.between(20, 60)).div(100).round(m.szDecimals, 0);
    let kind: LeaderStep["kind"];
    let size: Decimal;
    if (szi.eq(0)) {
      kind = "open";
      size = prng.chance(0.5) ? fresh() : fresh().neg();
    } else {
      const r = prng.next();
      const side = sign(szi);
      if (notional.lt(MIN_NOTIONAL)) kind = r < 0.4 ? "close" : "increase";
      else if (notional.gt(MAX_NOTIONAL)) kind = r < 0.5 ? "decrease" : r < 0.75 ? "close" : "flip";
      else kind = r < 0.3 ? "increase" : r < 0.6 ? "decrease" : r < 0.8 ? "close" : "flip";
      // Under $15k an add is a fresh $20–60k, so that no step is a sliver of a small position.
      if (kind === "increase") size = (notional.lt(MIN_NOTIONAL) ? fresh() : fraction()).times(side);
      else if (kind === "decrease") size = fraction().times(-side);
      else if (kind === "close") size = szi.neg();
      else size = szi.neg().minus(fresh().times(side));
    }
    const after = szi.plus(size);
    held.set(key, after);
    steps.push({ atMs: Math.round(i * interval), leader, coin, size: decStr(size), szi: decStr(after), kind });
  }
  return steps;
};

/** A leader event as the benchmark committed it. */
export interface CommittedEvent {
  id: string;
  leader: Address;
  coin: string;
  type: string;
  szi: string;
  /** The event's timestamp, epoch ms: the signal every delay is measured from. */
  at: number;
  /** His account value right after the trade (proportional copies are sized at it). */
  leaderEquityUsd: string;
  /** How late it was played against the plan (the orchestrator's own lag), ms. */
  lagMs: number;
  /** The transaction's own time, ms. */
  commitMs: number;
}

export interface LeaderBook {
  version: number;
  positions: PositionMap;
}

/**
 * Plays one step: the trade on the exchange, then the tracker's commit of what changed. The
 * positions are the exchange's own after the trade (what a poll would have read).
 */
export const playStep = async (
  step: LeaderStep,
  book: LeaderBook,
  deps: { trade: (leader: Address, coin: string, size: string) => Promise<{ positions: PositionMap; accountValue: string }>; traders: TraderStore; plannedAt: number },
): Promise<CommittedEvent[]> => {
  const { positions: current, accountValue } = await deps.trade(step.leader, step.coin, step.size);
  const at = Date.now();
  const version = book.version + 1;
  const events = diffPositions(book.positions, current).map((change) => buildEvent(step.leader, version, change, [], at));
  const result = await deps.traders.commitTransition({
    address: step.leader,
    expectedVersion: book.version,
    newVersion: version,
    positions: current,
    events,
    fillsCursor: at,
    asOf: at,
    at,
  });
  if (result !== "committed") throw new Error(`the commit of ${step.leader}'s version ${version} conflicted: only this benchmark writes it`);
  const commitMs = Date.now() - at;
  book.version = version;
  book.positions = current;
  return events.map((e) => ({
    id: e.id,
    leader: step.leader,
    coin: e.details.coin,
    type: e.event_type,
    szi: e.details.szi,
    at,
    leaderEquityUsd: accountValue,
    lagMs: at - deps.plannedAt,
    commitMs,
  }));
};
