/**
 * Downloads one URL to a file so that an interruption costs nothing already
 * received: bytes go to `<dest>.part`, a later attempt (in this call or in a
 * later run) continues it with an HTTP Range request, and `dest` appears, by
 * rename, only once its size has been checked.
 */
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULTS } from '../../defaults.js';

/**
 * @typedef {object} DownloadOptions
 * @property {number | null} [expectedBytes] the file's exact size, when known
 *   beforehand; otherwise the server's Content-Length / Content-Range is the check
 * @property {(loaded: number, total: number | null) => void} [onProgress]
 * @property {number} [retries] further attempts after a dropped connection or an
 *   HTTP 5xx/429 answer, each resuming where the last stopped (default 3)
 * @property {number} [retryDelay] milliseconds before the first retry, doubled for
 *   each next one (default 500)
 * @property {AbortSignal} [signal]
 */

/** Why the bytes did not arrive; `retryable` says whether trying again may help. */
export class DownloadError extends Error {
  /**
   * @param {string} message
   * @param {{ retryable?: boolean, cause?: unknown }} [details]
   */
  constructor(message, { retryable = false, cause } = {}) {
    super(message, { cause });
    this.name = 'DownloadError';
    this.retryable = retryable;
  }
}

/** The host is not there at all: retrying within seconds will not change that. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * @param {string} path
 * @returns {Promise<number | null>} the file's size, null when it does not exist
 */
async function sizeOf(path) {
  try {
    return (await stat(path)).size;
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * "bytes 100-199/1000" -> { start: 100, total: 1000 }; "bytes *\/1000" -> { start: null, total: 1000 }.
 * @param {string | null} header
 * @returns {{ start: number | null, total: number | null } | null}
 */
export function parseContentRange(header) {
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(header?.trim() ?? '');
  if (!m) return null;
  return { start: m[1] === undefined ? null : Number(m[1]), total: m[3] === '*' ? null : Number(m[3]) };
}

/**
 * What identifies the remote file a `.part` belongs to, kept next to it so a
 * later run resumes only the same file (If-Range makes the server check it).
 * @typedef {{ url: string, validator: string | null }} PartOrigin
 */

/** @param {Response} response */
function validatorOf(response) {
  const etag = response.headers.get('etag');
  // A weak ETag may not be used in If-Range.
  if (etag && !etag.startsWith('W/')) return etag;
  return response.headers.get('last-modified');
}

/**
 * @param {string} originPath
 * @returns {Promise<PartOrigin | null>}
 */
async function readOrigin(originPath) {
  try {
    return JSON.parse(await readFile(originPath, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * One request: continues `part` from its current size (or starts it), and
 * returns the complete size once the body has been written.
 * @param {string} url
 * @param {string} part
 * @param {DownloadOptions} options
 * @returns {Promise<number>}
 */
async function attempt(url, part, { expectedBytes = null, onProgress, signal }) {
  const originPath = `${part}.json`;
  const origin = await readOrigin(originPath);
  let have = origin?.url === url ? ((await sizeOf(part)) ?? 0) : 0;
  /** @type {Record<string, string>} */
  const headers = { 'accept-encoding': 'identity' }; // byte ranges of the file itself, not of a compressed stream
  if (have > 0) {
    headers.range = `bytes=${have}-`;
    if (origin?.validator) headers['if-range'] = origin.validator;
  }
  let response;
  try {
    response = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (e) {
    throw networkError(url, e);
  }
  if (response.status === 416 && have > 0) {
    // Nothing past our end: either the part is already whole, or it is not this file.
    await response.body?.cancel();
    const total = parseContentRange(response.headers.get('content-range'))?.total ?? null;
    if (total === have && (expectedBytes === null || expectedBytes === have)) return have;
    await rm(part, { force: true });
    throw new DownloadError(`${url}: the partial download does not match the file on the server; starting over`, { retryable: true });
  }
  if (!response.ok) {
    await response.body?.cancel();
    const retryable = response.status >= 500 || response.status === 429;
    throw new DownloadError(`${url}: HTTP ${response.status} ${response.statusText}`.trim(), { retryable });
  }

  /** @type {number | null} */
  let total;
  if (response.status === 206) {
    const range = parseContentRange(response.headers.get('content-range'));
    if (!range || range.start !== have) {
      await response.body?.cancel();
      await rm(part, { force: true });
      const got = response.headers.get('content-range');
      throw new DownloadError(`${url}: asked for bytes ${have}- but got Content-Range ${JSON.stringify(got)}; starting over`, { retryable: true });
    }
    total = range.total;
  } else {
    // 200: the whole file, from byte 0 (a server without ranges, or If-Range said it changed).
    have = 0;
    const length = response.headers.get('content-length');
    total = length === null ? null : Number(length);
    await writeFile(originPath, JSON.stringify({ url, validator: validatorOf(response) }));
  }
  if (expectedBytes !== null && total !== null && total !== expectedBytes) {
    await response.body?.cancel();
    throw new DownloadError(`${url}: the server has ${total} bytes but the registry expects ${expectedBytes}; not downloading a different file`);
  }
  const want = expectedBytes ?? total;

  let loaded = have;
  const file = await open(part, have === 0 ? 'w' : 'a');
  try {
    onProgress?.(loaded, want);
    if (!response.body) throw new DownloadError(`${url}: the response has no body`, { retryable: true });
    for await (const chunk of response.body) {
      await file.write(chunk);
      loaded += chunk.length;
      if (want !== null && loaded > want) break;
      onProgress?.(loaded, want);
    }
  } catch (e) {
    if (e instanceof DownloadError) throw e;
    if (signal?.aborted) throw signal.reason;
    throw new DownloadError(`${url}: connection lost after ${loaded} of ${want ?? '?'} bytes`, { retryable: true, cause: e });
  } finally {
    await file.close();
  }
  if (want !== null && loaded > want) {
    await rm(part, { force: true });
    throw new DownloadError(`${url}: received more than the ${want} bytes announced; the file was deleted`);
  }
  if (want !== null && loaded < want) {
    throw new DownloadError(`${url}: the server ended the file at ${loaded} of ${want} bytes`, { retryable: true });
  }
  return loaded;
}

/**
 * @param {string} url
 * @param {unknown} error what fetch threw before any answer
 */
function networkError(url, error) {
  const cause = /** @type {{ cause?: { code?: string, message?: string } }} */ (error).cause;
  const code = cause?.code;
  if (/** @type {Error} */ (error).name === 'AbortError') return error;
  const reason = cause?.message ?? /** @type {Error} */ (error).message;
  return new DownloadError(`${url}: ${reason}`, { retryable: !UNREACHABLE.has(code ?? ''), cause: error });
}

/**
 * Downloads `url` to `dest` (see the top of this file).
 * @param {string} url
 * @param {string} dest
 * @param {DownloadOptions} [options]
 * @returns {Promise<{ bytes: number, resumedFrom: number }>} the file's size, and
 *   how many bytes an earlier run had already left in `<dest>.part`
 */
export async function downloadFile(url, dest, options = {}) {
  const { retries = DEFAULTS.retries.default, retryDelay = DEFAULTS.retryDelay.default, signal } = options;
  if (!Number.isInteger(retries) || retries < 0) throw new RangeError(`retries must be a non-negative integer, got ${retries}`);
  if (!(retryDelay >= 0)) throw new RangeError(`retryDelay must be a non-negative number, got ${retryDelay}`);
  const part = `${dest}.part`;
  const resumedFrom = (await sizeOf(part)) ?? 0;
  for (let tries = 0; ; tries++) {
    try {
      const bytes = await attempt(url, part, options);
      await rename(part, dest);
      await rm(`${part}.json`, { force: true });
      return { bytes, resumedFrom };
    } catch (e) {
      if (!(e instanceof DownloadError) || !e.retryable || tries >= retries) throw e;
      await sleep(retryDelay * 2 ** tries, undefined, { signal });
    }
  }
}
