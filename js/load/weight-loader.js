/**
 * Streams a model's shards straight into one wasm allocation: the weight
 * region is sized from the manifest and allocated once, and every chunk is
 * copied to its final place as it arrives — no whole-shard or whole-model
 * buffer on the way. Shards are read concurrently, retried on network errors,
 * hash-checked, and (in browsers) kept in the Cache API once verified.
 */
import { sha256Hex } from './sha256.js';
import { openShardCache } from './shard-cache.js';
import { retrying } from './retry.js';
import { responseChunks } from './model-sources.js';
import { DEFAULTS } from '../defaults.js';
import { TENSOR_ALIGN } from '../format/model-format.js';

/**
 * @typedef {object} ProgressEvent
 * @property {'initiate' | 'progress' | 'done' | 'ready'} status
 * @property {string} [file] the shard (absent for 'ready')
 * @property {number} loaded bytes of the whole model loaded so far: never decreases, never above total
 * @property {number} total bytes of the whole model
 * @property {number} progress loaded / total, in percent
 */

/** @typedef {(event: ProgressEvent) => void} ProgressCallback */

/**
 * @typedef {object} LoadWeightsOptions
 * @property {ProgressCallback} [onProgress]
 * @property {AbortSignal} [signal]
 * @property {number} [concurrency] shards read at once (default 4)
 * @property {number} [retries] further attempts at a shard after a network error or an
 *   HTTP 5xx/429 answer (default 3)
 * @property {number} [retryDelay] milliseconds before the first retry, doubled for each
 *   next one (default 500)
 * @property {boolean} [cache] keep shards in the browser's Cache API and read them from
 *   there (default true; no effect without the Cache API, e.g. in Node)
 */

/**
 * The weight region in wasm memory; `free()` returns it.
 */
export class WeightRegion {
  /**
   * @param {import('../core/wasm-core.js').Core} core
   * @param {number} byteLength
   */
  constructor(core, byteLength) {
    this.core = core;
    this.byteLength = byteLength;
    this.raw = core.malloc(byteLength + TENSOR_ALIGN);
    /** Start of the region: tensor offsets in the manifest are 64-byte aligned relative to it. */
    this.ptr = Math.ceil(this.raw / TENSOR_ALIGN) * TENSOR_ALIGN;
  }

  free() {
    this.core.free(this.raw);
    this.raw = 0;
    this.ptr = 0;
  }
}

/**
 * @param {unknown} value
 * @param {'concurrency' | 'retries' | 'retryDelay'} name
 */
function integerOption(value, name) {
  const { default: fallback, min } = DEFAULTS[name];
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || /** @type {number} */ (value) < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return /** @type {number} */ (value);
}

/** @typedef {{ concurrency: number } & import('./retry.js').RetryPolicy} LoadPolicy */

/**
 * The load options' numbers, checked once, before anything is read.
 * @param {LoadWeightsOptions} options
 * @returns {LoadPolicy}
 */
export function loadPolicy(options) {
  return {
    concurrency: integerOption(options.concurrency, 'concurrency'),
    retries: integerOption(options.retries, 'retries'),
    retryDelay: integerOption(options.retryDelay, 'retryDelay'),
  };
}

/**
 * Shards of one region (the weights, or a model's softmax or vocabulary) and
 * their total size.
 * @typedef {object} ShardedRegion
 * @property {number} byteLength
 * @property {number} shardBytes every shard's size but the last one's
 * @property {import('../format/model-format.js').ShardEntry[]} shards
 */

/**
 * Where a region's bytes go: `bytes()` is the memory (re-read after anything
 * that may grow it), the region starts at `start` in it.
 * @typedef {{ bytes: () => Uint8Array, start: number }} RegionTarget
 */

/**
 * Reads every shard of a region into its place in `target`, concurrently,
 * with retries, each checked for size and sha256 and, from an HTTP source,
 * kept in the browser's shard cache (and read from there next time).
 * @param {RegionTarget} target
 * @param {ShardedRegion} region
 * @param {import('./model-sources.js').ModelSource} source
 * @param {LoadPolicy} policy from loadPolicy(options)
 * @param {LoadWeightsOptions} options for onProgress, signal and cache
 */
async function fillRegion(target, region, source, policy, options) {
  const { onProgress } = options;
  // One failing shard stops the others before the caller frees what they write into.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  signal.throwIfAborted();
  const cache = source.urlOf ? await openShardCache(options.cache ?? true) : null;
  const total = region.byteLength;
  const { shardBytes, shards } = region;

  // A retried shard rewrites its bytes from its start; it adds to `loaded`
  // only past the most it had written before.
  const highWater = new Float64Array(shards.length);
  let loaded = 0;
  /** @param {'initiate' | 'progress' | 'done'} status @param {string} file */
  const report = (status, file) =>
    onProgress?.({ status, file, loaded, total, progress: total ? (100 * loaded) / total : 100 });

  /**
   * Writes one shard's chunks at its place, then checks its size and hash.
   * @param {number} index
   * @param {AsyncIterable<Uint8Array>} chunks
   */
  async function fill(index, chunks) {
    const shard = shards[index];
    const start = target.start + index * shardBytes;
    let written = 0;
    for await (const chunk of chunks) {
      signal.throwIfAborted();
      if (written + chunk.byteLength > shard.byteLength) {
        throw new Error(`${shard.path}: larger than the ${shard.byteLength} bytes the manifest gives`);
      }
      // Re-read the view every chunk: nothing here grows memory, but a
      // concurrent call on the same core could.
      target.bytes().set(chunk, start + written);
      written += chunk.byteLength;
      if (written > highWater[index]) {
        loaded += written - highWater[index];
        highWater[index] = written;
        report('progress', shard.path);
      }
    }
    if (written !== shard.byteLength) {
      throw new Error(`${shard.path}: truncated, ${written} of ${shard.byteLength} bytes`);
    }
    const digest = await sha256Hex(target.bytes().subarray(start, start + written));
    if (digest !== shard.sha256) {
      throw new Error(`${shard.path}: sha256 mismatch (expected ${shard.sha256}, got ${digest})`);
    }
  }

  /** @param {number} index @returns {Promise<boolean>} whether the cache had the shard, intact */
  async function fillFromCache(index) {
    const { path, sha256 } = shards[index];
    const url = /** @type {(name: string) => string} */ (source.urlOf)(path);
    const cached = await cache?.match(url, sha256).catch(() => undefined); // unreadable storage: a miss
    if (!cached) return false;
    try {
      await fill(index, responseChunks(cached, path, signal));
      return true;
    } catch {
      signal.throwIfAborted();
      await cache?.delete(url, sha256); // damaged in storage: fetch it again
      return false;
    }
  }

  /** @param {number} index */
  async function fillFromSource(index) {
    const { path } = shards[index];
    await retrying(() => fill(index, source.readChunks(path, signal)), policy, signal);
  }

  /** @param {number} index */
  async function loadShard(index) {
    const { path, sha256, byteLength } = shards[index];
    signal.throwIfAborted();
    report('initiate', path);
    if (!(cache && (await fillFromCache(index)))) {
      await fillFromSource(index);
      if (cache && source.urlOf) {
        const start = target.start + index * shardBytes;
        const bytes = () => target.bytes().subarray(start, start + byteLength);
        // A full or unavailable cache costs the next visit a download, not this load.
        await cache.put(source.urlOf(path), sha256, bytes, signal).catch(() => signal.throwIfAborted());
      }
    }
    report('done', path);
  }

  let next = 0;
  async function worker() {
    while (next < shards.length) await loadShard(next++);
  }
  const workers = Array.from({ length: Math.min(policy.concurrency, shards.length) }, worker);
  try {
    await Promise.all(workers);
  } catch (error) {
    stop.abort(error);
    await Promise.allSettled(workers);
    throw options.signal?.aborted ? options.signal.reason : error;
  }
}

/**
 * @param {import('../core/wasm-core.js').Core} core
 * @param {import('../format/model-format.js').Manifest} manifest
 * @param {import('./model-sources.js').ModelSource} source
 * @param {LoadPolicy} policy from loadPolicy(options)
 * @param {LoadWeightsOptions} [options] for onProgress, signal and cache
 * @returns {Promise<WeightRegion>}
 */
export async function loadWeights(core, manifest, source, policy, options = {}) {
  options.signal?.throwIfAborted();
  const region = new WeightRegion(core, manifest.weights.byteLength);
  try {
    await fillRegion({ bytes: () => core.u8(), start: region.ptr }, { ...manifest.weights, shards: manifest.shards }, source, policy, options);
    return region;
  } catch (error) {
    region.free();
    throw error;
  }
}

/**
 * A region's bytes in JavaScript memory (a model's softmax, its vocabulary),
 * read as the weights are: concurrently, retried, hash-checked, cached.
 * @param {ShardedRegion} region
 * @param {import('./model-sources.js').ModelSource} source
 * @param {LoadPolicy} policy
 * @param {LoadWeightsOptions} [options] signal and cache
 * @returns {Promise<Uint8Array>}
 */
export async function readRegion(region, source, policy, options = {}) {
  const bytes = new Uint8Array(region.byteLength);
  await fillRegion({ bytes: () => bytes, start: 0 }, region, source, policy, options);
  return bytes;
}
