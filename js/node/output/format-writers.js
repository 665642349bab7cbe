/**
 * The `embed` command's output formats. Each sentence's result becomes a
 * record — bytes appended to `<output>.part` in committed steps
 * (committed-output.js) — and a last step makes the finished file from the
 * complete part, the same for one run, a shard or a merge:
 *
 * - jsonl: a record is the sentence's JSON line (index, sentence, tokens,
 *   shape, embedding); finishing renames the part;
 * - npy: the header (the whole array's shape) comes before the first record,
 *   a record is the sentence's rows, token-major — a row per token, or one
 *   row when pooled; finishing writes `<name>.index.json`, saying which rows
 *   are which sentence, and renames the part;
 * - hdf5: a record is the sentence's float32 values; finishing writes
 *   AllenNLP's layout (allennlp-hdf5.js) from them under a temporary name,
 *   then renames it.
 */
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { createEmbeddingsFile } from './allennlp-hdf5.js';
import { npyHeader } from './npy-file.js';
import { temporaryPath, writeFileAtomically } from '../io/atomic-file.js';
import { prettyJson } from '../io/pretty-json.js';

/** @typedef {'hdf5' | 'npy' | 'jsonl'} OutputFormat */
/** @typedef {{ shape: number[], data: Float32Array }} Tensor */

/**
 * @typedef {object} OutputPlan
 * @property {string[]} sentences the input's lines, all of them
 * @property {string[][]} tokens each line's tokens
 * @property {number[]} lines the lines this output holds, increasing (a shard's, or all)
 * @property {boolean} sharded the output is one shard of the input
 * @property {boolean} pooled one vector (or one per layer) per sentence instead of per token
 * @property {boolean} [useSentenceKeys] hdf5: datasets named by the sentences themselves
 */

/**
 * @typedef {object} FormatCodec
 * @property {OutputFormat} format
 * @property {(shape: number[]) => Uint8Array} head bytes before the first record, given its shape (template)
 * @property {(line: number, result: Tensor) => Uint8Array} encode line `line`'s record
 * @property {(part: string, path: string, shape: number[] | null) => Promise<void>} finish
 *   makes `path` from the part holding every record (`shape`: the records' template, null if none)
 * @property {(path: string) => string[]} [companions] the other files `finish` writes beside `path`
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
 * A record's shape with its token axis as -1 (none when pooled), the same for every sentence.
 * @param {number[]} shape
 * @param {boolean} pooled
 */
export const shapeTemplate = (shape, pooled) => (pooled ? [...shape] : shape.map((d, axis) => (axis === shape.length - 2 ? -1 : d)));

/**
 * @param {number[]} template
 * @param {number} tokens
 */
export const recordShape = (template, tokens) => template.map((d) => (d === -1 ? tokens : d));

/** @param {number[]} shape */
export const elementCount = (shape) => shape.reduce((a, b) => a * b, 1);

/** @param {Float32Array} values */
const bytesOf = (values) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

/** @param {string} path */
const npyIndexPath = (path) => path.replace(/\.npy$/i, '') + '.index.json';

/**
 * @param {OutputFormat} format
 * @param {OutputPlan} plan
 * @returns {FormatCodec}
 */
export function formatCodec(format, plan) {
  if (plan.useSentenceKeys && format !== 'hdf5') throw new RangeError(`sentence keys are for HDF5 output, not ${format}`);
  if (format === 'hdf5') return hdf5Codec(plan);
  if (format === 'npy') return npyCodec(plan);
  return jsonlCodec(plan);
}

/**
 * Sentences as dataset names (AllenNLP's --use-sentence-keys) must be unique
 * and must not look like HDF5 paths; checked on the whole input, shard or not.
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
 * The dataset name of line `line`.
 * @param {OutputPlan} plan
 * @param {number} line
 */
export const datasetKey = (plan, line) => (plan.useSentenceKeys ? plan.sentences[line] : String(line));

/**
 * @param {OutputPlan} plan
 * @returns {FormatCodec}
 */
function hdf5Codec(plan) {
  if (plan.useSentenceKeys) checkSentenceKeys(plan.sentences);
  return {
    format: 'hdf5',
    head: () => new Uint8Array(0),
    encode: (_line, { data }) => bytesOf(data),
    async finish(part, path, template) {
      const temporary = temporaryPath(path);
      const file = await createEmbeddingsFile(temporary);
      const handle = await open(part, 'r');
      try {
        /** @type {Record<string, string>} */
        const sentenceToIndex = {};
        let at = 0;
        for (const line of plan.lines) {
          const shape = recordShape(/** @type {number[]} */ (template), plan.tokens[line].length);
          const data = new Float32Array(elementCount(shape));
          const { bytesRead } = await handle.read(bytesOf(data), 0, data.byteLength, at);
          if (bytesRead !== data.byteLength) throw new Error(`${part} ends at byte ${at + bytesRead}, before line ${line + 1}'s ${data.byteLength} bytes`);
          at += data.byteLength;
          const key = datasetKey(plan, line);
          file.write(key, data, shape);
          sentenceToIndex[plan.sentences[line]] = key;
        }
        // As AllenNLP: with sentence keys, no sentence_to_index dataset.
        file.close(plan.useSentenceKeys ? null : sentenceToIndex);
        const written = await open(temporary, 'r+');
        await written.sync().finally(() => written.close());
        await rename(temporary, path);
      } catch (e) {
        file.abandon();
        await rm(temporary, { force: true });
        throw e;
      } finally {
        await handle.close();
      }
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
 * @param {OutputPlan} plan
 * @returns {FormatCodec}
 */
function npyCodec({ sentences, tokens, lines, sharded, pooled }) {
  const lengths = lines.map((line) => tokens[line].length);
  const rows = pooled ? lines.length : lengths.reduce((a, b) => a + b, 0);
  /** @param {number[] | null} template */
  const arrayShape = (template) => [rows, ...(template ?? []).filter((d) => d !== -1)];
  return {
    format: 'npy',
    companions: (path) => [npyIndexPath(path)],
    head: (template) => npyHeader(arrayShape(template)),
    encode: (_line, result) => bytesOf(pooled ? result.data : tokenMajor(result)),
    async finish(part, path, template) {
      const shape = arrayShape(template);
      // No record, no header yet (an empty input or shard): the array is (0,).
      if (template === null) await writeFile(part, npyHeader(shape));
      /** @type {number[]} */
      const firstRow = [];
      let next = 0;
      for (const n of lengths) {
        firstRow.push(next);
        next += pooled ? 1 : n;
      }
      const index = {
        file: basename(path),
        shape,
        rows: pooled ? 'one per sentence' : 'one per token, sentences one after another',
        sentences: lines.map((line) => sentences[line]),
        tokens: lengths,
        firstRow,
        ...(sharded ? { lines } : {}),
      };
      await writeFileAtomically(npyIndexPath(path), prettyJson(index));
      await rename(part, path);
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
 * @param {OutputPlan} plan
 * @returns {FormatCodec}
 */
function jsonlCodec({ sentences, tokens }) {
  return {
    format: 'jsonl',
    head: () => new Uint8Array(0),
    encode: (line, { shape, data }) =>
      Buffer.from(`${JSON.stringify({ index: line, sentence: sentences[line], tokens: tokens[line], shape, embedding: nested(data, shape) })}\n`),
    async finish(part, path) {
      await rename(part, path);
    },
  };
}
