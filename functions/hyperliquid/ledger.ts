import type { LedgerPage, SetAsideEntry } from "#domain/history/ports.js";
import type { LedgerEntry } from "#domain/metrics/types.js";
import { issuePath, ledgerEntrySchema } from "./schemas.js";

/**
 * Reads a `userNonFundingLedgerUpdates` page entry by entry. The ledger is paged by time from a
 * cursor, so an entry that failed the whole page would fail every later request from that cursor
 * too: the trader's ledger would stop for good over one odd value. An unreadable entry is set aside
 * instead, with what can still be told of it: its time and hash (the sync steps past it by them)
 * and what was wrong.
 */
export const readLedgerPage = (raw: readonly unknown[]): LedgerPage => {
  const entries: LedgerEntry[] = [];
  const setAside: SetAsideEntry[] = [];
  for (const item of raw) {
    const parsed = ledgerEntrySchema.safeParse(item);
    if (parsed.success) {
      entries.push({ time: parsed.data.time, hash: parsed.data.hash, delta: parsed.data.delta });
      continue;
    }
    const issue = parsed.error.issues[0];
    setAside.push({
      time: readTime(item),
      hash: readHash(item),
      reason: issue === undefined ? "unreadable" : `${issuePath(issue.path) || "(entry)"}: ${issue.message}`,
    });
  }
  return { entries, setAside };
};

const field = (item: unknown, key: string): unknown =>
  typeof item === "object" && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>)[key] : undefined;

const readTime = (item: unknown): number | null => {
  const value = field(item, "time");
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : null;
};

const readHash = (item: unknown): string | null => {
  const value = field(item, "hash");
  return typeof value === "string" ? value : null;
};
