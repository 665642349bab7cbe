/**
 * An output file written in committed steps, so that a run killed at any
 * moment (SIGKILL included), or stopped by a full disk, continues where its
 * last commit ended and ends with the bytes of a run never stopped:
 *
 * - records are appended to `<output>.part`;
 * - a commit fsyncs the part, then replaces the journal (journal.js) with the
 *   new count of committed sentences and bytes;
 * - resuming truncates the part to the journal's bytes and goes on from its
 *   sentences; bytes after the last commit (a torn write) are dropped;
 * - once every record is committed, the format makes the finished file from
 *   the part (format-writers.js); the journal goes, or, for a shard, stays
 *   marked complete for `merge` to read.
 *
 * One process writes an output at a time. `embed` (sharded or not) and
 * `merge` all write through here.
 */
import { once } from 'node:events';
import { open, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { writeFully } from '../io/atomic-file.js';
import { defaultWorker, identityDifference, journalPath, readJournal, writeJournal } from './journal.js';

/**
 * @typedef {object} CommittedOutput
 * @property {number} next how many records are committed already: the position to go on from
 * @property {boolean} complete nothing is left to do (a shard finished before)
 * @property {(template: number[], record: Uint8Array) => Promise<void>} append the next record, of shape `template`
 * @property {(session: { tokens: number, seconds: number }) => Promise<void>} commit
 *   makes the appended records durable; `session`: this run's totals so far
 * @property {() => Promise<void>} finish after the last commit: makes the finished file
 * @property {() => Promise<string>} fail after an error: keeps the last commit and says so in a
 *   sentence, or, with none, removes everything and says ''
 */

/** @param {string} path */
const exists = (path) => stat(path).then(() => true, () => false);

/**
 * Temporary files of atomic replacements (io/atomic-file.js) that a kill left behind.
 * @param {string[]} paths
 */
async function removeOrphans(paths) {
  const names = new Set(paths.map((p) => basename(p)));
  const entries = await readdir(dirname(paths[0])).catch(() => /** @type {string[]} */ ([]));
  for (const entry of entries) {
    const m = /^\.(.+)\.\d+\.tmp$/.exec(entry);
    if (m && names.has(m[1])) await rm(`${dirname(paths[0])}/${entry}`, { force: true });
  }
}

/**
 * @param {object} o
 * @param {string} o.path the finished file's name
 * @param {import('./format-writers.js').FormatCodec} o.codec
 * @param {Record<string, any>} o.identity what a resumed run must share (input, model, options, shard)
 * @param {number} o.total records the output holds
 * @param {boolean} o.resume go on from the journal, if there is one
 * @param {boolean} o.keepJournal leave the journal, marked complete, beside the finished file
 * @param {string} [o.worker] who runs this, for the journal's sessions (default: defaultWorker())
 * @returns {Promise<CommittedOutput>}
 */
export async function openCommittedOutput({ path, codec, identity, total, resume, keepJournal, worker = defaultWorker() }) {
  const part = `${path}.part`;
  const journalFile = journalPath(path);
  let journal = await readJournal(path);
  if (journal && !resume) {
    const { sentences, bytes } = journal.committed;
    throw new Error(
      journal.state === 'complete'
        ? `${path} is a finished shard (${journalFile} says so); --resume does nothing to it, or delete both to embed it again`
        : `${journalFile}: an interrupted run is recorded here (${sentences} of ${journal.sentences} sentences, ${bytes} bytes committed); continue it with --resume, or delete ${journalFile} and ${part} to start over`,
    );
  }
  if (journal) {
    const difference = identityDifference(journal.identity, identity);
    if (difference) throw new Error(`${journalFile} is another run's (${difference}); give the same input, model and options, or delete ${journalFile} and ${part} to start over`);
  }
  const companions = codec.companions?.(path) ?? [];
  await removeOrphans([path, journalFile, part, ...companions]);
  if (journal?.state === 'complete') {
    const done = journal;
    return { next: total, complete: true, append: async () => {}, commit: async () => {}, finish: async () => {}, fail: async () => `${path} is complete (${done.sentences} sentences)` };
  }

  /** @type {import('node:fs/promises').FileHandle | null} */
  let handle = null;
  if (!journal) {
    // A new run replaces what an earlier one finished: nothing of it is left to look like this run's.
    for (const file of [path, ...companions]) await rm(file, { force: true });
    handle = await open(part, 'w');
    journal = { identity, sentences: total, state: 'writing', committed: { sentences: 0, bytes: 0 }, shape: null, sessions: [] };
    await writeJournal(path, journal);
  } else if (journal.committed.sentences < total || (await exists(part))) {
    // (With every sentence committed and no part, only the journal's last step was left: finish does it.)
    try {
      handle = await open(part, 'r+');
    } catch (e) {
      throw new Error(`cannot resume ${path}: ${/** @type {Error} */ (e).message}`, { cause: e });
    }
    const { size } = await handle.stat();
    if (size < journal.committed.bytes) {
      await handle.close();
      throw new Error(`${part} has ${size} bytes but ${journalFile} committed ${journal.committed.bytes}: it was changed by something else; delete both to start over`);
    }
    await handle.truncate(journal.committed.bytes);
  }

  let committed = /** @type {import('./journal.js').Journal} */ (journal);
  const earlierSessions = committed.sessions;
  let shape = committed.shape;
  let size = committed.committed.bytes;
  let pending = 0;
  let sessionSentences = 0;

  const mustBeOpen = () => {
    if (!handle) throw new Error(`${path}: written after finish`);
    return handle;
  };

  return {
    next: committed.committed.sentences,
    complete: false,
    async append(template, record) {
      const h = mustBeOpen();
      if (committed.committed.sentences + pending >= total) throw new Error(`${path}: more than the ${total} records planned`);
      if (shape === null) {
        shape = template;
        const head = codec.head(template);
        await writeFully(h, head, size);
        size += head.length;
      }
      await writeFully(h, record, size);
      size += record.length;
      pending++;
    },
    async commit({ tokens, seconds }) {
      await mustBeOpen().sync();
      sessionSentences += pending;
      const next = {
        ...committed,
        committed: { sentences: committed.committed.sentences + pending, bytes: size },
        shape,
        sessions: [...earlierSessions, { worker, sentences: sessionSentences, tokens, seconds: Math.round(seconds * 1000) / 1000 }],
      };
      await writeJournal(path, next);
      committed = next;
      pending = 0;
    },
    async finish() {
      if (committed.committed.sentences !== total) throw new Error(`${path}: finished with ${committed.committed.sentences} of ${total} records committed`);
      await handle?.close();
      handle = null;
      if (await exists(part)) await codec.finish(part, path, committed.shape);
      else if (!(await exists(path))) throw new Error(`cannot finish ${path}: ${part} is gone`);
      if (keepJournal) await writeJournal(path, { ...committed, state: 'complete' });
      else await rm(journalFile, { force: true });
      await rm(part, { force: true });
    },
    async fail() {
      await handle?.close().catch(() => {});
      handle = null;
      const { sentences, bytes } = committed.committed;
      if (sentences === 0) {
        await rm(part, { force: true }).catch(() => {});
        await rm(journalFile, { force: true }).catch(() => {});
        return '';
      }
      // Leave exactly the last commit on disk (if even this fails, --resume truncates).
      const h = await open(part, 'r+').catch(() => null);
      await h?.truncate(bytes).catch(() => {});
      await h?.close().catch(() => {});
      return `${sentences} of ${total} sentences are committed in ${part} (${journalFile}); run the same command with --resume to go on`;
    },
  };
}

/**
 * `openCommittedOutput`, or for `-` the same calls writing straight to stdout: no part, no journal, no resuming.
 * @param {Parameters<typeof openCommittedOutput>[0]} o
 * @returns {Promise<CommittedOutput>}
 */
export async function openOutput(o) {
  return o.path === '-' ? streamOutput(process.stdout) : openCommittedOutput(o);
}

/**
 * @param {NodeJS.WritableStream} stream
 * @returns {CommittedOutput}
 */
function streamOutput(stream) {
  return {
    next: 0,
    complete: false,
    async append(_template, record) {
      if (!stream.write(record)) await once(stream, 'drain');
    },
    commit: async () => {},
    finish: async () => {},
    fail: async () => '',
  };
}
