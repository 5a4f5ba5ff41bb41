/**
 * The exchange as the domain sees it (a port). The Hyperliquid client in `functions/hyperliquid`
 * implements it; tests and the demo point that same client at the simulator. All amounts are the
 * exchange's exact decimal strings.
 */

/** Who is asking: tracking has priority over everything else in the weight budget. */
export type Lane = "tracking" | "discovery" | "history";

export interface CallOptions {
  lane: Lane;
  signal?: AbortSignal;
  /**
   * Epoch ms by which the weight budget must have granted each attempt's weight, or the call
   * rejects with BudgetTimeoutError (nothing more is sent). Without it the budget's default wait.
   */
  budgetDeadline?: number;
  /** Served before the lane's other waiters (a live change someone waits to see). */
  urgent?: boolean;
}

/** The exchange's margin modes; another name it may add is kept as it is sent. */
export type LeverageType = "cross" | "isolated" | (string & {});

export interface Leverage {
  type: LeverageType;
  value: number;
}

/** One open perpetual position as `clearinghouseState` reports it. `szi` is signed: < 0 is short. */
export interface ExchangePosition {
  coin: string;
  szi: string;
  entryPx: string | null;
  leverage: Leverage;
  positionValue: string | null;
  unrealizedPnl: string | null;
  liquidationPx: string | null;
  marginUsed: string | null;
}

export interface AccountState {
  positions: ExchangePosition[];
  accountValue: string;
  withdrawable: string | null;
  /** Exchange time of the snapshot when the API gives it (current shape); null for the old shape. */
  time: number | null;
}

export type FillSide = "B" | "A";

/** One fill as `userFills`/`userFillsByTime` return it. */
export interface Fill {
  coin: string;
  px: string;
  sz: string;
  side: FillSide;
  time: number;
  startPosition: string;
  dir: string;
  closedPnl: string;
  hash: string;
  oid: number;
  tid: number;
  fee: string;
  feeToken: string | null;
  crossed: boolean;
  /** Present on the fills of a liquidation, the liquidated trader's and his counterparties'. */
  liquidation?: FillLiquidation;
}

/** The `liquidation` object of a fill; each field null when the exchange left it out. */
export interface FillLiquidation {
  /** Whose position was liquidated (lowercase): on a counterparty's fill, someone else. */
  liquidatedUser: string | null;
  markPx: string | null;
  /** "market" (sold on the book) or "backstop" (taken over by the liquidator vault), as sent. */
  method: string | null;
}

/** One public trade from `recentTrades`. `users` is [buyer, seller]. */
export interface RecentTrade {
  coin: string;
  side: FillSide;
  px: string;
  sz: string;
  time: number;
  hash: string;
  tid: number;
  users: [string, string];
}

export interface PerpAsset {
  name: string;
  szDecimals: number;
  maxLeverage: number;
  isDelisted: boolean;
}

/** A builder-deployed (HIP-3) perp dex as `perpDexs` lists it; its coins are named `<name>:<COIN>`. */
export interface PerpDex {
  name: string;
  fullName: string;
}

/**
 * Every perp dex is named by a string: a builder dex by its `name`, the main (first) dex by `""`,
 * as the exchange's own `dex` request field does.
 */
export const MAIN_DEX = "";

export interface ExchangePort {
  /** `perpDexs`: the builder-deployed perp dexes (the main dex, `null` on the wire, left out). */
  perpDexs(opts: CallOptions): Promise<PerpDex[]>;
  /** `meta` of one perp dex (default the main one): every perpetual, delisted ones flagged. */
  perpMeta(opts: CallOptions, dex?: string): Promise<PerpAsset[]>;
  recentTrades(coin: string, opts: CallOptions): Promise<RecentTrade[]>;
  /** One dex's clearinghouse (default the main one): it shows only that dex's positions. */
  clearinghouseState(user: string, opts: CallOptions, dex?: string): Promise<AccountState>;
  /** Fills with `startTime <= time <= endTime`, oldest first, at most 2,000 per call (the API's page). */
  userFillsByTime(
    user: string,
    startTime: number,
    endTime: number | undefined,
    opts: CallOptions,
  ): Promise<Fill[]>;
}
