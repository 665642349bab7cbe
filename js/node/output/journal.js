/**
 * The journal of an output being written in committed steps: a small JSON
 * file beside it, `<output>.journal`, replaced atomically at every commit,
 * so that after a kill at any moment it is either the previous commit's or
 * the new one's. It says what run this is (`identity`: input, model, options,
 * shard), how many sentences and bytes of `<output>.part` are committed, and
 * who computed them (`sessions`, one per run that added sentences).
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { writeFileAtomically } from '../io/atomic-file.js';
import { prettyJson } from '../io/pretty-json.js';

const KIND = 'elmo-wasm embedding output journal';
const VERSION = 1;

/**
 * @typedef {object} Session
 * @property {string} worker who ran it (host, GNU parallel's job slot)
 * @property {number} sentences committed by this session
 * @property {number} tokens
 * @property {number} seconds spent embedding them
 */

/**
 * @typedef {object} Journal
 * @property {Record<string, any>} identity what must be equal to resume, and to merge (but the shard)
 * @property {number} sentences the output's total
 * @property {'writing' | 'complete'} state
 * @property {{ sentences: number, bytes: number }} committed
 * @property {number[] | null} shape each record's shape, -1 for its token count; null before the first
 * @property {Session[]} sessions
 */

/**
 * This machine, and GNU parallel's host and job slot when it runs us.
 * @returns {string}
 */
export function defaultWorker() {
  const { PARALLEL_SSHHOST: host, PARALLEL_JOBSLOT: slot } = process.env;
  return `${host && host !== ':' ? host : hostname()}${slot ? `#${slot}` : ''}`;
}

/** @param {string} output */
export const journalPath = (output) => `${output}.journal`;

/**
 * @param {string} output
 * @returns {Promise<Journal | null>} null when there is none
 */
export async function readJournal(output) {
  const path = journalPath(output);
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT') return null;
    throw new Error(`cannot read ${path}: ${/** @type {Error} */ (e).message}`, { cause: e });
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  if (json?.journal !== KIND || json.version !== VERSION) throw new Error(`${path} is not an elmo-wasm journal (version ${VERSION})`);
  const { journal: _kind, version: _version, ...journal } = json;
  return journal;
}

/**
 * @param {string} output
 * @param {Journal} journal
 */
export async function writeJournal(output, journal) {
  await writeFileAtomically(journalPath(output), prettyJson({ journal: KIND, version: VERSION, ...journal }));
}

/**
 * The first field in which two identities differ, as "a.b: x vs y", or null.
 * @param {any} a
 * @param {any} b
 * @param {string} [at]
 * @returns {string | null}
 */
export function identityDifference(a, b, at = '') {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = identityDifference(a[key], b[key], at ? `${at}.${key}` : key);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}
