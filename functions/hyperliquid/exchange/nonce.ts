/**
 * Nonces of signed actions: millisecond timestamps, strictly increasing per signer. The exchange
 * keeps each signer's 100 highest nonces, refuses one it has seen or one below the smallest it
 * keeps, and only accepts nonces within (now − 2 days, now + 1 day); so two orders signed in one
 * millisecond must not share it, and a clock stepping back must not reuse an older one. Each agent
 * has its own sequence (the exchange counts nonces per signer, so agents never wait on each other).
 */
export interface NonceSource {
  /** The next nonce for `signer`: the clock, or one more than the last nonce if that is not later. */
  next(signer: string): number;
}

export const nonceSource = (now: () => number = Date.now): NonceSource => {
  const last = new Map<string, number>();
  return {
    next(signer) {
      const key = signer.toLowerCase();
      const previous = last.get(key);
      const nonce = previous === undefined ? now() : Math.max(now(), previous + 1);
      last.set(key, nonce);
      return nonce;
    },
  };
};
