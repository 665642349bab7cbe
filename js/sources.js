/**
 * Where a model directory's files come from: an HTTP(S) base URL, or (in
 * Node) a folder on disk. Both give the loader the same thing: a manifest's
 * text and each shard as a stream of chunks.
 */
import { isNode } from './runtime.js';

/**
 * @typedef {object} ModelSource
 * @property {string} location for messages: the URL or folder
 * @property {(name: string, signal?: AbortSignal) => Promise<string>} readText
 * @property {(name: string, signal?: AbortSignal) => AsyncIterable<Uint8Array>} readChunks
 */

/**
 * @param {string | URL} base
 * @returns {URL} the base with a trailing slash, so file names resolve inside it
 */
function directoryUrl(base) {
  const url = new URL(String(base), typeof location !== 'undefined' ? location.href : undefined);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/**
 * @param {URL} url
 * @param {AbortSignal | undefined} signal
 */
async function fetchOk(url, signal) {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status} ${response.statusText}`);
  return response;
}

/**
 * @param {string | URL} baseUrl
 * @returns {ModelSource}
 */
export function httpSource(baseUrl) {
  const base = directoryUrl(baseUrl);
  return {
    location: base.href,
    async readText(name, signal) {
      return (await fetchOk(new URL(name, base), signal)).text();
    },
    async *readChunks(name, signal) {
      const response = await fetchOk(new URL(name, base), signal);
      if (!response.body) throw new Error(`${name}: the response has no body`);
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}

/**
 * @param {string} dir a folder on disk
 * @returns {Promise<ModelSource>}
 */
export async function fileSource(dir) {
  const { readFile } = await import('node:fs/promises');
  const { createReadStream } = await import('node:fs');
  const path = await import('node:path');
  const root = path.resolve(dir);
  /** @param {string} name */
  const inside = (name) => path.join(root, path.basename(name));
  return {
    location: root,
    async readText(name, signal) {
      return readFile(inside(name), { encoding: 'utf8', signal });
    },
    readChunks(name, signal) {
      return createReadStream(inside(name), { highWaterMark: 1 << 20, signal });
    },
  };
}

/**
 * A model directory given as a URL (http:, https:, file:) or, in Node, a path.
 * @param {string | URL} where
 * @returns {Promise<ModelSource>}
 */
export async function openModelSource(where) {
  const text = String(where);
  if (isNode) {
    if (text.startsWith('file:')) {
      const { fileURLToPath } = await import('node:url');
      return fileSource(fileURLToPath(text));
    }
    if (!/^[a-z][a-z0-9+.-]*:/i.test(text)) return fileSource(text);
  }
  return httpSource(where);
}
