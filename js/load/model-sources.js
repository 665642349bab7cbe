/**
 * Where a model directory's files come from: an HTTP(S) base URL, or (in
 * Node) a folder on disk. Both give the loader the same thing: a manifest's
 * text and each shard as a stream of chunks (so do files-source.js and
 * archive-source.js, for models in memory; open-model-source.js chooses).
 */

/**
 * @typedef {object} ModelSource
 * @property {string} location for messages: the URL or folder
 * @property {(name: string, signal?: AbortSignal) => Promise<string>} readText
 * @property {(name: string, signal?: AbortSignal) => AsyncIterable<Uint8Array>} readChunks a file's
 *   bytes in order; a chunk may be reused for the next one, so use it before asking for that
 * @property {(name: string) => string} [urlOf] a file's absolute URL (HTTP sources only:
 *   what the browser cache keys shards by)
 */

/**
 * A failed read that may succeed if tried again: a network error or an HTTP
 * 5xx / 429 answer. Other failures (404, a bad hash) are final.
 */
export class TransientError extends Error {
  /**
   * @param {string} message
   * @param {unknown} [cause]
   */
  constructor(message, cause) {
    super(message, { cause });
    this.name = 'TransientError';
  }
}

/** @param {string} text */
export const hasScheme = (text) => /^[a-z][a-z0-9+.-]*:/i.test(text);

/**
 * An absolute URL; a relative one is taken from the page (or the worker's script).
 * @param {string | URL} where
 * @returns {URL}
 */
export function absoluteUrl(where) {
  if (where instanceof URL || hasScheme(where)) return new URL(String(where));
  if (typeof location !== 'undefined') return new URL(where, location.href);
  throw new TypeError(`${where}: a relative URL needs a page to resolve against`);
}

/**
 * @param {string | URL} base
 * @returns {URL} the base with a trailing slash, so file names resolve inside it
 */
function directoryUrl(base) {
  const url = absoluteUrl(base);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/**
 * Aborts pass through as the signal's reason; other errors become
 * `TransientError`s naming the URL.
 * @template T
 * @param {() => Promise<T>} step
 * @param {string} what
 * @param {AbortSignal | undefined} signal
 * @returns {Promise<T>}
 */
async function networkStep(step, what, signal) {
  try {
    return await step();
  } catch (error) {
    signal?.throwIfAborted();
    throw new TransientError(`${what}: ${/** @type {Error} */ (error)?.message ?? error}`, error);
  }
}

/**
 * @param {URL} url
 * @param {AbortSignal | undefined} signal
 * @returns {Promise<Response>}
 */
async function fetchOk(url, signal) {
  const response = await networkStep(() => fetch(url, { signal }), url.href, signal);
  if (response.ok) return response;
  const message = `${url.href}: HTTP ${response.status} ${response.statusText}`.trimEnd();
  await response.body?.cancel().catch(() => {});
  throw response.status >= 500 || response.status === 429 ? new TransientError(message) : new Error(message);
}

/**
 * A response body, chunk by chunk; stopping early cancels the body.
 * @param {Response} response
 * @param {string} what names the file in messages
 * @param {AbortSignal} [signal]
 * @returns {AsyncGenerator<Uint8Array>}
 */
export async function* responseChunks(response, what, signal) {
  if (!response.body) throw new Error(`${what}: the response has no body`);
  const reader = response.body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await networkStep(() => reader.read(), what, signal);
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/**
 * @param {string | URL} baseUrl
 * @returns {ModelSource}
 */
export function httpSource(baseUrl) {
  const base = directoryUrl(baseUrl);
  /** @param {string} name */
  const urlOf = (name) => new URL(name, base).href;
  return {
    location: base.href,
    urlOf,
    async readText(name, signal) {
      const response = await fetchOk(new URL(urlOf(name)), signal);
      return networkStep(() => response.text(), urlOf(name), signal);
    },
    async *readChunks(name, signal) {
      yield* responseChunks(await fetchOk(new URL(urlOf(name)), signal), urlOf(name), signal);
    },
  };
}

const FILE_CHUNK_BYTES = 256 * 1024;

/**
 * @param {string} dir a folder on disk
 * @returns {Promise<ModelSource>}
 */
export async function fileSource(dir) {
  const { open, readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const root = path.resolve(dir);
  /** @param {string} name */
  const inside = (name) => path.join(root, path.basename(name));
  return {
    location: root,
    async readText(name, signal) {
      return readFile(inside(name), { encoding: 'utf8', signal });
    },
    // One buffer per file, read into again and again: a stream's fresh chunk
    // per read would leave the whole model as garbage beside the wasm memory.
    async *readChunks(name, signal) {
      const file = await open(inside(name), 'r');
      try {
        const buffer = new Uint8Array(FILE_CHUNK_BYTES);
        for (;;) {
          signal?.throwIfAborted();
          const { bytesRead } = await file.read(buffer, 0, buffer.byteLength, null);
          if (bytesRead === 0) return;
          yield buffer.subarray(0, bytesRead);
        }
      } finally {
        await file.close();
      }
    },
  };
}
