/**
 * Streams a model's shards straight into one wasm allocation: the weight
 * region is sized from the manifest and allocated once, and every chunk is
 * copied to its final place as it arrives — no whole-shard or whole-model
 * buffer on the way.
 */
import { sha256Hex } from './sha256.js';

/**
 * @typedef {object} ProgressEvent
 * @property {'initiate' | 'progress' | 'done' | 'ready'} status
 * @property {string} [file] the shard (absent for 'ready')
 * @property {number} loaded bytes of the whole model loaded so far
 * @property {number} total bytes of the whole model
 * @property {number} progress loaded / total, in percent
 */

/** @typedef {(event: ProgressEvent) => void} ProgressCallback */

/**
 * @typedef {object} LoadWeightsOptions
 * @property {ProgressCallback} [onProgress]
 * @property {AbortSignal} [signal]
 * @property {number} [concurrency] shards read at once (default 4)
 */

const REGION_ALIGN = 64;

/**
 * The weight region in wasm memory; `free()` returns it.
 */
export class WeightRegion {
  /**
   * @param {import('./core.js').Core} core
   * @param {number} byteLength
   */
  constructor(core, byteLength) {
    this.core = core;
    this.byteLength = byteLength;
    this.raw = core.malloc(byteLength + REGION_ALIGN);
    /** Start of the region: tensor offsets in the manifest are 64-byte aligned relative to it. */
    this.ptr = Math.ceil(this.raw / REGION_ALIGN) * REGION_ALIGN;
  }

  free() {
    this.core.free(this.raw);
    this.raw = 0;
    this.ptr = 0;
  }
}

/**
 * @param {import('./core.js').Core} core
 * @param {import('./manifest.js').Manifest} manifest
 * @param {import('./sources.js').ModelSource} source
 * @param {LoadWeightsOptions} [options]
 * @returns {Promise<WeightRegion>}
 */
export async function loadWeights(core, manifest, source, options = {}) {
  const { onProgress } = options;
  // One failing shard stops the others before the region is freed under them.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const total = manifest.weights.byteLength;
  const { shardBytes } = manifest.weights;
  const region = new WeightRegion(core, total);
  let loaded = 0;
  /** @param {Omit<ProgressEvent, 'loaded' | 'total' | 'progress'>} event */
  const report = (event) =>
    onProgress?.({ ...event, loaded, total, progress: total ? (100 * loaded) / total : 100 });

  /** @param {number} index */
  async function loadShard(index) {
    const shard = manifest.shards[index];
    const start = region.ptr + index * shardBytes;
    signal.throwIfAborted();
    report({ status: 'initiate', file: shard.path });
    let written = 0;
    for await (const chunk of source.readChunks(shard.path, signal)) {
      signal.throwIfAborted();
      if (written + chunk.byteLength > shard.byteLength) {
        throw new Error(`${shard.path}: larger than the ${shard.byteLength} bytes the manifest gives`);
      }
      // Re-read the view every chunk: nothing here grows memory, but a
      // concurrent call on the same core could.
      core.u8().set(chunk, start + written);
      written += chunk.byteLength;
      loaded += chunk.byteLength;
      report({ status: 'progress', file: shard.path });
    }
    if (written !== shard.byteLength) {
      throw new Error(`${shard.path}: truncated, ${written} of ${shard.byteLength} bytes`);
    }
    const digest = await sha256Hex(core.u8().subarray(start, start + written));
    if (digest !== shard.sha256) {
      throw new Error(`${shard.path}: sha256 mismatch (expected ${shard.sha256}, got ${digest})`);
    }
    report({ status: 'done', file: shard.path });
  }

  let next = 0;
  async function worker() {
    while (next < manifest.shards.length) await loadShard(next++);
  }
  const workers = Array.from({ length: Math.min(concurrency, manifest.shards.length) }, worker);
  try {
    await Promise.all(workers);
    return region;
  } catch (error) {
    stop.abort(error);
    await Promise.allSettled(workers);
    region.free();
    throw options.signal?.aborted ? options.signal.reason : error;
  }
}
