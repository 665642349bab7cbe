/**
 * Reads a dictd database (`<name>.index` + `<name>.dict.dz`, as dictfmt
 * writes them) without dictd: the index is `headword TAB offset TAB length`
 * per line, offset and length in dictd's base 64; the data is dictzip,
 * which is gzip. Entries come in data order, each once (several headwords
 * may point to one entry), without the `00-database-*` entries dictfmt adds
 * (the database's name, URL and licence notice).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** @param {string} text dictd's base 64 number */
export function decodeNumber(text) {
  let n = 0;
  for (const c of text) {
    const digit = DIGITS.indexOf(c);
    if (digit < 0) throw new Error(`not a dictd number: ${JSON.stringify(text)}`);
    n = n * 64 + digit;
  }
  return n;
}

/**
 * @param {string} base path without extension, e.g. /usr/share/dictd/devil
 * @returns {Array<{ headword: string, text: string }>}
 */
export function readDictd(base) {
  const data = gunzipSync(readFileSync(`${base}.dict.dz`));
  const entries = new Map();
  for (const line of readFileSync(`${base}.index`, 'utf8').split('\n')) {
    const [headword, offset, length] = line.split('\t');
    if (length === undefined || /^00-?database/.test(headword)) continue;
    const start = decodeNumber(offset);
    if (!entries.has(start)) entries.set(start, { headword, text: data.toString('utf8', start, start + decodeNumber(length)) });
  }
  return [...entries].sort((a, b) => a[0] - b[0]).map(([, entry]) => entry);
}
