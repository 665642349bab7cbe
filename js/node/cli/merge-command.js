/**
 * `elmo-wasm merge <input.txt> <output> <shard outputs ...> [--resume]`: the
 * shards joined into the file one unsharded run writes, then a summary with
 * each worker's throughput.
 */
import { parseArgs } from 'node:util';
import { mergeShards } from '../output/merge-shards.js';
import { createProgressBar } from './progress-bar.js';

/**
 * @param {import('../output/shard-journals.js').WorkerThroughput[]} workers
 * @returns {string[]} a line per worker and one for all
 */
export function throughputLines(workers) {
  const rate = (/** @type {number} */ tokens, /** @type {number} */ seconds) => (seconds > 0 ? tokens / seconds : 0).toFixed(0);
  const width = Math.max(6, ...workers.map((w) => w.worker.length));
  const lines = workers.map(
    (w) => `  ${w.worker.padEnd(width)}  ${String(w.shards).padStart(3)} shard${w.shards === 1 ? ' ' : 's'} ${String(w.sentences).padStart(9)} sentences ${String(w.tokens).padStart(10)} tokens ${w.seconds.toFixed(1).padStart(8)} s ${rate(w.tokens, w.seconds).padStart(7)} tokens/s`,
  );
  const tokens = workers.reduce((sum, w) => sum + w.tokens, 0);
  const summed = workers.reduce((sum, w) => sum + (w.seconds > 0 ? w.tokens / w.seconds : 0), 0);
  lines.push(`  ${workers.length} worker${workers.length === 1 ? '' : 's'}, ${tokens} tokens; together ${summed.toFixed(0)} tokens/s while all ran`);
  return lines;
}

/**
 * @param {string[]} args
 * @param {(message: string) => Error} usageError
 */
export async function mergeCommand(args, usageError) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { resume: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageError(/** @type {Error} */ (e).message);
  }
  const [input, output, ...shards] = parsed.positionals;
  if (shards.length === 0) throw usageError('merge takes <input.txt> <output> and then the shard outputs');
  const bar = createProgressBar({ label: 'merge ' });
  const result = await mergeShards(input, output, shards, {
    resume: parsed.values.resume,
    onProgress: (done, total) => bar.update(done, total, 'sentences'),
  });
  bar.end();
  const log = output === '-' ? console.error : console.log;
  const resumed = result.resumedFrom > 0 ? ` (resumed after ${result.resumedFrom})` : '';
  log(`wrote ${output}: ${result.sentences} sentences from ${result.shards} shards${resumed}; embedded by`);
  for (const line of throughputLines(result.workers)) log(line);
}
