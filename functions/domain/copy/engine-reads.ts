import type { Address } from "#domain/address.js";
import { withResult } from "./engine-account.js";
import { legsWithoutOpening, readLegSignals, type LegSignal } from "./engine-openings.js";
import { coinsOf, isLeaderEvent, runMemory } from "./engine-plan.js";
import type { EngineDeps, EngineVenue, VenueChoice } from "./engine-ports.js";
import type { FollowedLeader } from "./follower.js";
import type { CopyMessage } from "./messages.js";
import type { CopyAccount, CopyOrder, CopyVenue, FollowerRecord, VenueOrder } from "./ports.js";
import type { CopyMemory, LeaderSnapshot } from "./targets.js";

/**
 * Everything a run reads before it plans, in as few round trips as the data allows: every one of
 * them is signal→order delay. The follower's record, account and pending orders go together; the
 * leaders' positions and account values start with them when this process has seen the follower
 * before (its last record says whom it follows: a hint to start early, never what the run decides
 * on: a changed list is read again); the main dex's mids start at once (every run needs them); a
 * live follower's account (the exchange) is read beside the leaders, not after them.
 */

export type Resolved = { order: CopyOrder; result: Awaited<ReturnType<EngineVenue["resolve"]>> };

export type RunReads =
  | { kind: "missing" }
  /** Paused or stopped, nothing to close: no trading (its account, for the fills still waiting for their fees). */
  | { kind: "inactive"; record: FollowerRecord; account: CopyAccount }
  | { kind: "no_leader_baseline" }
  | { kind: "unavailable"; record: FollowerRecord; unavailable: Extract<VenueChoice, { unavailable: unknown }>["unavailable"] }
  | {
      kind: "ready";
      record: FollowerRecord;
      account: CopyAccount;
      leaders: LeaderSnapshot[];
      venue: EngineVenue;
      resolved: Resolved[];
      before: Awaited<ReturnType<CopyVenue["account"]>>;
      /**
       * Cloids this message's signal already reached the venue with (an earlier run of the same
       * message, a duplicate of it): the run's orders never reuse one (see engine.ts).
       */
      placed: Set<string>;
      mids: Record<string, string>;
      szDecimals: Record<string, number>;
      /** What the run plans from (engine-plan.ts runMemory); null on the follower's first run. */
      memory: CopyMemory | null;
      /** Legs new to the run without their opening's message, with their openings (engine-openings.ts). */
      signals: LegSignal[];
    };

/** Followers whose last record a process keeps as a hint (a bound, not a cache to trust). */
const HINTS = 10_000;

export const createRunReads = (deps: Pick<EngineDeps, "store" | "leaders" | "market" | "venueFor" | "now" | "logger">) => {
  const hints = new Map<string, FollowerRecord>();
  const remember = (record: FollowerRecord) => {
    hints.delete(record.id);
    hints.set(record.id, record);
    if (hints.size > HINTS) hints.delete(hints.keys().next().value!);
  };

  const leaderSnapshots = async (leaders: readonly FollowedLeader[], message: CopyMessage): Promise<LeaderSnapshot[] | null> => {
    const addresses: Address[] = leaders.map((l) => l.address);
    // A proportional copy is sized at the account values of the leader's trade: his, read after
    // his event (once per event and process), beside his positions; the others' cached a minute.
    const notBefore = (l: FollowedLeader): number | undefined =>
      isLeaderEvent(message) && message.leader === l.address && l.sizing.mode === "proportional" ? message.signal_at : undefined;
    const [positions, early] = await Promise.all([
      deps.leaders.positions(addresses),
      Promise.all(leaders.map((l) => deps.leaders.equityUsd(l.address, notBefore(l)))),
    ]);
    const held = addresses.map((address) => positions.get(address));
    // His event's own run must see his positions after it: a read from before its commit (an
    // eventually consistent one, just after it) is taken again, consistently.
    const eventVersion = isLeaderEvent(message) ? message.version : undefined;
    const behind = eventVersion === undefined ? -1 : addresses.findIndex((a, i) => a === message.leader && (held[i]?.version ?? eventVersion) < eventVersion);
    if (behind >= 0) held[behind] = (await deps.leaders.positions([addresses[behind]!], { consistent: true })).get(addresses[behind]!);
    if (held.some((h) => h === undefined || h === null)) return null;
    // A run behind a queue (not his event's) may find positions newer than the value it was given:
    // a proportional leader's is then read after them (the cache keeps one read per snapshot).
    const equity = await Promise.all(
      leaders.map((l, i) => {
        const asOf = held[i]!.asOf;
        const stale = l.sizing.mode === "proportional" && asOf !== undefined && (notBefore(l) ?? Number.NEGATIVE_INFINITY) < asOf;
        return stale ? deps.leaders.equityUsd(l.address, asOf) : early[i]!;
      }),
    );
    return addresses.map((address, i): LeaderSnapshot => {
      const { sizes, asOf, version } = held[i]!;
      return { address, positions: sizes, equityUsd: equity[i]!, ...(asOf !== undefined && { asOf }), ...(version !== undefined && { version }) };
    });
  };

  /** Resolves the orders a previous run wrote but may not have sent; returns them with their answers. */
  const resolvePending = async (pending: readonly CopyOrder[], venue: EngineVenue): Promise<Resolved[]> => {
    const resolved: Resolved[] = [];
    for (const order of pending) {
      const venueOrder: VenueOrder = {
        cloid: order.cloid,
        coin: order.coin,
        isBuy: order.side === "buy",
        size: order.size,
        limitPrice: order.limitPrice,
        reduceOnly: order.reduceOnly,
      };
      const result = await venue.resolve(venueOrder);
      resolved.push({ order: withResult(order, result, deps.now()), result });
    }
    return resolved;
  };

  /** The venue, what became of pending orders, then the account as it stands. */
  const openVenue = async (record: FollowerRecord, account: CopyAccount, pending: readonly CopyOrder[], mids: Readonly<Record<string, string>>) => {
    const choice = await deps.venueFor({ record, account, mids });
    if ("unavailable" in choice) return choice;
    const resolved = await resolvePending(pending, choice.venue);
    return { venue: choice.venue, resolved, before: await choice.venue.account() };
  };

  return async (message: CopyMessage): Promise<RunReads> => {
    const hint = hints.get(message.follower_id);
    const early = hint === undefined ? undefined : leaderSnapshots(hint.config.leaders, message);
    // Started for their effect (a shared read); a failure here is met again, and reported, below.
    early?.catch(() => undefined);
    deps.market.mids([]).catch(() => undefined);

    const [record, account, pending, earlier] = await Promise.all([
      deps.store.get(message.follower_id),
      deps.store.getAccount(message.follower_id),
      deps.store.pendingOrders(message.follower_id),
      deps.store.ordersAt(message.follower_id, message.signal_at),
    ]);
    if (record === undefined) {
      hints.delete(message.follower_id);
      return { kind: "missing" };
    }
    remember(record);
    if (record.state !== "active" && !record.closeRequested) return { kind: "inactive", record, account };

    const sameLeaders = early !== undefined && JSON.stringify(hint!.config.leaders) === JSON.stringify(record.config.leaders);
    // A live account is the exchange's: read beside the leaders (a paper one needs the mids first).
    const [snapshots, live] = await Promise.all([
      sameLeaders ? early : leaderSnapshots(record.config.leaders, message),
      record.config.mode === "live" ? openVenue(record, account, pending, {}) : undefined,
    ]);
    // A leader without a baseline has unknown positions: reading them as flat would close (or,
    // once the baseline appears, open) what he never traded.
    if (snapshots === null && !record.closeRequested) return { kind: "no_leader_baseline" };
    const leaders = snapshots ?? [];
    const previousPositions = account.actual?.positions ?? account.ledger?.positions ?? {};
    const memory = runMemory(record.config, account, leaders, message);
    // Openings are read beside the mids: a leg found without its message is rare, and waits for nothing else.
    const newLegs = record.closeRequested ? [] : legsWithoutOpening(record.config, memory, leaders, message);
    const [mids, signals] = await Promise.all([
      deps.market.mids(coinsOf(leaders, previousPositions, account.memory)),
      newLegs.length === 0 ? [] : readLegSignals(deps.leaders, newLegs, deps.logger),
    ]);

    const opened = live ?? (await openVenue(record, account, pending, mids));
    if ("unavailable" in opened) return { kind: "unavailable", record, unavailable: opened.unavailable };
    const { venue, resolved, before } = opened;
    // Coins the follower holds that no earlier run priced (a live account's own positions).
    const missing = Object.keys(before.positions).filter((c) => mids[c] === undefined);
    const allMids = missing.length > 0 ? { ...mids, ...(await deps.market.mids(missing)) } : mids;
    const coins = [...new Set([...Object.keys(allMids), ...Object.keys(before.positions)])];
    // A coin `meta` does not list is left out: the plan leaves it as it is (engine-plan.ts `unpriced`).
    const listed = await Promise.all(coins.map((coin) => deps.market.szDecimals(coin)));
    const szDecimals: Record<string, number> = {};
    for (const [i, coin] of coins.entries()) {
      const sz = listed[i];
      if (sz !== null && sz !== undefined) szDecimals[coin] = sz;
    }
    // Pending ones are asked about above: those the venue never saw may go again under their cloid.
    const placed = new Set(earlier.filter((o) => o.status !== "pending").map((o) => o.cloid.toLowerCase()));
    for (const r of resolved) if (r.result.status !== "unknown") placed.add(r.order.cloid.toLowerCase());
    return { kind: "ready", record, account, leaders, venue, resolved, before, placed, mids: allMids, szDecimals, memory, signals };
  };
};
