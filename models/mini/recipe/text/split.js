/**
 * Which split a sentence belongs to, from a hash of its text alone: the
 * same sentence lands in the same split whatever else the corpus holds, so
 * adding a source never moves a sentence between train, heldout and test.
 */
import { createHash } from 'node:crypto';

/** @typedef {'train' | 'heldout' | 'test'} SplitName */

/**
 * Shares of the splits, in order; they add up to 1.
 * @type {ReadonlyArray<readonly [SplitName, number]>}
 */
export const SPLITS = Object.freeze([
  ['train', 0.98],
  ['heldout', 0.01],
  ['test', 0.01],
]);

/**
 * @param {string} sentence tokens joined by single spaces
 * @returns {SplitName}
 */
export function splitOf(sentence) {
  // The first 32 bits of the SHA-256 of the UTF-8 text, as a fraction of 2^32.
  const x = createHash('sha256').update(sentence, 'utf8').digest().readUInt32BE(0) / 2 ** 32;
  let bound = 0;
  for (const [name, share] of SPLITS) {
    bound += share;
    if (x < bound) return name;
  }
  return 'test'; // rounding of the last bound
}
