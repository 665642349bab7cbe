/**
 * `Elmo`: a loaded model and its run state in one wasm instance. The same
 * class serves browsers and Node.js; the worker wraps it with the same API.
 */
import { Core, EMBED_FLAGS, ElmoError, HeapAllocations, Status } from '../core/wasm-core.js';
import { DEFAULTS } from '../defaults.js';
import { embedRequest, embedResults } from './embed-options.js';
import { loadPolicy, loadWeights } from '../load/weight-loader.js';
import { alignedBytes, parseManifest } from '../format/model-format.js';
import { retrying } from '../load/retry.js';
import { openModelSource } from '../load/model-sources.js';
import { packSentences } from './batch-packing.js';
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
  const { min, max } = DEFAULTS.numThreads;
  if (!Number.isInteger(wanted) || wanted < min || wanted > max) {
    throw new RangeError(`numThreads must be an integer from ${min} to ${max}, got ${options.numThreads}`);
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

const MB = 1 << 20;

/**
 * @param {unknown} value the maxMemoryMB option
 * @returns {number} bytes
 */
function memoryBudget(value) {
  const { default: fallback, min, max } = DEFAULTS.maxMemoryMB;
  if (value === undefined) return fallback * MB;
  if (typeof value !== 'number' || !(value >= min && value <= max)) {
    throw new RangeError(`maxMemoryMB must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return Math.floor(value * MB);
}

/**
 * @param {unknown} value the tokenCache option
 * @returns {number | undefined} undefined: the core's default
 */
function tokenCacheEntries(value) {
  const { min, max } = DEFAULTS.tokenCache;
  if (value !== undefined && !(Number.isInteger(value) && /** @type {number} */ (value) >= min && /** @type {number} */ (value) <= max)) {
    throw new RangeError(`tokenCache must be an integer from ${min} to ${max}, got ${value}`);
  }
  return /** @type {number | undefined} */ (value);
}

/** @param {number} bytes */
const megabytes = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

/**
 * Refuses a model before its weights are allocated and read: the core checks
 * the options and every tensor against the region the manifest declares
 * (elmo_model_check), and the region may not be larger than its tensors
 * (rounded to the tensor alignment), so a manifest cannot make us allocate
 * for nothing.
 * @param {Core} core
 * @param {number} model a handle with nothing loaded
 * @param {{ ptr: number, length: number }} json the manifest's bytes in wasm memory
 * @param {number} byteLength the weight region the manifest declares
 * @param {string} location for messages
 */
function checkModel(core, model, json, byteLength, location) {
  const { fn } = core;
  const heap = new HeapAllocations(core);
  try {
    const endPtr = heap.alloc(4);
    const status = fn.elmo_model_check(model, json.ptr, json.length, byteLength, endPtr);
    if (status !== Status.OK) throw new ElmoError(`${location}: ${core.string(fn.elmo_model_last_error(model))}`, status);
    const end = new Uint32Array(core.memory.buffer, endPtr, 1)[0];
    if (byteLength > alignedBytes(end)) {
      throw new ElmoError(
        `${location}: manifest.json: weights.byteLength is ${byteLength} but the tensors end at byte ${end}`,
        Status.INVALID_WEIGHTS,
      );
    }
  } finally {
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
  #budget = DEFAULTS.maxMemoryMB.default * MB;
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
    const budget = memoryBudget(options.maxMemoryMB);
    const tokenCache = tokenCacheEntries(options.tokenCache);
    const source = await openModelSource(modelDirOrUrl);
    const { signal } = options;
    const text = await retrying(() => source.readText('manifest.json', signal), policy, signal);
    const manifest = parseManifest(text);
    const nThreads = await chooseThreadCount(options);
    const core = await Core.create(options, nThreads > 1);
    const { fn } = core;
    const heap = new HeapAllocations(core);
    /** @type {import('../load/weight-loader.js').WeightRegion | null} */
    let weights = null;
    let model = 0;
    let ctx = 0;
    /** @type {HelperThreads | null} */
    let threads = null;
    try {
      // The core reads the manifest as the file has it: checked first, then
      // loaded, on one handle, from one copy.
      const bytes = new TextEncoder().encode(text);
      const json = { ptr: heap.copyIn(bytes), length: bytes.length };
      model = fn.elmo_model_create();
      if (!model) throw new ElmoError('out of wasm memory creating the model', Status.OUT_OF_MEMORY);
      checkModel(core, model, json, manifest.weights.byteLength, source.location);
      weights = await loadWeights(core, manifest, source, policy, options);
      const status = fn.elmo_model_load(model, json.ptr, json.length, weights.ptr, weights.byteLength);
      if (status !== Status.OK) {
        throw new ElmoError(`${source.location}: ${core.string(fn.elmo_model_last_error(model))}`, status);
      }
      ctx = fn.elmo_context_create(model);
      if (!ctx) throw new ElmoError('out of wasm memory creating the context', Status.OUT_OF_MEMORY);
      if (tokenCache !== undefined) {
        const cacheStatus = fn.elmo_context_set_token_cache(ctx, tokenCache);
        if (cacheStatus !== Status.OK) {
          throw new ElmoError(`tokenCache (${tokenCache} entries): ${core.string(fn.elmo_context_last_error(ctx))}`, cacheStatus);
        }
      }
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
      weights?.free();
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
    this.#live();
    // Raw text, state modes and output shaping (layers, mix, output, pooling, normalize): embed-options.js.
    const request = embedRequest(sentences, options);
    // After the checks, so that bad input leaves the kept state as it was.
    if (request.state === 'reset') this.resetState();
    const flags = (request.stateful ? EMBED_FLAGS.STATEFUL : 0) | (request.keepBoundaries ? EMBED_FLAGS.KEEP_BOUNDARIES : 0);
    return /** @type {any} */ (embedResults(this.#embedWithin(request.sentences, flags), request, options));
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
      const splittable = !(flags & EMBED_FLAGS.STATEFUL) && sentences.length > 1;
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
      const extra = flags & EMBED_FLAGS.KEEP_BOUNDARIES ? 2 : 0;
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
