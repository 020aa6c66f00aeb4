/**
 * The p-th percentile of `xs` by the nearest-rank method: the smallest value that at least p % of
 * the values are less than or equal to (the 19th of 20 for p95, the 10th for p50). NaN when empty.
 */
export const percentile = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
};
