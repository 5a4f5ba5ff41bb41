import type { Address } from "#domain/address.js";

/**
 * A follower: one account that copies one or more leaders (tracked traders). This is the domain's
 * view of `POST /followers` (follower-schema.ts parses the body into it). Amounts are exact decimal
 * strings, as everywhere else: sizes and money never pass through a float.
 */

/** How a leader's position becomes the follower's (see targets.ts for the arithmetic). */
export type Sizing =
  /** follower szi = leader szi × (follower equity ÷ leader equity) × multiplier, the equities of his last change to the coin */
  | { mode: "proportional"; multiplier: string }
  /** follower szi = leader szi × ratio */
  | { mode: "fixed_ratio"; ratio: string }
  /** a new leader position opens at notionalUsd; later adds and reductions scale it as his own size */
  | { mode: "fixed_notional"; notionalUsd: string };

export interface FollowedLeader {
  address: Address;
  sizing: Sizing;
}

export const DEFAULT_MAX_SLIPPAGE_BPS = 50;

/** Every limit is optional except the slippage, which every IOC order needs a bound for. */
export interface Caps {
  maxPositionUsd?: string;
  maxTotalExposureUsd?: string;
  /** Total exposure ≤ follower equity × this. */
  maxLeverage?: string;
  /** Only these coins are copied (absent: all). */
  coinsAllow?: readonly string[];
  /** Never copied (the schema refuses a coin in both lists). */
  coinsDeny?: readonly string[];
  maxSlippageBps: number;
  /** A signal older than this opens and increases nothing; reductions and closes are followed. */
  maxSignalAgeSeconds?: number;
  dailyLossLimitUsd?: string;
  /** 0 < x ≤ 1: the fraction of peak equity lost that pauses the follower. */
  maxDrawdown?: string;
}

/** new_changes_only: positions the leaders already hold when following starts are not copied. */
export type StartMode = "new_changes_only" | "sync_now";

/** Where a live follower's agent (API wallet) key is kept; the key itself is never stored. */
export type AgentKeyRef = { source: "secretsmanager"; name: string } | { source: "env"; name: string };

export type Network = "mainnet" | "testnet";

/** What a pause (the kill switch's or the user's) does with open positions: keep them, or close them (reduce-only). */
export type OnPause = "keep" | "close";

export const DEFAULT_ON_PAUSE: OnPause = "keep";

interface FollowerBase {
  name: string;
  leaders: readonly FollowedLeader[];
  caps: Caps;
  start: StartMode;
  alertsWebhookUrl?: string;
  /** Absent: DEFAULT_ON_PAUSE. */
  onPause?: OnPause;
}

export interface PaperFollowerConfig extends FollowerBase {
  mode: "paper";
  paperBalanceUsd: string;
  /** The simulated taker fee per fill, as a fraction of notional; absent: paper.ts DEFAULT_TAKER_FEE_RATE. */
  takerFeeRate?: string;
}

export interface LiveFollowerConfig extends FollowerBase {
  mode: "live";
  accountAddress: Address;
  agentKeyRef: AgentKeyRef;
  network: Network;
}

export type FollowerConfig = PaperFollowerConfig | LiveFollowerConfig;

/** The ref as the API spells it (`secretsmanager:<name>`, `env:<VAR>`). */
export const formatAgentKeyRef = (ref: AgentKeyRef): string => `${ref.source}:${ref.name}`;

/** Whether the follower copies this coin at all (coins_allow / coins_deny). */
export const copiesCoin = (caps: Caps, coin: string): boolean =>
  (caps.coinsAllow === undefined || caps.coinsAllow.includes(coin)) && !(caps.coinsDeny ?? []).includes(coin);
