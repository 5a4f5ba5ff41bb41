/**
 * A value per key, kept `ttlMs` from when it was asked for; callers that ask while it is being
 * fetched share the one request, and a failed fetch is not kept (the next caller asks again).
 * For what a process reads from the exchange and may reuse for a while (meta, account values).
 */
export const ttlCache = <V>(ttlMs: number, now: () => number, fetch: (key: string) => Promise<V>) => {
  const entries = new Map<string, { at: number; value: Promise<V> }>();
  /** `notBefore` (ms): only a value asked for at or after it will do (one read after an event, shared). */
  return (key: string, notBefore?: number): Promise<V> => {
    const cached = entries.get(key);
    if (cached !== undefined && now() - cached.at < ttlMs && (notBefore === undefined || cached.at >= notBefore)) return cached.value;
    const entry = { at: now(), value: fetch(key) };
    entries.set(key, entry);
    entry.value.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    return entry.value;
  };
};
