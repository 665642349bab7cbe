/**
 * Reads a SWORD module's compressed text or commentary (drivers zText,
 * zText4, zCom, zCom4; CompressType=ZIP) in the module's own order, without
 * libsword. A testament is three files, `<t>.<b>zs`, `<t>.<b>zv`, `<t>.<b>zz`
 * (`b`: `b` for book blocks, `c` chapter, `v` verse):
 *
 * - `zs`, the block index: per block, 3 little-endian u32: offset in `zz`,
 *   compressed size, uncompressed size;
 * - `zv`, the entry index: per entry (module heading, book and chapter
 *   headings, verses, in versification order), u32 block, u32 offset in the
 *   uncompressed block, then the size: u16 (zText, zCom) or u32 (the `4`
 *   drivers); size 0 is an empty entry;
 * - `zz`, the blocks, each a zlib stream.
 *
 * Entries carry no verse numbers: those are positions in the index. A
 * commentary links several verses to one comment by giving them the same
 * block, offset and size; such repeats are read once.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

/**
 * A module's `.conf` file (`/usr/share/sword/mods.d/<name>.conf`) as its
 * `Key=Value` lines; keys that repeat keep their last value.
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseConf(text) {
  /** @type {Record<string, string>} */
  const conf = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z][\w.]*)=(.*)$/.exec(line);
    if (m) conf[m[1]] = m[2].trim();
  }
  return conf;
}

/**
 * Bytes per entry of an entry index: 12 where the driver says `4` and the
 * index is a whole number of 12-byte entries whose blocks all exist, else
 * 10 (some modules say zCom4 but are written with 10-byte entries).
 * @param {Buffer} index the `zv` file
 * @param {number} blocks how many blocks the `zs` file lists
 * @param {string} driver ModDrv
 */
export function entryBytes(index, blocks, driver) {
  const fits = (/** @type {number} */ size) => {
    if (index.length % size !== 0) return false;
    for (let at = 0; at < index.length; at += size) if (index.readUInt32LE(at) >= blocks && readSize(index, at, size) > 0) return false;
    return true;
  };
  if (driver.endsWith('4') && fits(12)) return 12;
  if (fits(10)) return 10;
  throw new Error(`SWORD entry index of ${index.length} bytes fits neither 10- nor 12-byte entries over ${blocks} blocks`);
}

/** @param {Buffer} index @param {number} at @param {number} size */
function readSize(index, at, size) {
  return size === 10 ? index.readUInt16LE(at + 8) : index.readUInt32LE(at + 8);
}

/**
 * The entries of one testament, in index order, as UTF-8 strings of module
 * markup (OSIS for the modules used here), linked repeats and empty entries
 * left out.
 * @param {string} dir the module's folder
 * @param {'ot' | 'nt'} testament
 * @param {string} driver ModDrv of its .conf
 * @returns {Generator<string>}
 */
export function* testamentEntries(dir, testament, driver) {
  const names = readdirSync(dir);
  const prefix = ['b', 'c', 'v'].find((b) => names.includes(`${testament}.${b}zv`));
  if (prefix === undefined) return; // a module without this testament
  const [blockIndex, index, blocks] = ['zs', 'zv', 'zz'].map((ext) => readFileSync(join(dir, `${testament}.${prefix}${ext}`)));
  const nBlocks = blockIndex.length / 12;
  const size = entryBytes(index, nBlocks, driver);
  let cachedBlock = -1;
  let block = Buffer.alloc(0);
  const seen = new Set();
  for (let at = 0; at < index.length; at += size) {
    const b = index.readUInt32LE(at);
    const offset = index.readUInt32LE(at + 4);
    const length = readSize(index, at, size);
    const where = `${b}:${offset}:${length}`;
    if (length === 0 || seen.has(where)) continue;
    seen.add(where);
    if (b !== cachedBlock) {
      const start = blockIndex.readUInt32LE(b * 12);
      block = inflateSync(blocks.subarray(start, start + blockIndex.readUInt32LE(b * 12 + 4)));
      cachedBlock = b;
    }
    if (offset + length > block.length) throw new Error(`${dir}: ${testament} entry at index byte ${at} runs past its block (${offset} + ${length} > ${block.length})`);
    yield block.toString('utf8', offset, offset + length);
  }
}
