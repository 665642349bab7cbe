/**
 * A finished shard's records read back, a block at a time and as the very
 * bytes its format wrote (format-writers.js), for `merge` to append in the
 * input's order. Each block opens and closes its file, so a merge of many
 * shards holds one open at a time. Every record is checked against the line
 * it should be: a shard that was cut short or edited is refused by name.
 */
import { open, stat } from 'node:fs/promises';
import { getDataset, openHdf5 } from '../io/hdf5.js';
import { datasetKey, elementCount, recordShape } from './format-writers.js';
import { readNpyHeader } from './npy-file.js';

/**
 * @typedef {object} ShardReader
 * @property {(lines: number[], skip?: boolean) => Promise<Uint8Array[]>} readBlock
 *   the records of the shard's next block, `lines` (skip: only move past them)
 */

/**
 * @param {import('./format-writers.js').OutputFormat} format
 * @param {string} path the shard's finished file
 * @param {import('./format-writers.js').OutputPlan} plan the whole input's (for the sentences and tokens)
 * @param {number[] | null} template the shard's record shape (null: it has no records)
 * @returns {ShardReader}
 */
export function shardReader(format, path, plan, template) {
  if (format === 'hdf5') return hdf5Reader(path, plan, /** @type {number[]} */ (template));
  if (format === 'npy') return npyReader(path, plan, template);
  return jsonlReader(path);
}

/**
 * @param {string} path
 * @returns {ShardReader}
 */
function jsonlReader(path) {
  let offset = 0;
  return {
    async readBlock(lines, skip = false) {
      const handle = await open(path, 'r');
      try {
        /** @type {Uint8Array[]} */
        const records = [];
        let chunk = Buffer.alloc(0);
        let eof = false;
        for (const line of lines) {
          let end = chunk.indexOf(0x0a);
          while (end < 0 && !eof) {
            const more = Buffer.alloc(1 << 20);
            const { bytesRead } = await handle.read(more, 0, more.length, offset + chunk.length);
            eof = bytesRead === 0;
            chunk = Buffer.concat([chunk, more.subarray(0, bytesRead)]);
            end = chunk.indexOf(0x0a);
          }
          if (end < 0) throw new Error(`${path} ends before line ${line + 1}'s record: the shard is cut short`);
          const record = chunk.subarray(0, end + 1);
          const prefix = `{"index":${line},`;
          if (record.subarray(0, prefix.length).toString('utf8') !== prefix) {
            throw new Error(`${path}: at byte ${offset} the record of line ${line + 1} was expected, found ${JSON.stringify(record.subarray(0, 40).toString('utf8'))}`);
          }
          if (!skip) records.push(Uint8Array.from(record));
          offset += record.length;
          chunk = chunk.subarray(end + 1);
        }
        return records;
      } finally {
        await handle.close();
      }
    },
  };
}

/**
 * @param {string} path
 * @param {import('./format-writers.js').OutputPlan} plan
 * @param {number[] | null} template
 * @returns {ShardReader}
 */
function npyReader(path, { tokens, lines: shardLines, pooled }, template) {
  const rowShape = (template ?? []).filter((d) => d !== -1);
  const rowBytes = elementCount(rowShape) * 4;
  const rowsOf = (/** @type {number} */ line) => (pooled ? 1 : tokens[line].length);
  const rows = shardLines.reduce((sum, line) => sum + rowsOf(line), 0);
  let offset = -1;
  return {
    async readBlock(lines, skip = false) {
      const handle = await open(path, 'r');
      try {
        if (offset < 0) {
          const { shape, dataOffset } = await readNpyHeader(handle, path);
          const want = [rows, ...rowShape];
          if (shape.join() !== want.join()) throw new Error(`${path} holds an array of shape (${shape.join(', ')}), the shard's journal says (${want.join(', ')})`);
          const { size } = await stat(path);
          if (size !== dataOffset + rows * rowBytes) throw new Error(`${path} has ${size} bytes, its shape needs ${dataOffset + rows * rowBytes}: the shard is cut short or extended`);
          offset = dataOffset;
        }
        /** @type {Uint8Array[]} */
        const records = [];
        for (const line of lines) {
          const length = rowsOf(line) * rowBytes;
          if (!skip) {
            const record = new Uint8Array(length);
            const { bytesRead } = await handle.read(record, 0, length, offset);
            if (bytesRead !== length) throw new Error(`${path}: cannot read line ${line + 1}'s rows at byte ${offset}`);
            records.push(record);
          }
          offset += length;
        }
        return records;
      } finally {
        await handle.close();
      }
    },
  };
}

/**
 * @param {string} path
 * @param {import('./format-writers.js').OutputPlan} plan
 * @param {number[]} template
 * @returns {ShardReader}
 */
function hdf5Reader(path, plan, template) {
  return {
    async readBlock(lines, skip = false) {
      if (skip) return [];
      const file = await openHdf5(path, 'r');
      try {
        return lines.map((line) => {
          const key = datasetKey(plan, line);
          const dataset = getDataset(file, key);
          const shape = recordShape(template, plan.tokens[line].length);
          if (!dataset) throw new Error(`${path} has no dataset "${key}" (line ${line + 1})`);
          const { type, size } = dataset.metadata;
          if (type !== 1 || size !== 4 || (dataset.shape ?? []).join() !== shape.join()) {
            throw new Error(`${path}: dataset "${key}" is not float32 of shape (${shape.join(', ')})`);
          }
          const data = /** @type {Float32Array} */ (dataset.value);
          return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        });
      } finally {
        file.close();
      }
    },
  };
}
