/**
 * The `embed` command's work, as a function: AllenNLP's `allennlp elmo` on a
 * text file with one whitespace-tokenized sentence per line, written in its
 * HDF5 layout, or as .npy or JSON lines (format-writers.js), in committed
 * steps (committed-output.js): resumable after a kill, and, with a shard,
 * one part of the input for `merge` to join (shard-plan.js).
 */
import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { DEFAULTS } from '../../defaults.js';
import { Elmo } from '../../api/elmo.js';
import { shapeOutputs } from '../../api/embed-options.js';
import { readNamedFile } from '../io/read-named.js';
import { readModelManifest } from '../io/model-manifest.js';
import { openOutput } from './committed-output.js';
import { formatCodec, outputFormat, shapeTemplate } from './format-writers.js';
import { BLOCK_LINES, shardLines } from './shard-plan.js';

/** @typedef {'all' | 'top' | 'average'} LayerChoice */

/**
 * @typedef {object} EmbedFileOptions
 * @property {string} model a converted model directory
 * @property {LayerChoice} [layers] 'all' (default): (n_layers+1, n, 2P); 'top' or 'average': (n, 2P)
 * @property {'mean' | 'max' | 'none'} [pooling] one vector per sentence (per layer with 'all')
 * @property {boolean} [normalize] unit-length vectors
 * @property {import('./format-writers.js').OutputFormat} [format] default: from the output's extension
 * @property {boolean} [useSentenceKeys] HDF5: name datasets by the sentences, not line indices (AllenNLP's flag)
 * @property {number} [batchSize] consecutive lines per batch (default 64); each batch is a commit
 * @property {boolean} [stateful] batch row r continues from row r of the previous batch
 * @property {import('./shard-plan.js').Shard} [shard] embed only this shard's blocks of lines
 * @property {boolean} [resume] go on from the output's journal, if there is one (a finished shard: nothing to do)
 * @property {number} [numThreads] the engine's threads (default: Elmo.load's)
 * @property {string} [worker] who runs this, recorded per shard for merge's summary (default: journal.js's defaultWorker())
 * @property {(done: { sentences: number, tokens: number, totalSentences: number }) => void} [onBatch]
 */

/**
 * @typedef {object} EmbedFileResult
 * @property {number} sentences embedded by this run
 * @property {number} tokens embedded by this run
 * @property {number} seconds this run took, from the model's load
 * @property {number} total the output's sentences (a shard's)
 * @property {number} resumedFrom sentences a previous run had committed
 * @property {boolean} alreadyComplete the shard was finished before; nothing was done
 */

/**
 * The input's sentences, refusing blank lines (AllenNLP does too), and the sha256 of its bytes.
 * @param {string} path `-`: stdin
 * @returns {Promise<{ sentences: string[], sha256: string }>}
 */
export async function readInput(path) {
  const bytes = path === '-' ? await buffer(process.stdin) : await readNamedFile(path, 'no such file');
  const lines = bytes.toString('utf8').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const sentences = lines.map((line) => line.trim());
  const blank = sentences.flatMap((s, i) => (s === '' ? [i + 1] : []));
  if (blank.length > 0) {
    const shown = blank.slice(0, 20).join(', ') + (blank.length > 20 ? `, … (${blank.length} in all)` : '');
    throw new Error(`${path === '-' ? 'stdin' : path}: blank line${blank.length > 1 ? 's' : ''} at line${blank.length > 1 ? 's' : ''} ${shown}; remove them`);
  }
  return { sentences, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * @param {string} path
 * @returns {Promise<string[]>}
 */
export const readSentences = async (path) => (await readInput(path)).sentences;

/**
 * What a resumed run must share with the one it continues; the same but the
 * shard for the shards that merge joins.
 * @param {object} o
 * @param {string} o.inputSha256
 * @param {number} o.lines
 * @param {string} o.model
 * @param {import('./format-writers.js').OutputFormat} o.format
 * @param {Record<string, unknown>} o.options
 * @param {import('./shard-plan.js').Shard | null} o.shard
 */
async function runIdentity({ inputSha256, lines, model, format, options, shard }) {
  const manifest = await readModelManifest(model);
  return {
    input: { sha256: inputSha256, lines },
    model: { manifestSha256: createHash('sha256').update(manifest).digest('hex') },
    format,
    options,
    shard: shard ? { ...shard, blockLines: BLOCK_LINES } : null,
  };
}

/**
 * @param {string} inputPath `-` for stdin
 * @param {string} outputPath `-` for stdout (JSON lines)
 * @param {EmbedFileOptions} options
 * @returns {Promise<EmbedFileResult>}
 */
export async function embedFile(inputPath, outputPath, options) {
  const layers = options.layers ?? 'all';
  if (!['all', 'top', 'average'].includes(layers)) throw new RangeError(`layers must be all, top or average, got ${layers}`);
  const shaping = { layers, pooling: options.pooling, normalize: options.normalize };
  const pooled = options.pooling === 'mean' || options.pooling === 'max';
  const batchSize = options.batchSize ?? DEFAULTS.embedBatchSize.default;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  shapeOutputs([], shaping); // checks the options before any work
  const shard = options.shard ?? null;
  if (options.stateful && (shard || options.resume)) {
    throw new RangeError('a --stateful run can be neither sharded nor resumed: each batch continues from all the batches before it');
  }
  if (outputPath === '-' && (shard || options.resume)) throw new RangeError('a shard or a resumed run writes a file, not stdout ("-")');
  const format = outputFormat(outputPath, options.format);
  const { sentences, sha256 } = await readInput(inputPath);
  const tokens = sentences.map((s) => s.split(/\s+/));
  const lines = shardLines(sentences.length, shard);
  const codec = formatCodec(format, { sentences, tokens, lines, sharded: !!shard, pooled, useSentenceKeys: options.useSentenceKeys });
  const out = await openOutput({
    path: outputPath,
    codec,
    identity: await runIdentity({
      inputSha256: sha256,
      lines: sentences.length,
      model: options.model,
      format,
      options: { layers, pooling: pooled ? options.pooling : 'none', normalize: !!options.normalize, stateful: !!options.stateful, useSentenceKeys: !!options.useSentenceKeys },
      shard,
    }),
    total: lines.length,
    resume: !!options.resume,
    keepJournal: !!shard,
    worker: options.worker,
  });
  const resumedFrom = out.next;
  if (out.complete) return { sentences: 0, tokens: 0, seconds: 0, total: lines.length, resumedFrom, alreadyComplete: true };
  /** @type {Elmo | null} */
  let elmo = null;
  try {
    elmo = await Elmo.load(options.model, options.numThreads ? { numThreads: options.numThreads } : {});
    let tokenCount = 0;
    const started = performance.now();
    for (let first = resumedFrom; first < lines.length; first += batchSize) {
      const batch = lines.slice(first, first + batchSize);
      const results = shapeOutputs(await elmo.embed(batch.map((line) => tokens[line]), { stateful: options.stateful }), shaping);
      for (const [r, result] of results.entries()) {
        await out.append(shapeTemplate(result.shape, pooled), codec.encode(batch[r], result));
        tokenCount += tokens[batch[r]].length;
      }
      await out.commit({ tokens: tokenCount, seconds: (performance.now() - started) / 1000 });
      options.onBatch?.({ sentences: first + batch.length, tokens: tokenCount, totalSentences: lines.length });
    }
    await out.finish();
    const seconds = (performance.now() - started) / 1000;
    return { sentences: lines.length - resumedFrom, tokens: tokenCount, seconds, total: lines.length, resumedFrom, alreadyComplete: false };
  } catch (error) {
    throw await failed(error, out);
  } finally {
    elmo?.dispose();
  }
}

/**
 * The error to report after a failure, saying what the output kept.
 * @param {unknown} error
 * @param {import('./committed-output.js').CommittedOutput} out
 */
export async function failed(error, out) {
  const kept = await out.fail();
  const e = /** @type {Error} */ (error);
  return kept ? new Error(`${e.message}; ${kept}`, { cause: e }) : e;
}
