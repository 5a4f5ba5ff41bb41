/**
 * Request weights of the `/info` endpoint, as the Hyperliquid docs ("Rate limits and user limits")
 * state them: 1,200 weight per minute per IP; a few cheap requests cost 2, `userRole` 60, every
 * other documented info request 20. Requests that return lists also cost one unit per page of
 * items returned, which is only known after the answer arrives (`surcharge`).
 */

const BASE_WEIGHT_2 = new Set([
  "l2Book",
  "allMids",
  "clearinghouseState",
  "orderStatus",
  "spotClearinghouseState",
  "exchangeStatus",
]);

const BASE_WEIGHT_60 = new Set(["userRole"]);

/** Everything the docs do not list as cheaper. */
export const DEFAULT_INFO_WEIGHT = 20;

/**
 * Items per extra unit of weight. The docs name `nonUserFundingUpdates`; we also list
 * `userNonFundingLedgerUpdates` (the request type the API actually accepts for it), because
 * charging a little too much only costs headroom while charging too little earns a 429.
 */
const ITEMS_PER_EXTRA_UNIT: Readonly<Record<string, number>> = {
  recentTrades: 20,
  historicalOrders: 20,
  userFills: 20,
  userFillsByTime: 20,
  fundingHistory: 20,
  userFunding: 20,
  nonUserFundingUpdates: 20,
  userNonFundingLedgerUpdates: 20,
  twapHistory: 20,
  userTwapSliceFills: 20,
  userTwapSliceFillsByTime: 20,
  delegatorHistory: 20,
  delegatorRewards: 20,
  validatorStats: 20,
  candleSnapshot: 60,
};

/** Weight paid before sending an info request of this `type`. */
export const baseWeight = (type: string): number =>
  BASE_WEIGHT_2.has(type) ? 2 : BASE_WEIGHT_60.has(type) ? 60 : DEFAULT_INFO_WEIGHT;

/** Extra weight owed once the response holds `itemCount` items: one unit per full page (20, or 60 for candles). */
export const surcharge = (type: string, itemCount: number): number => {
  const per = ITEMS_PER_EXTRA_UNIT[type];
  if (per === undefined || !Number.isFinite(itemCount) || itemCount <= 0) return 0;
  return Math.floor(itemCount / per);
};

/**
 * Weight of one POST /exchange action (the docs' "Rate limits": an exchange action weighs
 * 1 + floor(batch_length / 40)), so a batch of 40 orders costs 2, the same budget as info requests.
 */
export const exchangeActionWeight = (orderCount: number): number => 1 + Math.floor(Math.max(0, orderCount) / 40);
