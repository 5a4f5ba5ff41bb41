/**
 * A value per key, kept `ttlMs` from when it was asked for; callers that ask while it is being
 * fetched share the one request, and a failed fetch is not kept (the next caller asks again).
 * For what a process reads from the exchange and may reuse for a while (meta, account values).
 * With `maxEntries`, the key read longest ago goes first when a new one would pass it.
 */
export const ttlCache = <V>(ttlMs: number, now: () => number, fetch: (key: string) => Promise<V>, maxEntries = Number.POSITIVE_INFINITY) => {
  const entries = new Map<string, { at: number; value: Promise<V> }>();
  /** `notBefore` (ms): only a value asked for at or after it will do (one read after an event, shared). */
  return (key: string, notBefore?: number): Promise<V> => {
    const cached = entries.get(key);
    if (cached !== undefined && now() - cached.at < ttlMs && (notBefore === undefined || cached.at >= notBefore)) return cached.value;
    const entry = { at: now(), value: fetch(key) };
    entries.delete(key);
    entries.set(key, entry);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    entry.value.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    return entry.value;
  };
};
