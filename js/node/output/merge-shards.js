/**
 * `merge`: the n shards of one input (`embed --shard i/n`) joined into the
 * file one unsharded run writes, byte for byte: the shards' records are
 * appended block by block in the input's order through the same committed
 * writer and the same finishing step as `embed` (so a merge resumes, too).
 * The shards' journals must agree on everything but the shard, and cover
 * each shard once; the input must be the one they were embedded from.
 */
import { committedShardJournals, workerThroughput } from './shard-journals.js';
import { openOutput } from './committed-output.js';
import { failed, readInput } from './embed-file.js';
import { formatCodec, outputFormat } from './format-writers.js';
import { BLOCK_LINES, shardLines, shardOfLine } from './shard-plan.js';
import { shardReader } from './shard-readers.js';

/**
 * @typedef {object} MergeResult
 * @property {number} sentences
 * @property {number} shards
 * @property {number} resumedFrom sentences an interrupted merge had committed
 * @property {import('./shard-journals.js').WorkerThroughput[]} workers what each worker embedded, and how fast
 */

/**
 * @param {string} inputPath the input the shards were embedded from
 * @param {string} outputPath `-`: stdout (JSON lines only)
 * @param {string[]} shardPaths the shards' finished files, in any order
 * @param {{ resume?: boolean, onProgress?: (done: number, total: number) => void }} [options]
 * @returns {Promise<MergeResult>}
 */
export async function mergeShards(inputPath, outputPath, shardPaths, { resume = false, onProgress } = {}) {
  const { sentences, sha256 } = await readInput(inputPath);
  const { identity, byShard, journals } = await committedShardJournals(shardPaths);
  if (identity.input.sha256 !== sha256 || identity.input.lines !== sentences.length) {
    throw new Error(`${inputPath} is not the input the shards were embedded from (its sha256 or line count differs)`);
  }
  const format = identity.format;
  let named = null;
  try {
    named = outputPath === '-' ? null : outputFormat(outputPath);
  } catch {
    // A name that says no format takes the shards'.
  }
  if (named && named !== format) throw new Error(`the shards are ${format}, but ${outputPath} is named as ${named}`);
  outputFormat(outputPath, format); // only jsonl goes to stdout

  const tokens = sentences.map((s) => s.split(/\s+/));
  const count = byShard.length;
  const { pooling, useSentenceKeys } = identity.options;
  const plan = { sentences, tokens, lines: shardLines(sentences.length, null), sharded: false, pooled: pooling !== 'none', useSentenceKeys };
  const codec = formatCodec(format, plan);
  const templates = byShard.map((i) => journals[i].shape);
  const template = templates.find((t) => t !== null) ?? null;
  const readers = byShard.map((i, shard) =>
    shardReader(format, shardPaths[i], { ...plan, lines: shardLines(sentences.length, { index: shard, count }), sharded: true }, templates[shard]),
  );
  const out = await openOutput({ path: outputPath, codec, identity: { ...identity, shard: null }, total: sentences.length, resume, keepJournal: false });
  const resumedFrom = out.next;
  try {
    const started = performance.now();
    for (let first = 0; first < sentences.length; first += BLOCK_LINES) {
      const lines = plan.lines.slice(first, first + BLOCK_LINES);
      const skip = first + lines.length <= resumedFrom;
      const records = await readers[shardOfLine(first, count)].readBlock(lines, skip);
      if (skip) continue;
      for (const [r, record] of records.entries()) {
        if (lines[r] >= resumedFrom) await out.append(/** @type {number[]} */ (template), record);
      }
      await out.commit({ tokens: 0, seconds: (performance.now() - started) / 1000 });
      onProgress?.(first + lines.length, sentences.length);
    }
    await out.finish();
  } catch (error) {
    throw await failed(error, out);
  }
  return { sentences: sentences.length, shards: count, resumedFrom, workers: workerThroughput(journals) };
}
