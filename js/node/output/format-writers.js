/**
 * The `embed` command's output files. One writer per format, all with the
 * same calls — `write(index, result)`, `close()`, `abandon()` — so the
 * embedding loop does not care which:
 *
 * - hdf5: AllenNLP's `allennlp elmo` layout (allennlp-hdf5.js);
 * - npy: one float32 array holding every sentence's rows one after another —
 *   a row per token, or a row per sentence when pooled — and, next to it,
 *   `<name>.index.json` saying which rows are which sentence;
 * - jsonl: one JSON object per sentence and line.
 */
import { createWriteStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { once } from 'node:events';
import { createEmbeddingsFile } from './allennlp-hdf5.js';
import { createNpyFile } from './npy-file.js';
import { prettyJson } from '../io/pretty-json.js';

/** @typedef {'hdf5' | 'npy' | 'jsonl'} OutputFormat */
/** @typedef {{ shape: number[], data: Float32Array }} Tensor */

/**
 * @typedef {object} OutputPlan
 * @property {string[]} sentences the input lines
 * @property {string[][]} tokens each line's tokens
 * @property {boolean} pooled one vector (or one per layer) per sentence instead of per token
 * @property {boolean} [useSentenceKeys] hdf5: datasets named by the sentences themselves
 */

/**
 * @typedef {object} EmbeddingWriter
 * @property {(index: number, result: Tensor) => Promise<void>} write sentence `index`'s result
 * @property {() => Promise<void>} close after the last sentence
 * @property {() => Promise<void>} abandon after an error: closes and deletes what was written
 */

const EXTENSIONS = /** @type {Record<string, OutputFormat>} */ ({ '.hdf5': 'hdf5', '.h5': 'hdf5', '.npy': 'npy', '.jsonl': 'jsonl', '.ndjson': 'jsonl' });
export const OUTPUT_FORMATS = /** @type {OutputFormat[]} */ (['hdf5', 'npy', 'jsonl']);

/**
 * The format asked for, else the one the file name says; `-` (stdout) is JSON lines.
 * @param {string} path
 * @param {string} [explicit]
 * @returns {OutputFormat}
 */
export function outputFormat(path, explicit) {
  if (explicit !== undefined) {
    if (!OUTPUT_FORMATS.includes(/** @type {OutputFormat} */ (explicit))) {
      throw new RangeError(`format must be one of ${OUTPUT_FORMATS.join(', ')}, got ${JSON.stringify(explicit)}`);
    }
    if (path === '-' && explicit !== 'jsonl') throw new RangeError(`only jsonl can be written to stdout ("-"), not ${explicit}`);
    return /** @type {OutputFormat} */ (explicit);
  }
  if (path === '-') return 'jsonl';
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (!format) throw new RangeError(`cannot tell the output format of "${path}": name it .hdf5, .h5, .npy or .jsonl, or give --format`);
  return format;
}

/**
 * @param {OutputFormat} format
 * @param {string} path `-` for stdout (jsonl only)
 * @param {OutputPlan} plan
 * @returns {Promise<EmbeddingWriter>}
 */
export async function openEmbeddingWriter(format, path, plan) {
  if (plan.useSentenceKeys && format !== 'hdf5') throw new RangeError(`sentence keys are for HDF5 output, not ${format}`);
  if (format === 'hdf5') return hdf5Writer(path, plan);
  if (format === 'npy') return npyWriter(path, plan);
  return jsonlWriter(path, plan);
}

/**
 * Sentences as dataset names (AllenNLP's --use-sentence-keys) must be unique
 * and must not look like HDF5 paths.
 * @param {string[]} sentences
 */
function checkSentenceKeys(sentences) {
  /** @type {Map<string, number>} */
  const seen = new Map();
  sentences.forEach((s, i) => {
    if (s.includes('/') || s === '.') {
      throw new RangeError(`line ${i + 1} cannot be an HDF5 dataset name (it contains "/" or is "."); leave out --use-sentence-keys to name datasets by line index`);
    }
    if (s === 'sentence_to_index') throw new RangeError(`line ${i + 1} is "sentence_to_index", a name AllenNLP reserves; leave out --use-sentence-keys`);
    const first = seen.get(s);
    if (first !== undefined) {
      throw new RangeError(`line ${i + 1} repeats line ${first + 1}, and with --use-sentence-keys each sentence names one dataset; leave the flag out to name datasets by line index`);
    }
    seen.set(s, i);
  });
}

/**
 * @param {string} path
 * @param {OutputPlan} plan
 * @returns {Promise<EmbeddingWriter>}
 */
async function hdf5Writer(path, { sentences, useSentenceKeys }) {
  if (useSentenceKeys) checkSentenceKeys(sentences);
  const file = await createEmbeddingsFile(path);
  /** @type {Record<string, string>} */
  const sentenceToIndex = {};
  return {
    async write(index, { data, shape }) {
      const key = useSentenceKeys ? sentences[index] : String(index);
      file.write(key, data, shape);
      sentenceToIndex[sentences[index]] = key;
    },
    // As AllenNLP: with sentence keys, no sentence_to_index dataset.
    close: async () => file.close(useSentenceKeys ? null : sentenceToIndex),
    async abandon() {
      file.abandon();
      await rm(path, { force: true });
    },
  };
}

/**
 * (layers, n, dim) -> (n, layers, dim): the .npy file is token-major so that
 * each sentence's rows are contiguous and can be appended as they come.
 * @param {Tensor} tensor
 * @returns {Float32Array}
 */
function tokenMajor({ shape, data }) {
  if (shape.length !== 3) return data;
  const [layers, n, dim] = shape;
  const out = new Float32Array(data.length);
  for (let l = 0; l < layers; l++) {
    for (let t = 0; t < n; t++) out.set(data.subarray((l * n + t) * dim, (l * n + t + 1) * dim), (t * layers + l) * dim);
  }
  return out;
}

/**
 * @param {string} path
 * @param {OutputPlan} plan
 * @returns {Promise<EmbeddingWriter>}
 */
async function npyWriter(path, { sentences, tokens, pooled }) {
  const lengths = tokens.map((t) => t.length);
  const rows = pooled ? sentences.length : lengths.reduce((a, b) => a + b, 0);
  const indexPath = path.replace(/\.npy$/i, '') + '.index.json';
  /** @type {Awaited<ReturnType<typeof createNpyFile>> | null} */
  let file = null;
  /** @type {number[]} */
  let shape = [rows];
  return {
    async write(_index, result) {
      // The first result tells the shape of a row: the tensor without its token axis, or all of it when pooled.
      if (!file) {
        const rowShape = pooled ? result.shape : result.shape.filter((_, axis) => axis !== result.shape.length - 2);
        shape = [rows, ...rowShape];
        file = await createNpyFile(path, shape);
      }
      await file.write(pooled ? result.data : tokenMajor(result));
    },
    async close() {
      file ??= await createNpyFile(path, shape);
      await file.close();
      /** @type {number[]} */
      const firstRow = [];
      let next = 0;
      for (const n of lengths) {
        firstRow.push(next);
        next += pooled ? 1 : n;
      }
      const index = {
        file: path.split(/[\\/]/).pop(),
        shape,
        rows: pooled ? 'one per sentence' : 'one per token, sentences one after another',
        sentences,
        tokens: lengths,
        firstRow,
      };
      await writeFile(indexPath, prettyJson(index));
    },
    async abandon() {
      if (file) await file.abandon();
      await rm(indexPath, { force: true });
    },
  };
}

/**
 * A tensor as nested arrays of numbers, each float32 printed with the 9
 * significant digits that give back exactly the same float32.
 * @param {Float32Array} data
 * @param {number[]} shape
 * @returns {any}
 */
function nested(data, shape) {
  if (shape.length <= 1) return Array.from(data, (v) => Number(v.toPrecision(9)));
  const step = data.length / shape[0] || 0;
  return Array.from({ length: shape[0] }, (_, i) => nested(data.subarray(i * step, (i + 1) * step), shape.slice(1)));
}

/**
 * @param {string} path
 * @param {OutputPlan} plan
 * @returns {Promise<EmbeddingWriter>}
 */
async function jsonlWriter(path, { sentences, tokens }) {
  const toStdout = path === '-';
  const stream = toStdout ? process.stdout : createWriteStream(path);
  if (!toStdout) await once(stream, 'open');
  return {
    async write(index, { shape, data }) {
      const line = JSON.stringify({ index, sentence: sentences[index], tokens: tokens[index], shape, embedding: nested(data, shape) });
      if (!stream.write(line + '\n')) await once(stream, 'drain');
    },
    async close() {
      if (toStdout) return;
      stream.end();
      await once(stream, 'finish');
    },
    async abandon() {
      if (toStdout) return;
      stream.destroy();
      await rm(path, { force: true });
    },
  };
}
