import type { FaultKind } from "./faults.js";

/**
 * What the simulator was asked, and what the real exchange would have charged for it. Computed
 * here from the rate-limit docs, independently of the client's own accounting, so a test can
 * check the client's budget against it:
 * - weight 2: l2Book, allMids, clearinghouseState, orderStatus, spotClearinghouseState, exchangeStatus;
 * - weight 60: userRole;
 * - every other info request: 20;
 * - plus 1 per 20 items returned for the list requests below (the docs' list names
 *   "nonUserFundingUpdates", which is the ledger request's old name).
 * Base weight is counted for every well-formed request, even one answered 429 or 5xx by a fault
 * (but not one refused by the weight rule itself); the per-item surcharge only for items returned.
 */

const LIGHT = new Set([
  "l2Book",
  "allMids",
  "clearinghouseState",
  "orderStatus",
  "spotClearinghouseState",
  "exchangeStatus",
]);
const PER_ITEM = new Set([
  "recentTrades",
  "historicalOrders",
  "userFills",
  "userFillsByTime",
  "fundingHistory",
  "userFunding",
  "userNonFundingLedgerUpdates",
  "twapHistory",
  "userTwapSliceFills",
  "userTwapSliceFillsByTime",
  "delegatorHistory",
  "delegatorRewards",
  "validatorStats",
]);

export const baseWeight = (type: string): number => (LIGHT.has(type) ? 2 : type === "userRole" ? 60 : 20);

export const itemWeight = (type: string, items: number): number => (PER_ITEM.has(type) ? Math.floor(items / 20) : 0);

export interface SimulatorStats {
  totalRequests: number;
  /** Requests received per `type` (including ones answered with a fault). */
  requests: Record<string, number>;
  faults: Record<FaultKind, number>;
  /** Requests answered 429 because the client was over the exchange's weight a minute. */
  limited: number;
  /** Requests rejected as the API would (bad JSON, unknown type, bad fields). */
  rejected: number;
  /** Total weight the exchange would have charged. */
  weight: number;
  weightByType: Record<string, number>;
}

export class StatsRecorder {
  private s: SimulatorStats = emptyStats();

  request(type: string): void {
    this.s.totalRequests++;
    this.s.requests[type] = (this.s.requests[type] ?? 0) + 1;
  }

  fault(kind: FaultKind): void {
    this.s.faults[kind]++;
  }

  rejected(): void {
    this.s.rejected++;
  }

  limited(): void {
    this.s.limited++;
  }

  weight(type: string, weight: number): void {
    if (weight === 0) return;
    this.s.weight += weight;
    this.s.weightByType[type] = (this.s.weightByType[type] ?? 0) + weight;
  }

  snapshot(): SimulatorStats {
    return {
      ...this.s,
      requests: { ...this.s.requests },
      faults: { ...this.s.faults },
      weightByType: { ...this.s.weightByType },
    };
  }

  reset(): void {
    this.s = emptyStats();
  }
}

const emptyStats = (): SimulatorStats => ({
  totalRequests: 0,
  requests: {},
  faults: { rateLimited: 0, serverError: 0, slow: 0, malformed: 0 },
  limited: 0,
  rejected: 0,
  weight: 0,
  weightByType: {},
});
