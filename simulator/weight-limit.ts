/**
 * The exchange's own rate rule: every client (IP address) may spend at most `perMinute` weight in
 * any 60 s; a request that would go over it is answered HTTP 429 with the body `null`, before any
 * other work. A refused request costs nothing, so a client that backs off gets through as soon as
 * its window has room again. Wall time, not the simulated market clock: the limit is real time.
 */

export const EXCHANGE_WEIGHT_PER_MINUTE = 1_200;
const WINDOW_MS = 60_000;
/** Spends are kept per 100 ms bucket per client, so a busy client costs a bounded list. */
const BUCKET_MS = 100;

interface Bucket {
  at: number;
  w: number;
}

export class WeightLimit {
  private readonly clients = new Map<string, { buckets: Bucket[]; sum: number }>();

  /** `Infinity` turns the rule off (benchmarks that raise our own budget far beyond the exchange's). */
  constructor(private perMinute: number = EXCHANGE_WEIGHT_PER_MINUTE) {
    this.set(perMinute);
  }

  set(perMinute: number): void {
    if (!(perMinute > 0)) throw new RangeError(`weight per minute must be > 0 (Infinity for no limit), got ${perMinute}`);
    this.perMinute = perMinute;
  }

  get limit(): number {
    return this.perMinute;
  }

  /** Admits `weight` for `client` at `now` and records it; false (nothing recorded) when it would exceed the rule. */
  admit(client: string, weight: number, now: number): boolean {
    if (this.perMinute === Infinity) return true;
    const c = this.window(client, now);
    if (c.sum + weight > this.perMinute) return false;
    this.add(c, weight, now);
    return true;
  }

  /** Weight known only from the answer (the per-item surcharge): always recorded, never refused. */
  charge(client: string, weight: number, now: number): void {
    if (this.perMinute === Infinity || weight <= 0) return;
    this.add(this.window(client, now), weight, now);
  }

  /** Weight `client` spent in the 60 s up to `now`. */
  used(client: string, now: number): number {
    return this.window(client, now).sum;
  }

  private window(client: string, now: number) {
    let c = this.clients.get(client);
    if (c === undefined) {
      c = { buckets: [], sum: 0 };
      this.clients.set(client, c);
    }
    while (c.buckets.length > 0 && c.buckets[0]!.at <= now - WINDOW_MS) c.sum -= c.buckets.shift()!.w;
    return c;
  }

  private add(c: { buckets: Bucket[]; sum: number }, w: number, now: number): void {
    // Stamped at the end of its bucket: weight leaves the window late, never early.
    const at = Math.ceil(now / BUCKET_MS) * BUCKET_MS;
    const last = c.buckets[c.buckets.length - 1];
    if (last !== undefined && last.at === at) last.w += w;
    else c.buckets.push({ at, w });
    c.sum += w;
  }
}
