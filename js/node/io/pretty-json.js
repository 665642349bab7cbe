/**
 * JSON for people: a value that fits on one line is printed on one line, so
 * a manifest shows one tensor per line instead of one number per line.
 */

/**
 * @param {unknown} value
 * @returns {string} compact JSON with a space after `,` and `:`
 */
function oneLine(value) {
  if (Array.isArray(value)) return `[${value.map(oneLine).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${oneLine(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/**
 * @param {unknown} value plain JSON data (no undefined, functions or toJSON)
 * @param {number} [width] longest line wanted
 * @returns {string} ending in a newline
 */
export function prettyJson(value, width = 100) {
  /**
   * @param {unknown} v
   * @param {string} indent
   * @param {number} used columns taken on the line before `v`
   * @returns {string}
   */
  const format = (v, indent, used) => {
    const flat = oneLine(v);
    if (v === null || typeof v !== 'object' || used + flat.length <= width) return flat;
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((x) => inner + format(x, inner, inner.length)).join(',\n')}\n${indent}]`;
    }
    const entries = Object.entries(v);
    if (entries.length === 0) return '{}';
    const lines = entries.map(([k, x]) => {
      const key = `${inner}${JSON.stringify(k)}: `;
      return key + format(x, inner, key.length);
    });
    return `{\n${lines.join(',\n')}\n${indent}}`;
  };
  return `${format(value, '', 0)}\n`;
}
