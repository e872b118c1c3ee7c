// Statistics the bench's sections share, so every "median" in the table means the same thing.

/**
 * The middle value (the mean of the two middle values for an even count); undefined for no values.
 * @example median([3, 1, 2]) // => 2; median([1, 2, 3, 4]) // => 2.5
 */
export function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
