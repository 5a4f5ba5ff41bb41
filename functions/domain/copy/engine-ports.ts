import type { AppLogger } from "#commons/logger.js";
import type { Address } from "#domain/address.js";
import type { PaperLedger } from "./paper.js";
import type { CopyAccount, CopyOrder, CopyVenue, FollowerRecord, FollowerStore, PauseReason } from "./ports.js";

/**
 * What the copy engine (./engine.js) needs besides the FollowerStore: the leaders as tracking
 * stored them, the market, a venue per follower, and somewhere to say what happened. All ports:
 * the adapters are in #app/copy.
 */

/** A leader's positions as tracking committed them: signed sizes per coin, and when they were seen (ms). */
export interface LeaderPositions {
  sizes: Record<string, string>;
  /** The exchange time of the snapshot they come from (unknown for states stored before it was kept). */
  asOf?: number;
  /** His tracking state's version: his events up to it are in `sizes`. */
  version?: number;
}

/** The event that opened a leader's position (OPEN, or a FLIP into its side), as stored. */
export interface StoredOpening {
  /** The event's time (its last fill's), ms. */
  signalAt: number;
  /** His signed size after it. */
  szi: string;
  version: number;
}

export interface LeaderSource {
  /**
   * Each leader's positions, as tracking committed them with its last event; `null` for a leader
   * tracking has no baseline of yet (his positions are unknown, not empty).
   */
  positions(leaders: readonly Address[], opts?: { consistent?: boolean }): Promise<Map<Address, LeaderPositions | null>>;
  /**
   * His account value (the exchange's clearinghouseState; cached about a minute), read at or after
   * `notBefore` (ms) when given: proportional sizing takes it when he trades, so after his event.
   */
  equityUsd(leader: Address, notBefore?: number): Promise<string>;
  /**
   * His latest OPEN or FLIP event in `coin` at or before his state `version`; null when none is
   * found within the events it reads, or a CLOSE of the coin comes after the last. Optional:
   * without it, a run finds no opening for a leg whose message it has not seen
   * (#domain/copy/engine-openings.js).
   */
  opening?(leader: Address, coin: string, version: number): Promise<StoredOpening | null>;
}

export interface CopyMarket {
  /** Mid price per coin, at most a second old; a coin with no mid is left out. */
  mids(coins: readonly string[]): Promise<Record<string, string>>;
  /** The coin's szDecimals from `meta` (cached); null when `meta` does not list it (delisted, unknown). */
  szDecimals(coin: string): Promise<number | null>;
}

/** A venue for one run. A paper venue also hands back its ledger, which the run commits. */
export interface EngineVenue extends CopyVenue {
  ledger?(): PaperLedger;
}

export type VenueChoice = { venue: EngineVenue } | { unavailable: { reason: PauseReason; message: string } };

export interface VenueContext {
  record: FollowerRecord;
  account: CopyAccount;
  /** The run's mids: the paper venue fills and values its ledger at them. */
  mids: Readonly<Record<string, string>>;
}

export type CopyAlert =
  | { kind: "pause"; followerId: string; name: string; reason: PauseReason; message: string; at: number }
  | { kind: "fill"; followerId: string; name: string; order: CopyOrder }
  | { kind: "error"; followerId: string; name: string; message: string; order?: CopyOrder; at: number };

/** What one run did, for the CopyOrdersSent / CopyOrderErrors / CopyFollowersPaused / CopySignalToOrderMs metrics. */
export interface CopyRunCounts {
  ordersSent: number;
  /** Refused by the venue (not counting an IOC that found nothing to match). */
  orderErrors: number;
  followersPaused: number;
  signalToOrderMs: number[];
}

export interface EngineDeps {
  store: FollowerStore;
  leaders: LeaderSource;
  market: CopyMarket;
  venueFor(context: VenueContext): VenueChoice | Promise<VenueChoice>;
  /** The webhook notifier; must never throw (#app/copy/alerts.js). */
  alert?(record: FollowerRecord, alert: CopyAlert): Promise<void>;
  publishCounts?(counts: CopyRunCounts): void;
  logger: AppLogger;
  now(): number;
}
