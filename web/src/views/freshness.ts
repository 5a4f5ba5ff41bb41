import type { DataFreshness, HistorySource } from "../api";
import { h } from "../dom";
import { ago, when } from "../format";

/**
 * The trader page's word on how current the history behind the figures is: a badge that reads at a
 * glance (synced N ago, still syncing, or stale), with each source's last sync in its title.
 */

const LABELS: Record<HistorySource, string> = {
  fills: "fills",
  ledger: "deposits and withdrawals",
  funding: "funding",
  portfolio: "equity history",
  role: "account kind",
};

const syncedAt = (f: DataFreshness): Partial<Record<HistorySource, string | null>> => ({
  fills: f.fills_synced_at,
  ledger: f.ledger_synced_at,
  funding: f.funding_synced_at,
  portfolio: f.portfolio_fetched_at,
});

const details = (f: DataFreshness): string =>
  (Object.entries(syncedAt(f)) as [HistorySource, string | null][])
    .map(([source, at]) => {
      const failing = f.failing_since[source];
      return `${LABELS[source]}: ${at ? `synced ${when(at)}` : "not synced yet"}${failing ? `, failing since ${when(failing)}` : ""}`;
    })
    .join("\n");

export const freshnessBadge = (f: DataFreshness | null): HTMLElement | null => {
  if (f === null) return null;
  const title = details(f);
  if (f.status === "stale") {
    const which = f.stale_sources.map((s) => LABELS[s]).join(", ");
    return h("span", { class: "badge stale", title, "data-freshness": "stale" }, `stale data: ${which}`);
  }
  if (f.status === "pending") return h("span", { class: "badge", title, "data-freshness": "pending" }, "history syncing");
  // The oldest source says how old the figures may be.
  const times = Object.values(syncedAt(f)).filter((t): t is string => t !== null);
  const oldest = times.length === 0 ? null : times.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b));
  return h("span", { class: "badge", title, "data-freshness": "fresh" }, oldest ? `history synced ${ago(oldest)}` : "history synced");
};
