/**
 * Which lines of the input a shard embeds. The input is cut into blocks of
 * BLOCK_LINES consecutive lines (block b: lines 100b .. 100b + 99, counting
 * from 0; the last block may be shorter), and shard i of n takes the blocks
 * b with b mod n = i, in order. Only the line count decides, so every
 * machine computes the same split, and merging takes the blocks back in
 * turn.
 */

export const BLOCK_LINES = 100;

/** @typedef {{ index: number, count: number }} Shard shard `index` (0-based) of `count` */

/**
 * "i/n" as the command line gives it (0 <= i < n; JOB_COMPLETION_INDEX and `seq 0 $((n-1))` count so).
 * @param {string} text
 * @returns {Shard}
 */
export function parseShard(text) {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new RangeError(`--shard must be i/n with 0 <= i < n (e.g. 0/4 … 3/4), got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/**
 * The shard that line `line` belongs to.
 * @param {number} line
 * @param {number} count shards
 */
export const shardOfLine = (line, count) => Math.floor(line / BLOCK_LINES) % count;

/**
 * The lines (0-based, increasing) that `shard` embeds out of `total`; all of them without a shard.
 * @param {number} total
 * @param {Shard | null} shard
 * @returns {number[]}
 */
export function shardLines(total, shard) {
  if (!shard) return Array.from({ length: total }, (_, i) => i);
  /** @type {number[]} */
  const lines = [];
  for (let first = shard.index * BLOCK_LINES; first < total; first += shard.count * BLOCK_LINES) {
    for (let line = first; line < Math.min(first + BLOCK_LINES, total); line++) lines.push(line);
  }
  return lines;
}
