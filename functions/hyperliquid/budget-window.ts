import type { Lane } from "#domain/exchange.js";

/**
 * The bookkeeping behind the weight budget: what this process spent, when, and by which lane,
 * over the last two minutes (the current sliding window and the one before it, which is our
 * estimate of tracking's demand). Pure data; the budget decides who may spend.
 */

export const WINDOW_MS = 60_000;
/** Spends are merged per lane into buckets this long (see `spend`). */
const MERGE_BUCKET_MS = 1_000;
export const LANES: readonly Lane[] = ["tracking", "discovery", "history"];

export const laneRecord = (value = 0): Record<Lane, number> => ({ tracking: value, discovery: value, history: value });

interface Entry {
  t: number;
  lane: Lane;
  w: number;
  /** Part of `w` paid ahead (a shared-ledger lease) and not drawn yet. */
  prepaid: number;
  /** Prepaid weight may be drawn until then: while its entry still sits in the window it was counted in. */
  validUntil: number;
}

export interface WindowSummary {
  total: number;
  byLane: Record<Lane, number>;
  /** Tracking weight spent 60–120 s ago. */
  trackingPrev: number;
}

export class SpendWindow {
  private entries: Entry[] = [];
  /** The entries with prepaid weight left: few (one per lease in flight), and all that draws scan. */
  private leases: Entry[] = [];
  /** Each lane's newest plain (not prepaid) entry, which spends in the same bucket merge into. */
  private lastPlain: Partial<Record<Lane, Entry>> = {};

  /** Records `w` spent now; `prepaid` of it stays drawable until `validUntil`. */
  spend(now: number, lane: Lane, w: number, prepaid = 0, validUntil = now): void {
    if (w <= 0) return;
    if (prepaid === 0) {
      // Plain spends of one lane within a bucket share one entry, so the window holds at most a few
      // hundred entries however many requests go out (every take scans it). The bucket's stamp is
      // its end, never earlier than the real spend: the weight leaves the window late, never early.
      const t = Math.ceil(now / MERGE_BUCKET_MS) * MERGE_BUCKET_MS;
      const last = this.lastPlain[lane];
      if (last !== undefined && last.t === t) {
        last.w += w;
        return;
      }
      const entry = { t, lane, w, prepaid, validUntil };
      this.entries.push(entry);
      this.lastPlain[lane] = entry;
      return;
    }
    const lease = { t: now, lane, w, prepaid, validUntil };
    this.entries.push(lease);
    this.leases.push(lease);
  }

  /** Entries kept, leases open: bounded by the buckets of two minutes plus the leases in flight. */
  get size(): { entries: number; leases: number } {
    return { entries: this.entries.length, leases: this.leases.length };
  }

  prepaid(now: number, lane: Lane): number {
    let sum = 0;
    for (const e of this.leases) if (e.lane === lane && e.prepaid > 0 && e.validUntil > now) sum += e.prepaid;
    return sum;
  }

  /**
   * Uses `x` of the lane's prepaid weight now. The weight moves from the old entry to a new one
   * stamped now, so the window shows it when the request really went out (a sliding window that
   * kept it at lease time would forget it too early).
   */
  draw(now: number, lane: Lane, x: number): void {
    let left = x;
    let spent = false;
    for (const e of this.leases) {
      if (left <= 0) break;
      if (e.lane !== lane || e.prepaid <= 0 || e.validUntil <= now) continue;
      const d = Math.min(e.prepaid, left);
      e.prepaid -= d;
      e.w -= d;
      left -= d;
      if (e.prepaid <= 0) spent = true;
    }
    if (spent || this.leases.some((e) => e.validUntil <= now)) this.dropSpentLeases(now);
    this.spend(now, lane, x - left);
  }

  /** Leases drawn to the end or expired stop being scanned; an emptied one leaves the window too. */
  private dropSpentLeases(now: number): void {
    this.leases = this.leases.filter((e) => e.prepaid > 0 && e.validUntil > now);
    if (this.entries.some((e) => e.w <= 0)) this.entries = this.entries.filter((e) => e.w > 0);
  }

  summary(now: number): WindowSummary {
    this.prune(now);
    const byLane = laneRecord();
    let total = 0;
    let trackingPrev = 0;
    for (const e of this.entries) {
      if (e.t > now - WINDOW_MS) {
        byLane[e.lane] += e.w;
        total += e.w;
      } else if (e.lane === "tracking") {
        trackingPrev += e.w;
      }
    }
    return { total, byLane, trackingPrev };
  }

  /** The next moment after `now` at which the summary or a prepaid balance changes by itself. */
  nextChange(now: number): number {
    let next = Infinity;
    for (const e of this.entries) {
      for (const at of [e.t + WINDOW_MS, e.t + 2 * WINDOW_MS, e.prepaid > 0 ? e.validUntil : Infinity]) {
        if (at > now && at < next) next = at;
      }
    }
    return next;
  }

  private prune(now: number): void {
    const keepAfter = now - 2 * WINDOW_MS;
    if (this.entries.length > 0 && (this.entries[0]?.t ?? now) <= keepAfter) {
      this.entries = this.entries.filter((e) => e.t > keepAfter && e.w > 0);
      this.leases = this.leases.filter((e) => e.t > keepAfter && e.prepaid > 0);
      for (const lane of LANES) if ((this.lastPlain[lane]?.t ?? now) <= keepAfter) delete this.lastPlain[lane];
    }
  }
}
