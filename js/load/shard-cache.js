/**
 * Shards kept in the browser's Cache API, so a second visit loads a model
 * without downloading it again. An entry is keyed by the shard's URL and its
 * sha256, and is only written after the shard's bytes in wasm memory matched
 * that hash; a read is hash-checked again by the loader like any download.
 */

/** The Cache API cache that holds elmo-wasm shards. */
export const CACHE_NAME = 'elmo-wasm-shards-v1';

/** Bytes copied from wasm memory per chunk of a cache write. */
const PUT_CHUNK = 256 * 1024;

/** @returns {boolean} whether this environment has the Cache API */
const hasCacheApi = () => typeof caches !== 'undefined';

/**
 * The cache key of a shard: its URL with its hash as a query parameter, so a
 * re-converted model at the same URL never hits an old entry.
 * @param {string} url
 * @param {string} sha256
 */
export function shardCacheKey(url, sha256) {
  const key = new URL(url);
  key.searchParams.set('elmo-sha256', sha256);
  return key.href;
}

/**
 * @typedef {object} ShardCache
 * @property {(url: string, sha256: string) => Promise<Response | undefined>} match
 * @property {(url: string, sha256: string, bytes: () => Uint8Array, signal: AbortSignal) => Promise<void>} put
 *   `bytes()` gives a fresh view of the verified shard (wasm memory may grow meanwhile)
 * @property {(url: string, sha256: string) => Promise<void>} delete
 */

/**
 * @param {boolean} enabled
 * @returns {Promise<ShardCache | null>} null when disabled or without the Cache API
 */
export async function openShardCache(enabled) {
  if (!enabled || !hasCacheApi()) return null;
  /** @type {Cache} */
  let cache;
  try {
    cache = await caches.open(CACHE_NAME);
  } catch {
    return null; // e.g. storage disabled for this origin: load from the network only
  }
  return {
    match: (url, sha256) => cache.match(shardCacheKey(url, sha256)),
    async put(url, sha256, bytes, signal) {
      const length = bytes().byteLength;
      let at = 0;
      const body = new ReadableStream({
        pull(controller) {
          if (signal.aborted) return controller.error(signal.reason);
          const end = Math.min(length, at + PUT_CHUNK);
          controller.enqueue(bytes().slice(at, end));
          at = end;
          if (at === length) controller.close();
        },
      });
      const headers = { 'content-type': 'application/octet-stream', 'content-length': String(length) };
      await cache.put(shardCacheKey(url, sha256), new Response(body, { headers }));
    },
    async delete(url, sha256) {
      await cache.delete(shardCacheKey(url, sha256));
    },
  };
}

/**
 * Deletes every cached shard of every model.
 * @returns {Promise<boolean>} whether there was a cache to delete (always false without the Cache API)
 */
export async function clearCache() {
  return hasCacheApi() ? caches.delete(CACHE_NAME) : false;
}

/**
 * A model some of whose shards are in the cache.
 * @typedef {object} CachedModel
 * @property {string} url the model directory's URL, as it was loaded from
 * @property {number} shards shards cached (weights, and softmax if fineTune read them)
 * @property {number} bytes their size
 */

/**
 * The models whose shards are in the browser's cache, by URL: every shard
 * key is a shard's URL (with its hash), so a model is the folder its shards
 * sit in. Models loaded from a File, buffer or files are not cached: they
 * are already on the device.
 * @returns {Promise<CachedModel[]>} sorted by URL; empty without the Cache API
 */
export async function listCachedModels() {
  if (!hasCacheApi() || !(await caches.has(CACHE_NAME))) return [];
  const cache = await caches.open(CACHE_NAME);
  /** @type {Map<string, CachedModel>} */
  const models = new Map();
  for (const request of await cache.keys()) {
    const key = new URL(request.url);
    if (!key.searchParams.has('elmo-sha256')) continue;
    const url = new URL('.', key).href;
    const response = await cache.match(request);
    const model = models.get(url) ?? { url, shards: 0, bytes: 0 };
    model.shards += 1;
    model.bytes += Number(response?.headers.get('content-length') ?? 0);
    models.set(url, model);
  }
  return [...models.values()].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}
