/** Markdown rendering of the results. */

/**
 * A Markdown table; `align` has one of `l`/`r` per column.
 * @param {readonly string[]} headers
 * @param {readonly (readonly string[])[]} rows
 * @param {string} [align]
 * @returns {string}
 */
export function markdownTable(headers, rows, align = '') {
  const rule = headers.map((_, index) => (align[index] === 'r' ? '---:' : '---'));
  return [headers, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/**
 * A number with a fixed count of decimals and thousands separators (`12,345.6`).
 * @param {number} value
 * @param {number} [decimals]
 * @returns {string}
 */
export function num(value, decimals = 0) {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/**
 * A ratio such as `0.93×`.
 * @param {number} value
 * @returns {string}
 */
export function ratio(value) {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '–';
}

/**
 * Bytes as MiB.
 * @param {number} bytes
 * @returns {string}
 */
export function mib(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
