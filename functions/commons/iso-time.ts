/** Epoch milliseconds as the API's ISO-8601 strings (UTC); a time not known yet stays null. */
export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
