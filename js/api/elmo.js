/**
 * `Elmo`: a loaded model and its run state in one wasm instance. The same
 * class serves browsers and Node.js; the worker wraps it with the same API.
 */
import { Core, ElmoError, HeapAllocations, Status } from '../core/wasm-core.js';
import { embedWithOptions, needsEmbedOptions } from './embed-options.js';
import { loadPolicy, loadWeights } from '../load/weight-loader.js';
import { parseManifest } from '../format/model-format.js';
import { retrying } from '../load/retry.js';
import { openModelSource } from '../load/model-sources.js';
import { checkSentences, packSentences } from './batch-packing.js';
import { HelperThreads } from '../core/thread-helpers.js';
import { defaultThreadCount, hasWasmSimd, threadSupport } from '../core/runtime.js';

/**
 * @typedef {object} ThreadOptions
 * @property {number} [numThreads] threads that share the work (default: the machine's cores, at
 *   most 4); more than 1 needs the threaded SIMD build, which needs SharedArrayBuffer: Node.js, or
 *   a cross-origin isolated page. Elsewhere the model runs on one thread after one console warning.
 */

/**
 * @typedef {object} CacheOptions
 * @property {number} [tokenCache] distinct tokens whose context-free vectors (layer 0) are kept
 *   and reused, bit for bit, least recently used out (default 4096; 0: off)
 */

/**
 * @typedef {object} MemoryOptions
 * @property {number} [maxMemoryMB] wasm memory one embed call may use besides the weights: its
 *   inputs, outputs and workspace (default 512). Long sentences are computed in chunks that fit;
 *   a stateless batch that does not fit is split into smaller ones; what cannot fit even so
 *   (one sentence too long, or a stateful batch) rejects with an `ElmoError` of status
 *   OUT_OF_MEMORY naming the budget.
 */

/**
 * @typedef {import('../core/wasm-core.js').CoreOptions & import('../load/weight-loader.js').LoadWeightsOptions & ThreadOptions & CacheOptions & MemoryOptions} LoadOptions
 */

/** @typedef {import('./embed-options.js').EmbedOptions} EmbedOptions */

/**
 * @typedef {object} Embedding
 * @property {[number, number, number]} shape (n_layers + 1, n_tokens, 2 * projection_dim)
 * @property {Float32Array} data row-major; layer 0 is the token vector twice,
 *   layer l is [forward_l, backward_l]
 */

/**
 * @typedef {object} ModelInfo
 * @property {string} name
 * @property {number} nLayers biLSTM layers (outputs have nLayers + 1)
 * @property {number} outputDim 2 * projection_dim
 * @property {number} weightBytes
 * @property {boolean} simd whether the wasm SIMD build runs
 * @property {number} threads threads that share the work
 */

let warnedSingleThread = false;

/**
 * How many threads to run, from the option and what the engine allows.
 * @param {LoadOptions} options
 * @returns {Promise<number>}
 */
async function chooseThreadCount(options) {
  const wanted = options.numThreads ?? (await defaultThreadCount());
  if (!Number.isInteger(wanted) || wanted < 1 || wanted > 64) {
    throw new RangeError(`numThreads must be an integer from 1 to 64, got ${options.numThreads}`);
  }
  if (wanted === 1) return 1;
  const support = threadSupport();
  const why = !support.ok ? support.why
    : options.simd === false ? 'the threaded build needs wasm SIMD (simd: false was given)'
    : options.simd === undefined && !hasWasmSimd() ? 'this engine has no wasm SIMD, which the threaded build needs'
    : options.wasmBinary ? 'a wasmBinary was given (it is one single-threaded build)'
    : null;
  if (why === null) return wanted;
  if (!warnedSingleThread) {
    // The one message the library prints: a silent fall to one thread is the complaint users make.
    console.warn(`elmo-wasm: running on 1 thread instead of ${wanted}: ${why}`);
    warnedSingleThread = true;
  }
  return 1;
}

const FLAG_STATEFUL = 1;
const FLAG_KEEP_BOUNDARIES = 2;
const MB = 1 << 20;
const DEFAULT_MAX_MEMORY_MB = 512;

/**
 * @param {unknown} value the maxMemoryMB option
 * @returns {number} bytes
 */
function memoryBudget(value) {
  if (value === undefined) return DEFAULT_MAX_MEMORY_MB * MB;
  // wasm32 memory ends at 4 GiB.
  if (typeof value !== 'number' || !(value >= 1 && value <= 4096)) {
    throw new RangeError(`maxMemoryMB must be a number from 1 to 4096, got ${JSON.stringify(value)}`);
  }
  return Math.floor(value * MB);
}

/** @param {number} bytes */
const megabytes = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

/**
 * Refuses a model before its weights are allocated and read: the core checks
 * the options and every tensor against the region the manifest declares
 * (elmo_model_check), and the region may not be larger than its tensors
 * (rounded to 64 bytes), so a manifest cannot make us allocate for nothing.
 * @param {Core} core
 * @param {Uint8Array} json the manifest, as elmo_model_load will get it
 * @param {import('../format/model-format.js').Manifest} manifest
 * @param {string} location for messages
 */
function checkModel(core, json, manifest, location) {
  const { fn } = core;
  const heap = new HeapAllocations(core);
  const model = fn.elmo_model_create();
  try {
    if (!model) throw new ElmoError('out of wasm memory creating the model', Status.OUT_OF_MEMORY);
    const endPtr = heap.alloc(4);
    const { byteLength } = manifest.weights;
    const status = fn.elmo_model_check(model, heap.copyIn(json), json.length, byteLength, endPtr);
    if (status !== Status.OK) throw new ElmoError(`${location}: ${core.string(fn.elmo_model_last_error(model))}`, status);
    const end = new Uint32Array(core.memory.buffer, endPtr, 1)[0];
    if (byteLength > Math.ceil(end / 64) * 64) {
      throw new ElmoError(
        `${location}: manifest.json: weights.byteLength is ${byteLength} but the tensors end at byte ${end}`,
        Status.INVALID_WEIGHTS,
      );
    }
  } finally {
    if (model) fn.elmo_model_free(model);
    heap.freeAll();
  }
}

export class Elmo {
  /** @type {Core | null} */
  #core;
  /** @type {import('../load/weight-loader.js').WeightRegion} */
  #weights;
  /** @type {HelperThreads | null} */
  #threads;
  #model = 0;
  #ctx = 0;
  /** Bytes of wasm memory one embed call may use besides the weights (maxMemoryMB). */
  #budget = DEFAULT_MAX_MEMORY_MB * MB;
  /** @type {ModelInfo} */
  info;

  /**
   * Use `Elmo.load()`.
   * @param {Core} core
   * @param {import('../load/weight-loader.js').WeightRegion} weights
   * @param {number} model
   * @param {number} ctx
   * @param {ModelInfo} info
   * @param {HelperThreads | null} threads
   */
  constructor(core, weights, model, ctx, info, threads) {
    this.#core = core;
    this.#weights = weights;
    this.#threads = threads;
    this.#model = model;
    this.#ctx = ctx;
    this.info = info;
  }

  /**
   * Loads a converted model directory (see models/FORMAT.md).
   * @param {string | URL} modelDirOrUrl a folder (Node) or a URL of the folder
   * @param {LoadOptions} [options]
   * @returns {Promise<Elmo>}
   */
  static async load(modelDirOrUrl, options = {}) {
    const policy = loadPolicy(options);
    const source = await openModelSource(modelDirOrUrl);
    const { signal } = options;
    const manifest = parseManifest(await retrying(() => source.readText('manifest.json', signal), policy, signal));
    const budget = memoryBudget(options.maxMemoryMB);
    const { tokenCache } = options;
    if (tokenCache !== undefined && !(Number.isInteger(tokenCache) && tokenCache >= 0 && tokenCache <= 1 << 24)) {
      throw new RangeError(`tokenCache must be an integer from 0 to ${1 << 24}, got ${tokenCache}`);
    }
    const nThreads = await chooseThreadCount(options);
    const core = await Core.create(options, nThreads > 1);
    const json = new TextEncoder().encode(JSON.stringify(manifest));
    checkModel(core, json, manifest, source.location);
    const weights = await loadWeights(core, manifest, source, options);
    const { fn } = core;
    const heap = new HeapAllocations(core);
    let model = 0;
    let ctx = 0;
    /** @type {HelperThreads | null} */
    let threads = null;
    try {
      model = fn.elmo_model_create();
      if (!model) throw new ElmoError('out of wasm memory creating the model', Status.OUT_OF_MEMORY);
      const status = fn.elmo_model_load(model, heap.copyIn(json), json.length, weights.ptr, weights.byteLength);
      if (status !== Status.OK) {
        throw new ElmoError(`${source.location}: ${core.string(fn.elmo_model_last_error(model))}`, status);
      }
      ctx = fn.elmo_context_create(model);
      if (!ctx) throw new ElmoError('out of wasm memory creating the context', Status.OUT_OF_MEMORY);
      if (tokenCache !== undefined) fn.elmo_context_set_token_cache(ctx, tokenCache);
      if (core.flavor === 'simd-threads') {
        threads = await HelperThreads.start(core, nThreads);
        fn.elmo_context_set_thread_pool(ctx, threads.pool);
      }
      const info = {
        name: manifest.name ?? String(modelDirOrUrl),
        nLayers: fn.elmo_model_n_layers(model),
        outputDim: fn.elmo_model_output_dim(model),
        weightBytes: weights.byteLength,
        simd: core.flavor !== 'scalar',
        threads: threads ? nThreads : 1,
      };
      const elmo = new Elmo(core, weights, model, ctx, info, threads);
      elmo.#budget = budget;
      options.onProgress?.({ status: 'ready', loaded: weights.byteLength, total: weights.byteLength, progress: 100 });
      return elmo;
    } catch (error) {
      if (ctx) fn.elmo_context_free(ctx);
      if (model) fn.elmo_model_free(model);
      weights.free();
      throw error;
    } finally {
      heap.freeAll();
    }
  }

  /** @returns {Core} */
  #live() {
    if (!this.#core) throw new Error('this Elmo instance has been disposed');
    return this.#core;
  }

  /**
   * Embeds a batch of tokenized sentences.
   * @param {string[][]} sentences
   * @param {EmbedOptions} [options]
   * @returns {Promise<Embedding[]>} one per sentence, in order
   */
  async embed(sentences, options = {}) {
    // ---- raw text, state modes, output shaping (layers, mix, output, pooling, normalize): see embed-options.js
    if (needsEmbedOptions(sentences, options)) return /** @type {any} */ (embedWithOptions(this, sentences, options));
    // ----
    this.#live();
    checkSentences(sentences);
    const flags = (options.stateful ? FLAG_STATEFUL : 0) | (options.keepBoundaries ? FLAG_KEEP_BOUNDARIES : 0);
    return this.#embedWithin(sentences, flags);
  }

  /**
   * Embeds checked sentences within the memory budget: a stateless batch
   * that does not fit is embedded in two halves (each sentence's vectors
   * depend on it alone, so the results are the same).
   * @param {string[][]} sentences
   * @param {number} flags
   * @returns {Embedding[]}
   */
  #embedWithin(sentences, flags) {
    try {
      return this.#embedPacked(sentences, flags);
    } catch (error) {
      const splittable = !(flags & FLAG_STATEFUL) && sentences.length > 1;
      if (!(splittable && error instanceof ElmoError && error.status === Status.OUT_OF_MEMORY)) throw error;
      const half = sentences.length >> 1;
      return [...this.#embedWithin(sentences.slice(0, half), flags), ...this.#embedWithin(sentences.slice(half), flags)];
    }
  }

  /**
   * One elmo_embed call; the core's workspace may use what the inputs and outputs leave of the budget.
   * @param {string[][]} sentences
   * @param {number} flags
   * @returns {Embedding[]}
   */
  #embedPacked(sentences, flags) {
    const core = this.#live();
    const { bytes, offsets, lengths } = packSentences(sentences);
    const { fn } = core;
    const heap = new HeapAllocations(core);
    try {
      const lengthsPtr = heap.copyIn(lengths);
      const nOut = fn.elmo_output_floats(this.#model, lengthsPtr, lengths.length, flags) >>> 0;
      const ioBytes = bytes.byteLength + offsets.byteLength + lengths.byteLength + 4 * nOut;
      // Each allocation may round up a little: 64 bytes each is generous.
      const room = this.#budget - ioBytes - 4 * 64;
      if (room <= 0) {
        throw new ElmoError(
          `maxMemoryMB (${megabytes(this.#budget)}) is too small for this batch: its inputs and outputs alone take ${megabytes(ioBytes)}`,
          Status.OUT_OF_MEMORY,
        );
      }
      const bytesPtr = heap.copyIn(bytes);
      const offsetsPtr = heap.copyIn(offsets);
      const outPtr = heap.alloc(4 * nOut);
      fn.elmo_context_set_workspace_limit(this.#ctx, room);
      const status = fn.elmo_embed(this.#ctx, bytesPtr, offsetsPtr, lengthsPtr, lengths.length, flags, outPtr, nOut);
      if (status !== Status.OK) {
        const message = core.string(fn.elmo_context_last_error(this.#ctx));
        const why = status === Status.OUT_OF_MEMORY ? `maxMemoryMB (${megabytes(this.#budget)}) is too small: ${message}` : message;
        throw new ElmoError(why, status);
      }
      const out = core.f32(outPtr, nOut);
      const layers = this.info.nLayers + 1;
      const extra = flags & FLAG_KEEP_BOUNDARIES ? 2 : 0;
      let at = 0;
      return Array.from(lengths, (n) => {
        /** @type {[number, number, number]} */
        const shape = [layers, n + extra, this.info.outputDim];
        const size = shape[0] * shape[1] * shape[2];
        const data = out.slice(at, at + size);
        at += size;
        return { shape, data };
      });
    } finally {
      heap.freeAll();
    }
  }

  /**
   * Size of this instance's wasm memory in bytes. Wasm memory only grows, so an
   * unchanged value across many calls shows they leave nothing allocated.
   * @returns {number}
   */
  get wasmMemoryBytes() {
    return this.#live().memory.buffer.byteLength;
  }

  /**
   * Lookups of the token cache since load: `hits` found their token's vector, `misses` computed it.
   * @returns {{ hits: number, misses: number }}
   */
  get tokenCacheStats() {
    const core = this.#live();
    const heap = new HeapAllocations(core);
    try {
      const counts = heap.alloc(16);
      core.fn.elmo_context_token_cache_counts(this.#ctx, counts);
      const [hits, misses] = new Float64Array(core.memory.buffer, counts, 2);
      return { hits, misses };
    } finally {
      heap.freeAll();
    }
  }

  /** Forgets the state kept by stateful calls: every batch row starts from zeros again. */
  resetState() {
    this.#live().fn.elmo_context_reset_state(this.#ctx);
  }

  /** Frees all wasm memory of this instance. Safe to call twice; later calls throw. */
  dispose() {
    const core = this.#core;
    if (!core) return;
    this.#core = null;
    core.fn.elmo_context_free(this.#ctx);
    core.fn.elmo_model_free(this.#model);
    this.#weights.free();
    this.#ctx = 0;
    this.#model = 0;
    // The helpers end now; their pool and stacks are freed once they have left it.
    void this.#threads?.stop();
    this.#threads = null;
  }
}
