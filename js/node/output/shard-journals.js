/**
 * The journals of finished shards, as `merge` needs them: checked to be the
 * n shards of one run, each once, each complete; and the throughput of each
 * worker that computed them, from their sessions.
 */
import { identityDifference, journalPath, readJournal } from './journal.js';
import { BLOCK_LINES } from './shard-plan.js';

/**
 * @typedef {object} WorkerThroughput
 * @property {string} worker
 * @property {number} shards the shards it added sentences to
 * @property {number} sentences
 * @property {number} tokens
 * @property {number} seconds spent embedding
 */

/**
 * @param {string[]} paths the shards' finished files, in any order
 * @returns {Promise<{ identity: Record<string, any>, byShard: number[], journals: import('./journal.js').Journal[] }>}
 *   identity: the run's (its shard's index is that of the first path); byShard[i]: which path is shard i
 */
export async function committedShardJournals(paths) {
  if (paths.length === 0) throw new Error('give the shard outputs to merge');
  const journals = await Promise.all(
    paths.map(async (path) => {
      const journal = await readJournal(path);
      if (!journal) throw new Error(`${journalPath(path)}: no such file; merge takes the outputs of \`elmo-wasm embed --shard i/n\`, each with its journal beside it`);
      if (!journal.identity.shard) throw new Error(`${path} is not a shard: its run had no --shard`);
      if (journal.state !== 'complete') {
        throw new Error(`${path} is not finished (${journal.committed.sentences} of ${journal.sentences} sentences committed): run its embed again with --resume`);
      }
      return journal;
    }),
  );
  const { identity } = journals[0];
  const { count, blockLines } = identity.shard;
  if (blockLines !== BLOCK_LINES) throw new Error(`${paths[0]} was cut in blocks of ${blockLines} lines; this elmo-wasm cuts and merges blocks of ${BLOCK_LINES}`);
  const anyIndex = (/** @type {Record<string, any>} */ id) => ({ ...id, shard: { ...id.shard, index: 0 } });
  /** @type {number[]} */
  const byShard = new Array(count).fill(-1);
  journals.forEach((journal, p) => {
    const difference = identityDifference(anyIndex(identity), anyIndex(journal.identity));
    if (difference) throw new Error(`${paths[p]} and ${paths[0]} are shards of different runs (${difference})`);
    const { index } = journal.identity.shard;
    if (byShard[index] >= 0) throw new Error(`${paths[byShard[index]]} and ${paths[p]} are both shard ${index}/${count}`);
    byShard[index] = p;
  });
  const missing = byShard.flatMap((p, i) => (p < 0 ? [`${i}/${count}`] : []));
  if (missing.length > 0) throw new Error(`shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing: merge needs all ${count}`);
  return { identity, byShard, journals };
}

/**
 * Each worker's sentences, tokens and embedding time over all shards, by name.
 * @param {import('./journal.js').Journal[]} journals
 * @returns {WorkerThroughput[]}
 */
export function workerThroughput(journals) {
  /** @type {Map<string, WorkerThroughput & { of: Set<number> }>} */
  const workers = new Map();
  for (const [shard, journal] of journals.entries()) {
    for (const { worker, sentences, tokens, seconds } of journal.sessions) {
      const w = workers.get(worker) ?? { worker, shards: 0, of: new Set(), sentences: 0, tokens: 0, seconds: 0 };
      w.of.add(shard);
      w.shards = w.of.size;
      w.sentences += sentences;
      w.tokens += tokens;
      w.seconds += seconds;
      workers.set(worker, w);
    }
  }
  return [...workers.values()].map(({ of: _of, ...w }) => w).sort((a, b) => a.worker.localeCompare(b.worker));
}
