import { syncTraderHistory, type HistorySyncDeps, type HistorySyncOptions } from "#domain/history/index.js";
import { dataFreshness, type FreshnessRules } from "#domain/history/freshness.js";
import { completeBefore, type TrackedFills } from "#domain/history/plan.js";
import { ledgerNeeded } from "#domain/metrics/trader-leaderboard.js";
import type { HistoryStore } from "#domain/history/ports.js";
import type { TraderView } from "#domain/read-models.js";
import type { HistorySource } from "#domain/leaderboard-job/job.js";

/**
 * The leaderboard job's view of a trader's history: a sync that fetches only what is due (new
 * activity, a backfill in progress, a stale portfolio or ledger) and a load of what is stored.
 */
export const createHistorySource = (
  deps: HistorySyncDeps,
  store: Pick<HistoryStore, "loadTraderHistory" | "getSyncState">,
  options: Pick<HistorySyncOptions, "maxPages" | "portfolioMaxAgeMs" | "ledgerMaxAgeMs">,
  rules: FreshnessRules,
): HistorySource => ({
  async sync(trader, signal) {
    const result = await syncTraderHistory(deps, trader.address, { ...options, lastActivityAt: trader.lastChangedAt, trackedFills: trackedFillsOf(trader), signal });
    const fetched = result.fills !== null || result.ledger !== null || result.funding !== null || result.portfolioRefreshed || result.roleRefreshed;
    const failedSources = Object.keys(result.failed);
    const setAside = result.ledger?.setAside ?? 0;
    return fetched || result.stopped !== null
      ? {
          budgetStopped: result.stopped === "budget",
          ...(failedSources.length > 0 && { failedSources }),
          ...(setAside > 0 && { setAside }),
        }
      : null;
  },
  async load(trader, after) {
    const stored = await store.loadTraderHistory(trader.address, { ...(after !== undefined && { after }), ledgerIf: ledgerNeeded });
    return { address: trader.address, ...stored, firstSeenAt: firstSeenAt(trader) };
  },
  async status(trader, now) {
    const state = await store.getSyncState(trader.address);
    return { freshness: dataFreshness(state, firstSeenAt(trader), now, rules), completeBefore: completeBefore(state, trackedFillsOf(trader)) };
  },
});

/** What tracking stored of the trader's fills (#domain/history/plan.js TrackedFills); null before its baseline. */
const trackedFillsOf = (trader: TraderView): TrackedFills | null =>
  trader.baselineAt !== null && trader.fillsCursor !== null ? { from: trader.baselineAt, to: trader.fillsCursor } : null;

const firstSeenAt = (trader: { first_seen_at: string }): number => {
  const at = Date.parse(trader.first_seen_at);
  return Number.isNaN(at) ? Date.now() : at;
};
