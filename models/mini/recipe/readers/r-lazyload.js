/**
 * Reads R data without R: the XDR serialization format (version 2 or 3) of
 * `saveRDS` and of lazy-load databases, for the types data packages use —
 * character, integer, logical, double and generic vectors, pairlists of
 * attributes, symbols and references. A lazy-load database is an index
 * (`<name>.rdx`, a gzip-compressed serialized list: `variables`, a named
 * list of c(offset, length) into `<name>.rdb`) and the records of
 * `<name>.rdb`, each a 4-byte big-endian length and a zlib stream of one
 * serialized object. Anything else is refused naming its type.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, inflateSync } from 'node:zlib';

const NIL = 254;
const REF = 255;
const SYMBOL = 1;
const PAIRLIST = 2;
const CHAR = 9;
const LOGICAL = 10;
const INTEGER = 13;
const DOUBLE = 14;
const STRING = 16;
const LIST = 19;
const EXPRESSION = 20;
/** Markers that stand for a fixed object (environments, the missing argument): read as null. */
const SPECIAL = new Set([NIL, 242, 251, 252, 253]);
const UTF8_FLAG = 1 << 3; // of a CHARSXP's levels
const LATIN1_FLAG = 1 << 2;

/**
 * @typedef {{ type: number, values: unknown[], attributes: Map<string, unknown> }} RVector
 */

/**
 * @param {Buffer} bytes one serialized object (uncompressed)
 * @returns {unknown} vectors as RVector, strings as string (NA: null), symbols as { symbol }
 */
export function unserialize(bytes) {
  let at = 0;
  const int = () => {
    const value = bytes.readInt32BE(at);
    at += 4;
    return value;
  };
  if (bytes.toString('latin1', 0, 2) !== 'X\n') throw new Error(`not R's XDR serialization (starts ${JSON.stringify(bytes.toString('latin1', 0, 2))})`);
  at = 2;
  const version = int();
  if (version !== 2 && version !== 3) throw new Error(`R serialization version ${version}: only 2 and 3 are read`);
  at += 8; // the writer's R version, the oldest R that reads it
  if (version === 3) at += 4 + int(); // the native encoding's name
  /** @type {unknown[]} */
  const refs = [];

  /** @returns {Map<string, unknown>} */
  const attributesOf = (/** @type {unknown} */ pairs) => new Map(/** @type {Array<[string, unknown]>} */ (pairs ?? []));

  /** @returns {unknown} */
  function item() {
    const flags = int();
    const type = flags & 0xff;
    const levels = flags >>> 12;
    if (SPECIAL.has(type)) return null;
    if (type === REF) {
      const index = flags >>> 8 || int();
      return refs[index - 1];
    }
    if (type === SYMBOL) {
      const symbol = { symbol: item() };
      refs.push(symbol);
      return symbol;
    }
    if (type === CHAR) {
      const n = int();
      if (n === -1) return null;
      const encoding = levels & UTF8_FLAG ? 'utf8' : levels & LATIN1_FLAG ? 'latin1' : 'utf8';
      const text = bytes.toString(encoding, at, at + n);
      at += n;
      return text;
    }
    if (type === PAIRLIST) return pairlist(flags);
    if ([STRING, LIST, EXPRESSION, INTEGER, LOGICAL, DOUBLE].includes(type)) {
      const n = int();
      const values = new Array(n);
      for (let i = 0; i < n; i++) {
        if (type === DOUBLE) {
          values[i] = bytes.readDoubleBE(at);
          at += 8;
        } else if (type === INTEGER || type === LOGICAL) values[i] = int();
        else values[i] = item();
      }
      const attributes = flags & 512 ? attributesOf(item()) : new Map();
      return /** @type {RVector} */ ({ type, values, attributes });
    }
    throw new Error(`R object of type ${type} at byte ${at - 4}: not supported (only vectors, strings, pairlists, symbols)`);
  }

  /** A pairlist as [tag, value] pairs (its cells' own attributes are skipped). */
  function pairlist(/** @type {number} */ first) {
    /** @type {Array<[string | null, unknown]>} */
    const pairs = [];
    for (let flags = first; ; ) {
      if (flags & 512) item();
      const tag = flags & 1024 ? /** @type {{ symbol: string }} */ (item()).symbol : null;
      pairs.push([tag, item()]);
      flags = int();
      if ((flags & 0xff) === NIL) return pairs;
      if ((flags & 0xff) !== PAIRLIST) throw new Error(`a pairlist ends in an object of type ${flags & 0xff}`);
    }
  }

  return item();
}

/**
 * The objects of a lazy-load database.
 * @param {string} base path without extension, e.g. `.../data/Rdata`
 * @returns {Map<string, unknown>} name -> object
 */
export function readLazyLoadDb(base) {
  const index = /** @type {RVector} */ (unserialize(gunzipSync(readFileSync(`${base}.rdx`))));
  const variables = /** @type {RVector} */ (index.values[/** @type {RVector} */ (index.attributes.get('names')).values.indexOf('variables')]);
  const names = /** @type {string[]} */ (/** @type {RVector} */ (variables.attributes.get('names')).values);
  const db = readFileSync(`${base}.rdb`);
  const objects = new Map();
  variables.values.forEach((entry, i) => {
    const [offset, length] = /** @type {number[]} */ (/** @type {RVector} */ (entry).values);
    const record = db.subarray(offset, offset + length);
    const size = record.readUInt32BE(0);
    const bytes = inflateSync(record.subarray(4));
    if (bytes.length !== size) throw new Error(`${base}.rdb: ${names[i]} inflates to ${bytes.length} bytes, its record says ${size}`);
    objects.set(names[i], unserialize(bytes));
  });
  return objects;
}
