/**
 * Writes a region (the weights, or a softmax), front to back, as fixed-size shard files, holding
 * at most one shard in memory and hashing each shard as it is written.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * @typedef {object} WrittenShard
 * @property {string} path file name, relative to the model directory
 * @property {number} byteLength
 * @property {string} sha256 lowercase hex
 */

/**
 * `weights-00001-of-00014.bin`: zero-padded so the names sort in region order.
 * @param {number} index 0-based
 * @param {number} count
 * @param {string} [prefix] the region's name
 */
export function shardFileName(index, count, prefix = 'weights') {
  const five = (/** @type {number} */ n) => String(n).padStart(5, '0');
  return `${prefix}-${five(index + 1)}-of-${five(count)}.bin`;
}

export class ShardWriter {
  /**
   * @param {string} dir where the shard files go
   * @param {number} totalBytes the region's byteLength
   * @param {number} shardBytes
   * @param {string} [prefix] of the shard file names: 'weights' or 'softmax'
   */
  constructor(dir, totalBytes, shardBytes, prefix = 'weights') {
    this.dir = dir;
    this.prefix = prefix;
    this.totalBytes = totalBytes;
    this.shardBytes = shardBytes;
    this.count = Math.ceil(totalBytes / shardBytes);
    /** bytes of the region written so far */
    this.position = 0;
    /** @type {WrittenShard[]} */
    this.shards = [];
    this.buffer = Buffer.alloc(Math.min(shardBytes, totalBytes));
    this.fill = 0;
  }

  /**
   * Appends zero bytes up to region offset `offset` (the alignment gap).
   * @param {number} offset
   */
  async padTo(offset) {
    if (offset < this.position) throw new Error(`internal: tensor offset ${offset} is behind the write position ${this.position}`);
    while (this.position < offset) {
      const n = Math.min(offset - this.position, this.buffer.length - this.fill);
      this.buffer.fill(0, this.fill, this.fill + n);
      await this.#advance(n);
    }
  }

  /** @param {Uint8Array} bytes */
  async write(bytes) {
    if (this.position + bytes.length > this.totalBytes) {
      throw new Error(`internal: writing past the end of the ${this.totalBytes}-byte ${this.prefix} region`);
    }
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(bytes.length - at, this.buffer.length - this.fill);
      this.buffer.set(bytes.subarray(at, at + n), this.fill);
      at += n;
      await this.#advance(n);
    }
  }

  /**
   * @returns {WrittenShard[]} every shard, once the whole region is written
   */
  finish() {
    if (this.position !== this.totalBytes || this.shards.length !== this.count) {
      throw new Error(`internal: ${this.prefix} region ends at ${this.position}, expected ${this.totalBytes}`);
    }
    return this.shards;
  }

  /** @param {number} n bytes just placed in the buffer */
  async #advance(n) {
    this.fill += n;
    this.position += n;
    const shardEnd = Math.min((this.shards.length + 1) * this.shardBytes, this.totalBytes);
    if (this.position < shardEnd) return;
    const bytes = this.buffer.subarray(0, this.fill);
    const path = shardFileName(this.shards.length, this.count, this.prefix);
    await writeFile(join(this.dir, path), bytes);
    this.shards.push({ path, byteLength: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    this.fill = 0;
  }
}
