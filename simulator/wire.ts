import { decStr, type Decimal } from "#commons/decimal.js";

/**
 * Hyperliquid's wire format, as the simulator writes it. Field names and JSON types follow the
 * recorded fixtures and the API docs: every price, size and money amount is a decimal string,
 * times / oid / tid / leverage values are numbers.
 */

export type Side = "B" | "A";

export type Dir =
  | "Open Long"
  | "Close Long"
  | "Open Short"
  | "Close Short"
  | "Long > Short"
  | "Short > Long"
  // The liquidated trader's own fills; his counterparties' keep their ordinary dir.
  | `Liquidated ${"Cross" | "Isolated"} ${"Long" | "Short"}`
  // Fills of other markets, which the fills endpoints return beside perp fills.
  | "Settlement"
  | "Buy";

/** On every fill of a liquidation (both sides): whose position, the mark that triggered it, how. */
export interface WireLiquidation {
  liquidatedUser: string;
  markPx: string;
  method: "market" | "backstop";
}

/** One element of `userFills` / `userFillsByTime`, in the API's key order. */
export interface WireFill {
  coin: string;
  px: string;
  sz: string;
  side: Side;
  time: number;
  startPosition: string;
  dir: Dir;
  closedPnl: string;
  hash: string;
  oid: number;
  crossed: boolean;
  fee: string;
  tid: number;
  feeToken: string;
  liquidation?: WireLiquidation;
}

/** One element of `recentTrades`; `users` is [buyer, seller], `side` is the aggressor's. */
export interface WireTrade {
  coin: string;
  side: Side;
  px: string;
  sz: string;
  time: number;
  hash: string;
  tid: number;
  users: [string, string];
}

export interface WireAsset {
  name: string;
  szDecimals: number;
  maxLeverage: number;
  /** The API omits the flag for live assets, so it is only ever `true` here. */
  isDelisted?: true;
}

export type WireLeverage =
  | { type: "cross"; value: number }
  | { type: "isolated"; value: number; rawUsd: string };

export interface WireMarginSummary {
  accountValue: string;
  totalNtlPos: string;
  totalRawUsd: string;
  totalMarginUsed: string;
}

export interface WireLedgerUpdate {
  time: number;
  hash: string;
  /** Each type has its own fields (`deposit`: `usdc`); `recordLedgerUpdate` may add any. */
  delta: { type: string } & Record<string, unknown>;
}

/** `userRole`: what the address is to the exchange; an approved agent names its user (`subAccount` is not simulated). */
export type WireRole = { role: "user" | "vault" | "missing" } | { role: "agent"; data: { user: string } };

export interface WireFunding {
  time: number;
  hash: string;
  delta: {
    type: "funding";
    coin: string;
    usdc: string;
    szi: string;
    fundingRate: string;
    nSamples: number;
  };
}

export type PortfolioWindow =
  | "day"
  | "week"
  | "month"
  | "allTime"
  | "perpDay"
  | "perpWeek"
  | "perpMonth"
  | "perpAllTime";

export interface WirePortfolioEntry {
  accountValueHistory: [number, string][];
  pnlHistory: [number, string][];
  vlm: string;
}

/** big.js rounding mode 1: half away from zero, the usual money rounding. */
const ROUND_HALF_UP = 1;

/**
 * The API prints decimals the way its Rust floats print: at least one fractional digit
 * ("0.0", "26951.0"), never an exponent, never a trailing zero beyond that.
 */
export const wireDec = (value: Decimal): string => {
  const s = decStr(value);
  return s.includes(".") ? s : `${s}.0`;
};

/** USDC amounts (PnL, fees, margin, account values) carry at most 6 decimals on the wire. */
export const usd = (value: Decimal): string => wireDec(value.round(6, ROUND_HALF_UP));

/** Ratios and liquidation prices come back with 8 decimals in every recorded response. */
export const dec8 = (value: Decimal): string => wireDec(value.round(8, ROUND_HALF_UP));

export const roundUsd = (value: Decimal): Decimal => value.round(6, ROUND_HALF_UP);

/**
 * Average entry prices are shown (and, here, kept) to 6 significant figures: every entryPx in
 * the recorded clearinghouseState responses has at most 6. Keeping the shown value as the one
 * used for closedPnl means a consumer recomputing PnL from clearinghouseState gets our numbers.
 */
export const roundEntryPx = (value: Decimal): Decimal => value.prec(6, ROUND_HALF_UP);

/** The error text axum (the API's HTTP layer) answers with when a body does not fit a request type. */
export const DESERIALIZE_ERROR = "Failed to deserialize the JSON body into the target type";
export const PARSE_ERROR = "Failed to parse the request body as JSON";
export const CONTENT_TYPE_ERROR = "Expected request with `Content-Type: application/json`";
