/**
 * The paced leaderboard runs of bench/api.ts: a fixed overall request rate spread evenly over the
 * connections, and the rules the 25 ms target is judged by. Pure; bench/paced-client.ts sends.
 *
 * Why not autocannon's `overallRate`: it gives each connection a quota per second, refilled by a
 * one-second interval that every connection starts at the same moment, and a connection spends its
 * quota back to back. So all the requests of a second leave in its first few hundred ms and the
 * server idles the rest: at 15% of a bare server's saturating rate, p99 was worse than at
 * saturation. Its coordinated-omission correction also takes 1 ÷ rate as the expected interval in
 * ms (1 ms for 20 requests a second), which adds a made-up sample for every millisecond of a
 * response and makes the latency count 20 times the request count.
 */

export interface PacedPlan {
  connections: number;
  /** Requests a second all connections together are scheduled to send. */
  offeredRps: number;
  /** Between two requests of one connection, ms. */
  intervalMs: number;
}

/**
 * `share` of `saturatingRps` over `connections`, each sending every `intervalMs`; at least one
 * request a second per connection (an hour-long interval measures nothing).
 */
export const pacedPlan = (saturatingRps: number, share: number, connections: number): PacedPlan => {
  if (!(connections >= 1) || !Number.isInteger(connections)) throw new Error(`connections must be a positive integer, not ${connections}`);
  if (!(share > 0 && share <= 1)) throw new Error(`share must be in (0, 1], not ${share}`);
  const offeredRps = Math.max(connections, Math.round(saturatingRps * share));
  return { connections, offeredRps, intervalMs: (connections * 1000) / offeredRps };
};

/**
 * When, in ms from the run's start, connection `connection` is due to send its `k`th request.
 * Connections are offset from each other by intervalMs ÷ connections, so the requests of all of them
 * together arrive one every 1000 ÷ offeredRps ms rather than in bursts of `connections`.
 */
export const dueMs = (plan: PacedPlan, connection: number, k: number): number =>
  (connection * plan.intervalMs) / plan.connections + k * plan.intervalMs;

/**
 * The latency a user would see of a request due at `due`, sent at `sent` and answered at `done`:
 * from when it was due, so a request that went out late because the previous answer on its
 * connection came late (or the client was slow) counts its wait (what a closed-loop client that
 * just slows down would leave out: coordinated omission). A timer that fires a little early does
 * not shorten it below the time the request itself took.
 */
export const latencyFromDue = (due: number, sent: number, done: number): number => done - Math.min(due, sent);

/** Carried under this share of the offered rate, the server fell behind the schedule: not a pass whatever the latency. */
export const MIN_CARRIED_SHARE = 0.8;

export interface PacedOutcome {
  p99Ms: number;
  requestsPerSecond: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export interface Verdict {
  met: boolean;
  text: string;
}

/** Met when p99 is under the target, nothing failed, and at least MIN_CARRIED_SHARE of the offered rate was carried. */
export const pacedVerdict = (r: PacedOutcome, offeredRps: number, targetMs: number): Verdict => {
  if (r.non2xx + r.errors + r.timeouts > 0) {
    return { met: false, text: `${r.p99Ms} ms → NOT met (${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts)` };
  }
  if (r.requestsPerSecond < offeredRps * MIN_CARRIED_SHARE) {
    return { met: false, text: `${r.p99Ms} ms → NOT met (carried ${r.requestsPerSecond} of ${offeredRps} req/s offered)` };
  }
  return r.p99Ms < targetMs ? { met: true, text: `${r.p99Ms} ms → met` } : { met: false, text: `${r.p99Ms} ms → NOT met` };
};
