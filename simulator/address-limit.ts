import { dec, type Decimal } from "#commons/decimal.js";

/**
 * The exchange's address-based request limit (docs: "Rate limits and user limits", address-based
 * limits): an address may send `initial` requests (10,000 on the exchange), then one more per
 * 1 USDC it has traded; past it each action is refused whole with the exchange's words ("Too many
 * cumulative requests sent (n > cap) for cumulative volume traded $v. Place taker orders to free up
 * 1 request per USDC traded." as bots quote it). Each order of a batch counts as one request.
 * Counted always (`userRateLimit` answers it); refused only when the simulator is given
 * `exchange.requestsPerAddress`: tests turn it on with a small buffer instead of sending ten
 * thousand orders. (The exchange also lets a throttled address send one request every 10
 * seconds; not modelled.)
 */
export const EXCHANGE_INITIAL_REQUESTS = 10_000;

export class AddressLimit {
  private readonly used = new Map<string, number>();

  /** `enforced`: refuse past the cap (otherwise only count). */
  constructor(
    private readonly initial: number,
    private readonly enforced = true,
  ) {}

  /** `userRateLimit`'s figures: requests used and the cap the volume traded gives. */
  usage(user: string, cumVlm: Decimal): { used: number; cap: number } {
    return { used: this.used.get(user) ?? 0, cap: this.initial + Math.floor(Number(cumVlm.round(0, 0).toFixed(0))) };
  }

  /** Counts `requests` for `user`; returns the refusal when that goes past the cap. */
  spend(user: string, requests: number, cumVlm: Decimal): string | null {
    this.used.set(user, (this.used.get(user) ?? 0) + requests);
    const { used, cap } = this.usage(user, cumVlm);
    if (!this.enforced || used <= cap) return null;
    const volume = dec(cumVlm).round(2, 0).toFixed(2);
    return `Too many cumulative requests sent (${used} > ${cap}) for cumulative volume traded $${volume}. Place taker orders to free up 1 request per USDC traded.`;
  }
}
