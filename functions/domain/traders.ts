import { ValidationError } from "#commons/errors.js";
import { parseAddress, type Address } from "./address.js";
import { mapWithConcurrency } from "./concurrency.js";
import type { DiscoverySource, TraderStore } from "./ports.js";

/**
 * Starting to track a trader, whether discovery found them or a user asked by hand
 * (`POST /traders/{address}/track`): one function, so both paths validate and store alike.
 */
export const trackTrader = async (
  traders: TraderStore,
  rawAddress: unknown,
  opts: { source: DiscoverySource; coin?: string; at: number },
): Promise<{ address: Address; created: boolean; reactivated: boolean }> => {
  const address = parseAddress(rawAddress);
  const result = await traders.addTrader({
    address,
    source: opts.source,
    at: opts.at,
    ...(opts.coin !== undefined ? { coin: opts.coin } : {}),
  });
  return { address, ...result };
};

/** Every active trader's address, walking the active index a page at a time (keys only: cheap). */
export const listActiveAddresses = async (traders: Pick<TraderStore, "pageActive">): Promise<Address[]> => {
  const all: Address[] = [];
  let cursor: string | undefined;
  do {
    const page = await traders.pageActive(1_000, cursor);
    all.push(...page.addresses);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return all;
};

// Bulk tracking (`POST /traders/track`) -----------------------------------------------------------

/** "tracked": this request started tracking it (new, or stopped before); "already_tracked": nothing changed. */
export type BulkTrackStatus = "tracked" | "already_tracked" | "invalid";

export interface BulkTrackResult {
  /** The entry as sent (its first occurrence when repeated). */
  input: string;
  /** Lowercased; null when the entry is not an address. */
  address: Address | null;
  status: BulkTrackStatus;
  created: boolean;
  reactivated: boolean;
  /** Why an invalid entry is not an address (the single route's 400 message). */
  error?: string;
}

export interface BulkTrackCounts {
  /** Entries sent: tracked + already_tracked + invalid + duplicates. */
  received: number;
  tracked: number;
  already_tracked: number;
  invalid: number;
  /** Entries that repeat an earlier one (same address in any case, or the same invalid text). */
  duplicates: number;
}

type PlannedEntry = { input: string; address: Address } | { input: string; error: string };

/**
 * Each distinct entry once, in the order first sent: an address in any case (or with spaces
 * around it) is the same trader, as the single route lowercases and trims it.
 */
export const planBulkTrack = (inputs: readonly string[]): { entries: PlannedEntry[]; duplicates: number } => {
  const seen = new Set<string>();
  const entries: PlannedEntry[] = [];
  for (const input of inputs) {
    const key = input.trim().toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      entries.push({ input, address: parseAddress(input) });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      entries.push({ input, error: error.message });
    }
  }
  return { entries, duplicates: inputs.length - entries.length };
};

/**
 * Writes in flight at once. Each address is the single route's own conditional write (addTrader),
 * so a new trader keeps first_seen_at and a stopped one is reactivated exactly as one at a time;
 * a few in parallel keep 500 addresses well inside a request's time without bursting the table.
 */
export const BULK_TRACK_CONCURRENCY = 16;

/**
 * Tracks many traders by hand in one call. Not atomic: if a write fails the call rejects, and the
 * addresses written before stay tracked; sending the same list again is safe (already_tracked).
 */
export const trackTraders = async (
  traders: TraderStore,
  inputs: readonly string[],
  opts: { source: DiscoverySource; at: number; concurrency?: number },
): Promise<{ results: BulkTrackResult[]; counts: BulkTrackCounts }> => {
  const { entries, duplicates } = planBulkTrack(inputs);
  const results = await mapWithConcurrency(entries, opts.concurrency ?? BULK_TRACK_CONCURRENCY, async (e): Promise<BulkTrackResult> => {
    if ("error" in e) return { input: e.input, address: null, status: "invalid", created: false, reactivated: false, error: e.error };
    const r = await traders.addTrader({ address: e.address, source: opts.source, at: opts.at });
    const status = r.created || r.reactivated ? "tracked" : "already_tracked";
    return { input: e.input, address: e.address, status, created: r.created, reactivated: r.reactivated };
  });
  const count = (s: BulkTrackStatus) => results.filter((r) => r.status === s).length;
  return {
    results,
    counts: {
      received: inputs.length,
      tracked: count("tracked"),
      already_tracked: count("already_tracked"),
      invalid: count("invalid"),
      duplicates,
    },
  };
};
