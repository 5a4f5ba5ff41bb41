import { createVenueFor, type LiveVenueFactory } from "#app/copy/venues.js";
import { parseAddress, type Address } from "#domain/address.js";
import { createCopyEngine } from "#domain/copy/engine.js";
import type { CopyAlert, CopyRunCounts, StoredOpening } from "#domain/copy/engine-ports.js";
import type { FollowerConfig } from "#domain/copy/follower.js";
import type { CopyMessage } from "#domain/copy/messages.js";
import { recordingLogger } from "../../support/logger.js";
import { createMemoryFollowerStore, followerRecord } from "../../support/memory-follower-store.js";
import { midOf, szDecimalsOf } from "./recorded-market.js";

/**
 * The engine over the in-memory store, a leader whose positions a test sets (as tracking would
 * store them), the recorded mids (a test may move one) and the recorded meta's szDecimals.
 */
export const LEADER = parseAddress("0x5e9ee1089755c3435139848e47e6635505d5a13a");
export const FOLLOWER = "fol_test0000000000000001";
export const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);

export const paperConfig = (overrides: Partial<FollowerConfig> = {}): FollowerConfig =>
  ({
    name: "paper copy",
    mode: "paper",
    paperBalanceUsd: "10000",
    leaders: [{ address: LEADER, sizing: { mode: "fixed_ratio", ratio: "0.1" } }],
    caps: { maxSlippageBps: 50 },
    start: "sync_now",
    ...overrides,
  }) as FollowerConfig;

/** A live follower on testnet, its agent key named in the environment (the test's venue never reads it). */
export const liveConfig = (): FollowerConfig => ({
  name: "live copy",
  mode: "live",
  accountAddress: parseAddress("0x1111111111111111111111111111111111111111"),
  agentKeyRef: { source: "env", name: "AGENT_KEY" },
  network: "testnet",
  leaders: [{ address: LEADER, sizing: { mode: "fixed_ratio", ratio: "0.1" } }],
  caps: { maxSlippageBps: 50 },
  start: "sync_now",
});

export const createHarness = async (config: FollowerConfig, live?: LiveVenueFactory) => {
  const store = createMemoryFollowerStore();
  await store.create(followerRecord(FOLLOWER, config, T0));
  const leaderPositions = new Map<Address, Record<string, string> | null>([[LEADER, {}]]);
  const leaderEquity = new Map<Address, string>([[LEADER, "100000"]]);
  const mids: Record<string, string> = {};
  /** Coins the market has no mid for (a dex's mids missing), and coins `meta` no longer lists. */
  const noMid = new Set<string>();
  const unlisted = new Set<string>();
  const alerts: CopyAlert[] = [];
  const counts: CopyRunCounts[] = [];
  const clock = { now: T0 };
  /** Each ask for a leader's account value, and from when it had to be (proportional sizing after his event). */
  const equityAsks: { leader: Address; notBefore: number | undefined }[] = [];
  /** The leader's opening events as the events table holds them, by coin (a test sets them); each ask. */
  const openings = new Map<string, StoredOpening>();
  const openingAsks: { coin: string; version: number }[] = [];
  /** His tracking state's version: one more per move. */
  let leaderVersion = 0;
  const { logger, entries } = recordingLogger();
  const engine = createCopyEngine({
    store,
    leaders: {
      positions: async (leaders) =>
        new Map(
          leaders.map((l) => {
            const sizes = leaderPositions.get(l);
            return [l, sizes === undefined || sizes === null ? null : { sizes: structuredClone(sizes), asOf: clock.now, version: leaderVersion }];
          }),
        ),
      equityUsd: async (leader, notBefore) => {
        equityAsks.push({ leader, notBefore });
        return leaderEquity.get(leader) ?? "0";
      },
      opening: async (_leader, coin, version) => {
        openingAsks.push({ coin, version });
        return openings.get(coin) ?? null;
      },
    },
    market: {
      mids: async (coins) => Object.fromEntries(coins.filter((c) => !noMid.has(c)).map((c) => [c, mids[c] ?? midOf(c)])),
      szDecimals: async (coin) => (unlisted.has(coin) ? null : szDecimalsOf(coin)),
    },
    venueFor: createVenueFor(live),
    alert: async (_record, alert) => {
      alerts.push(alert);
    },
    publishCounts: (c) => counts.push(c),
    logger,
    now: () => clock.now,
  });
  let seq = 0;
  /** A leader event at the current time (its signal `ageMs` old), as the dispatcher would queue it. */
  const event = (coin: string, ageMs = 0): CopyMessage => ({
    v: 1,
    follower_id: FOLLOWER,
    event_id: `${LEADER}-${++seq}-${coin}`,
    leader: LEADER,
    coin,
    signal_at: clock.now - ageMs,
  });
  const reconcile = (): CopyMessage => ({ v: 1, follower_id: FOLLOWER, event_id: `reconcile:${clock.now}`, leader: null, coin: null, signal_at: clock.now });
  /** The leader moves to `positions`; his event for `coin` is run through the engine. */
  const leaderMoves = async (positions: Record<string, string>, coin: string, ageMs = 0) => {
    leaderPositions.set(LEADER, positions);
    leaderVersion++;
    clock.now += 1_000;
    const message = event(coin, ageMs);
    return { message, outcome: await engine(message) };
  };
  return { store, engine, leaderPositions, leaderEquity, equityAsks, openings, openingAsks, mids, noMid, unlisted, alerts, counts, clock, entries, event, reconcile, leaderMoves };
};

export const ordersOf = async (h: { store: ReturnType<typeof createMemoryFollowerStore> }) =>
  [...(h.store.orders.get(FOLLOWER) ?? [])].map((o) => [o.coin, o.side, o.size, o.reduceOnly, o.status, o.fillPrice] as const);
