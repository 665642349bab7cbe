/**
 * The `embed` command's work, as a function: AllenNLP's `allennlp elmo` on a
 * text file with one whitespace-tokenized sentence per line, written in its
 * HDF5 layout.
 */
import { readFile, rm } from 'node:fs/promises';
import { Elmo } from '../elmo.js';
import { selectLayers } from '../outputs.js';
import { createEmbeddingsFile } from './embeddings-file.js';

/** @typedef {'all' | 'top' | 'average'} LayerChoice */

/**
 * @typedef {object} EmbedFileOptions
 * @property {string} model a converted model directory
 * @property {LayerChoice} [layers] 'all' (default): (n_layers+1, n, 2P); 'top' or 'average': (n, 2P)
 * @property {number} [batchSize] consecutive lines per batch (default 64)
 * @property {boolean} [stateful] batch row r continues from row r of the previous batch
 * @property {(done: { sentences: number, tokens: number, totalSentences: number }) => void} [onBatch]
 */

/**
 * Reads the sentences of a file, refusing blank lines (AllenNLP does too).
 * @param {string} path
 * @returns {Promise<string[]>}
 */
export async function readSentences(path) {
  const text = await readFile(path, 'utf8');
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const sentences = lines.map((line) => line.trim());
  const blank = sentences.flatMap((s, i) => (s === '' ? [i + 1] : []));
  if (blank.length > 0) {
    const shown = blank.slice(0, 20).join(', ') + (blank.length > 20 ? `, … (${blank.length} in all)` : '');
    throw new Error(`${path}: blank line${blank.length > 1 ? 's' : ''} at line${blank.length > 1 ? 's' : ''} ${shown}; remove them`);
  }
  return sentences;
}

/**
 * @param {string} inputPath
 * @param {string} outputPath
 * @param {EmbedFileOptions} options
 * @returns {Promise<{ sentences: number, tokens: number, seconds: number }>}
 */
export async function embedFile(inputPath, outputPath, options) {
  const layers = options.layers ?? 'all';
  if (!['all', 'top', 'average'].includes(layers)) throw new RangeError(`layers must be all, top or average, got ${layers}`);
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const sentences = await readSentences(inputPath);
  const elmo = await Elmo.load(options.model);
  try {
    const out = await createEmbeddingsFile(outputPath);
    /** @type {Record<string, string>} */
    const sentenceToIndex = {};
    let tokens = 0;
    const started = performance.now();
    let finished = false;
    try {
      for (let first = 0; first < sentences.length; first += batchSize) {
        const batch = sentences.slice(first, first + batchSize);
        const embeddings = await elmo.embed(
          batch.map((s) => s.split(/\s+/)),
          { stateful: options.stateful },
        );
        embeddings.forEach((embedding, r) => {
          const key = String(first + r);
          const { data, shape } = selectLayers(embedding, layers);
          out.write(key, data, shape);
          sentenceToIndex[batch[r]] = key;
          tokens += embedding.shape[1];
        });
        options.onBatch?.({ sentences: first + batch.length, tokens, totalSentences: sentences.length });
      }
      finished = true;
    } finally {
      // A failed run leaves no output that looks complete.
      if (finished) out.close(sentenceToIndex);
      else {
        out.abandon();
        await rm(outputPath, { force: true });
      }
    }
    return { sentences: sentences.length, tokens, seconds: (performance.now() - started) / 1000 };
  } finally {
    elmo.dispose();
  }
}
