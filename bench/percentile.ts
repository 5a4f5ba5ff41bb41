/** Nearest-rank percentile (p in 0–100) of unsorted values; NaN for none. */
export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
};

/** Milliseconds rounded to 0.1, for printing and BENCH_JSON. */
export const ms = (n: number): number => Math.round(n * 10) / 10;
