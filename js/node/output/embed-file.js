/**
 * The `embed` command's work, as a function: AllenNLP's `allennlp elmo` on a
 * text file with one whitespace-tokenized sentence per line, written in its
 * HDF5 layout, or as .npy or JSON lines (format-writers.js).
 */
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { DEFAULTS } from '../../defaults.js';
import { Elmo } from '../../api/elmo.js';
import { shapeOutputs } from '../../api/embed-options.js';
import { openEmbeddingWriter, outputFormat } from './format-writers.js';

/** @typedef {'all' | 'top' | 'average'} LayerChoice */

/**
 * @typedef {object} EmbedFileOptions
 * @property {string} model a converted model directory
 * @property {LayerChoice} [layers] 'all' (default): (n_layers+1, n, 2P); 'top' or 'average': (n, 2P)
 * @property {'mean' | 'max' | 'none'} [pooling] one vector per sentence (per layer with 'all')
 * @property {boolean} [normalize] unit-length vectors
 * @property {import('./format-writers.js').OutputFormat} [format] default: from the output's extension
 * @property {boolean} [useSentenceKeys] HDF5: name datasets by the sentences, not line indices (AllenNLP's flag)
 * @property {number} [batchSize] consecutive lines per batch (default 64)
 * @property {boolean} [stateful] batch row r continues from row r of the previous batch
 * @property {(done: { sentences: number, tokens: number, totalSentences: number }) => void} [onBatch]
 */

/**
 * Reads the sentences of a file (`-`: stdin), refusing blank lines (AllenNLP does too).
 * @param {string} path
 * @returns {Promise<string[]>}
 */
export async function readSentences(path) {
  const lines = (path === '-' ? await text(process.stdin) : await readFile(path, 'utf8')).split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const sentences = lines.map((line) => line.trim());
  const blank = sentences.flatMap((s, i) => (s === '' ? [i + 1] : []));
  if (blank.length > 0) {
    const shown = blank.slice(0, 20).join(', ') + (blank.length > 20 ? `, … (${blank.length} in all)` : '');
    throw new Error(`${path === '-' ? 'stdin' : path}: blank line${blank.length > 1 ? 's' : ''} at line${blank.length > 1 ? 's' : ''} ${shown}; remove them`);
  }
  return sentences;
}

/**
 * @param {string} inputPath `-` for stdin
 * @param {string} outputPath `-` for stdout (JSON lines)
 * @param {EmbedFileOptions} options
 * @returns {Promise<{ sentences: number, tokens: number, seconds: number }>}
 */
export async function embedFile(inputPath, outputPath, options) {
  const layers = options.layers ?? 'all';
  if (!['all', 'top', 'average'].includes(layers)) throw new RangeError(`layers must be all, top or average, got ${layers}`);
  const shaping = { layers, pooling: options.pooling, normalize: options.normalize };
  const pooled = options.pooling === 'mean' || options.pooling === 'max';
  const batchSize = options.batchSize ?? DEFAULTS.embedBatchSize.default;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  shapeOutputs([], shaping); // checks the options before any work
  const format = outputFormat(outputPath, options.format);
  const sentences = await readSentences(inputPath);
  const tokens = sentences.map((s) => s.split(/\s+/));
  const out = await openEmbeddingWriter(format, outputPath, { sentences, tokens, pooled, useSentenceKeys: options.useSentenceKeys });
  let finished = false;
  /** @type {Elmo | null} */
  let elmo = null;
  try {
    elmo = await Elmo.load(options.model);
    let tokenCount = 0;
    const started = performance.now();
    for (let first = 0; first < sentences.length; first += batchSize) {
      const batch = tokens.slice(first, first + batchSize);
      const results = shapeOutputs(await elmo.embed(batch, { stateful: options.stateful }), shaping);
      for (const [r, result] of results.entries()) {
        await out.write(first + r, result);
        tokenCount += batch[r].length;
      }
      options.onBatch?.({ sentences: first + batch.length, tokens: tokenCount, totalSentences: sentences.length });
    }
    await out.close();
    finished = true;
    return { sentences: sentences.length, tokens: tokenCount, seconds: (performance.now() - started) / 1000 };
  } finally {
    // A failed run leaves no output that looks complete.
    if (!finished) await out.abandon();
    elmo?.dispose();
  }
}
