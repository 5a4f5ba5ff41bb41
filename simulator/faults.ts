import { createPrng, type Prng } from "./prng.js";

/**
 * Seeded fault injection. Faults are decided from their own PRNG stream and never touch market
 * state, so a run with faults sees the same market as one without (only the answers differ).
 */

export interface FaultConfig {
  /** Probability of HTTP 429 with body `null` (the API's rate-limit answer). */
  rate429?: number;
  /** Probability of HTTP 500 or 502. */
  rate5xx?: number;
  /** Probability that an answer is delayed by `slowMs`. */
  slowRate?: number;
  slowMs?: number;
  /** Probability of valid JSON of the wrong shape. */
  malformedRate?: number;
  /** Users whose per-user requests always come back malformed. */
  malformedUsers?: string[];
  /** Added to every answer (on top of the simulator's base latency). */
  latencyMs?: number;
}

export type FaultKind = "rateLimited" | "serverError" | "slow" | "malformed";

export interface FaultDecision {
  /** Set when the request is answered with an error status instead of data. */
  reject: { status: 429 | 500 | 502; kind: "rateLimited" | "serverError" } | null;
  delayMs: number;
  slow: boolean;
  malformed: boolean;
  /** Which wrong shape to produce (a draw from the fault stream, so it is reproducible). */
  variant: number;
}

const DEFAULT_SLOW_MS = 1_500;

export class Faults {
  private config: Required<Omit<FaultConfig, "malformedUsers">> & { malformedUsers: Set<string> };
  private prng: Prng;
  /** Requests still to be answered 429 whatever the rates say (`rateLimitNext`). */
  private forced429 = 0;

  constructor(
    private readonly seed: number,
    private readonly baseLatencyMs = 0,
  ) {
    this.prng = createPrng(seed, 7);
    this.config = normalize({});
  }

  set(config: FaultConfig): void {
    this.config = normalize(config);
    // A new configuration restarts the stream: the same setFaults + requests give the same faults.
    this.prng = createPrng(this.seed, 7);
  }

  /** Answers the next `n` requests 429 (one throttle incident, exactly when a test wants it). */
  rateLimitNext(n: number): void {
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`expected a count >= 0, got ${n}`);
    this.forced429 = n;
  }

  decide(user: string | null): FaultDecision {
    const c = this.config;
    // Always draw the same number of values so one kind of fault never shifts another's draws.
    const r429 = this.prng.next();
    const r5xx = this.prng.next();
    const rSlow = this.prng.next();
    const rMalformed = this.prng.next();
    const variant = this.prng.int(1_000_000);
    const delayMs = this.baseLatencyMs + c.latencyMs;
    if (this.forced429 > 0 || r429 < c.rate429) {
      if (this.forced429 > 0) this.forced429--;
      return { reject: { status: 429, kind: "rateLimited" }, delayMs, slow: false, malformed: false, variant };
    }
    if (r5xx < c.rate5xx) {
      const status = variant % 2 === 0 ? 500 : 502;
      return { reject: { status, kind: "serverError" }, delayMs, slow: false, malformed: false, variant };
    }
    const slow = rSlow < c.slowRate;
    const malformed =
      (user !== null && c.malformedUsers.has(user.toLowerCase())) || rMalformed < c.malformedRate;
    return { reject: null, delayMs: delayMs + (slow ? c.slowMs : 0), slow, malformed, variant };
  }
}

const normalize = (c: FaultConfig) => ({
  rate429: probability(c.rate429),
  rate5xx: probability(c.rate5xx),
  slowRate: probability(c.slowRate),
  slowMs: Math.max(0, c.slowMs ?? DEFAULT_SLOW_MS),
  malformedRate: probability(c.malformedRate),
  latencyMs: Math.max(0, c.latencyMs ?? 0),
  malformedUsers: new Set((c.malformedUsers ?? []).map((u) => u.toLowerCase())),
});

const probability = (p: number | undefined): number => {
  if (p === undefined) return 0;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`fault rates are probabilities in [0, 1], got ${p}`);
  return p;
};

/**
 * Valid JSON of the wrong shape for a request type: the kind of drift a parser must survive
 * (a number where a decimal string belongs, a missing field, an object instead of a list).
 */
export const malform = (type: string, body: unknown, variant: number): unknown => {
  if (type === "clearinghouseState" && isRecord(body)) {
    const positions = Array.isArray(body.assetPositions) ? (body.assetPositions as unknown[]) : [];
    const first = positions[0];
    if (isRecord(first) && isRecord(first.position)) {
      const position = { ...first.position };
      if (variant % 2 === 0) position.szi = Number(position.szi);
      else delete position.coin;
      return { ...body, assetPositions: [{ ...first, position }, ...positions.slice(1)] };
    }
    const { marginSummary: _dropped, ...rest } = body;
    return variant % 2 === 0 ? { ...rest, withdrawable: Number(body.withdrawable) } : rest;
  }
  if (Array.isArray(body)) {
    const first: unknown = body[0];
    if (isRecord(first) && variant % 2 === 0) {
      const broken = { ...first };
      for (const key of ["px", "usdc", "sz"]) if (typeof broken[key] === "string") broken[key] = Number(broken[key]);
      if ("delta" in broken) broken.delta = null;
      return [broken, ...body.slice(1)];
    }
    return { data: body };
  }
  if (isRecord(body)) return Object.values(body);
  return { unexpected: body };
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
