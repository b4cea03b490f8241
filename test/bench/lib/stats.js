/** Small statistics helpers: the benchmark reports medians, never means, of noisy figures. */

/**
 * @param {readonly number[]} values
 * @returns {number}
 */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The p-th percentile (0–100) by nearest rank; sorts the array in place.
 * @param {Float64Array} values
 * @param {number} p
 * @returns {number}
 */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  values.sort();
  const rank = Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1));
  return values[rank];
}

/**
 * How far the extremes lie from the median, as a fraction of it: 0.04 means ±4 % at most.
 * @param {readonly number[]} values
 * @returns {number}
 */
export function spread(values) {
  const middle = median(values);
  if (values.length < 2 || middle === 0) return 0;
  return Math.max(...values.map((value) => Math.abs(value - middle))) / middle;
}
