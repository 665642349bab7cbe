/**
 * `Elmo`: a loaded model and its run state in one wasm instance. The same
 * class serves browsers and Node.js; the worker wraps it with the same API.
 */
import { Core, EMBED_FLAGS, ElmoError, HeapAllocations, Status } from '../core/wasm-core.js';
import { DEFAULTS } from '../defaults.js';
import { embedRequest, embedResults } from './embed-options.js';
import { WeightRegion, loadPolicy, loadWeights, readRegion } from '../load/weight-loader.js';
import { alignedBytes, parseManifest, softmaxTensors } from '../format/model-format.js';
import { packRegion, unpackRegion } from '../format/bilm-layout.js';
import { Trainer } from '../train/trainer.js';
import { parseVocabulary } from '../train/vocab.js';
import { perplexity as measurePerplexity } from '../train/perplexity.js';
import { readModelTensors, writeModelTensors } from '../train/model-tensors.js';
import { checkTrainerBudget, checkTrainerMemory, fineTuneCorpus, fineTuneSettings, trainSteps } from '../train/fine-tune.js';
import { hdf5Bytes, weightDatasets } from '../train/bilm-files.js';
import { retrying } from '../load/retry.js';
import { openModelSource } from '../load/open-model-source.js';
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
/** @typedef {import('../train/fine-tune.js').FineTuneOptions} FineTuneOptions */
/** @typedef {import('../train/fine-tune.js').FineTuneResult} FineTuneResult */
/** @typedef {import('../train/fine-tune.js').FineTuneProgress} FineTuneProgress */

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

/**
 * Maps a model handle onto a weight region that holds its tensors.
 * @param {Core} core
 * @param {number} model
 * @param {{ ptr: number, length: number }} json the manifest's bytes in wasm memory
 * @param {WeightRegion} weights
 * @param {string} location for messages
 */
function loadModel(core, model, json, weights, location) {
  const { fn } = core;
  const status = fn.elmo_model_load(model, json.ptr, json.length, weights.ptr, weights.byteLength);
  if (status !== Status.OK) {
    throw new ElmoError(`${location}: ${core.string(fn.elmo_model_last_error(model))}`, status);
  }
}

/**
 * A run state for a loaded model, with the token cache and thread pool asked for.
 * @param {Core} core
 * @param {number} model
 * @param {number | undefined} tokenCache entries; undefined: the core's default
 * @param {HelperThreads | null} threads
 * @returns {number} the context
 */
function createContext(core, model, tokenCache, threads) {
  const { fn } = core;
  const ctx = fn.elmo_context_create(model);
  if (!ctx) throw new ElmoError('out of wasm memory creating the context', Status.OUT_OF_MEMORY);
  if (tokenCache !== undefined) {
    const cacheStatus = fn.elmo_context_set_token_cache(ctx, tokenCache);
    if (cacheStatus !== Status.OK) {
      const message = core.string(fn.elmo_context_last_error(ctx));
      fn.elmo_context_free(ctx);
      throw new ElmoError(`tokenCache (${tokenCache} entries): ${message}`, cacheStatus);
    }
  }
  if (threads) fn.elmo_context_set_thread_pool(ctx, threads.pool);
  return ctx;
}

/**
 * Why fineTune cannot run on a model, or null: it needs the softmax and the
 * vocabulary, and float32 weights.
 * @param {import('../format/model-format.js').Manifest} manifest
 * @param {string} location
 * @param {string} [call] the method the message names
 * @returns {string | null}
 */
function fineTuneProblem(manifest, location, call = 'fineTune') {
  if (!manifest.softmax || !manifest.vocab) {
    return `${call} needs a model that carries its softmax and vocabulary, and ${location} has none: convert it with \`elmo-wasm convert <options.json> <weights.hdf5> <model-dir> --softmax softmax.hdf5 --vocab vocab.txt\` (the files \`elmo-wasm train\` writes; a released AllenNLP model has no softmax)`;
  }
  const stored = /** @type {Array<{ name: string, dtype: string }>} */ (manifest.weights.tensors).find((t) => t.dtype !== 'float32');
  if (stored) {
    return `${call} needs float32 weights, and ${location} stores its matrices as ${stored.dtype} (tensor "${stored.name}"): convert the model with --dtype float32 to fine-tune it`;
  }
  return null;
}

/**
 * What a loaded engine keeps of its model's source, for the files only
 * fineTune reads (the softmax and the vocabulary) and for reloading weights.
 * @typedef {object} ModelOrigin
 * @property {import('../load/model-sources.js').ModelSource} source
 * @property {import('../format/model-format.js').Manifest} manifest
 * @property {string} text the manifest's text, as the core reads it
 * @property {import('../load/weight-loader.js').LoadPolicy} policy
 * @property {boolean | undefined} cache
 * @property {import('../core/wasm-core.js').CoreOptions} coreOptions for the trainer's instance
 * @property {number | undefined} tokenCache
 */

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
  /** @type {ModelOrigin | null} */
  #origin = null;
  /** @type {import('../train/vocab.js').Vocabulary | null} read on the first fineTune */
  #vocab = null;
  /** @type {import('../train/bilm-files.js').Softmax | null} the model's, then the last fineTune's */
  #softmax = null;
  #tuning = false;
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
   * Loads a converted model (see models/FORMAT.md): its directory, its
   * archive, or its files. Each kind goes through the same checks.
   * @param {import('../load/open-model-source.js').ModelInput} modelDirOrUrl a folder (Node) or
   *   its URL; a model archive (`convert --single-file`) as a Blob or File, an ArrayBuffer or
   *   byte view, or (Node) its path; or the directory's files: a Map or object from file names
   *   to Blobs / ArrayBuffers / Uint8Arrays, or a FileList
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
      loadModel(core, model, json, weights, source.location);
      if (core.flavor === 'simd-threads') threads = await HelperThreads.start(core, nThreads);
      ctx = createContext(core, model, tokenCache, threads);
      const info = {
        name: manifest.name ?? (typeof modelDirOrUrl === 'string' || modelDirOrUrl instanceof URL ? String(modelDirOrUrl) : source.location),
        nLayers: fn.elmo_model_n_layers(model),
        outputDim: fn.elmo_model_output_dim(model),
        weightBytes: weights.byteLength,
        simd: core.flavor !== 'scalar',
        threads: threads ? nThreads : 1,
      };
      const elmo = new Elmo(core, weights, model, ctx, info, threads);
      elmo.#budget = budget;
      const { simd, wasmUrl, wasmBinary, threadWorkerUrl } = options;
      // The trainer's instance is single-threaded: it can share a single-threaded engine's compiled module.
      const coreOptions = { simd: core.flavor !== 'scalar', wasmUrl, wasmBinary, threadWorkerUrl, ...(core.flavor !== 'simd-threads' && { wasmModule: core.module }) };
      elmo.#origin = { source, manifest, text, policy, cache: options.cache, coreOptions, tokenCache };
      options.onProgress?.({ status: 'ready', loaded: weights.byteLength, total: weights.byteLength, progress: 100 });
      return elmo;
    } catch (error) {
      if (ctx) fn.elmo_context_free(ctx);
      if (model) fn.elmo_model_free(model);
      weights?.free();
      void threads?.stop();
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

  /**
   * Fine-tunes the model on `sentences` as bilm-tf's restart.py does (both
   * directions, sampled softmax, Adagrad from fresh accumulators), then
   * embeds with the adapted weights. Needs a model converted with its
   * softmax and vocabulary (`convert --softmax --vocab`) and float32 weights.
   *
   * The trainer runs on a wasm instance of its own, which may take at most
   * `maxMemoryMB` (its weights, gradients, accumulators and one batch) and
   * is freed at the end. Between steps the event loop runs (embed may be
   * called meanwhile: it uses the weights from before the call). The new
   * weights replace the old ones only when every step is done: a call that
   * rejects — aborted, out of budget, diverged, disposed — leaves the
   * engine with the weights it had. Success also forgets the kept state of
   * stateful calls and empties the token cache. The adapted softmax is kept
   * for the next fineTune.
   * @param {string[][] | string[] | string} sentences token arrays, or raw text (one string a sentence)
   * @param {FineTuneOptions} [options]
   * @returns {Promise<FineTuneResult>}
   */
  async fineTune(sentences, options = {}) {
    this.#live();
    const settings = fineTuneSettings(options);
    const corpus = fineTuneCorpus(sentences);
    const { manifest, source } = /** @type {ModelOrigin} */ (this.#origin);
    const problem = fineTuneProblem(manifest, source.location);
    if (problem) throw new Error(problem);
    if (this.#tuning) throw new Error('this Elmo instance is already fine-tuning; wait for that call to settle (or abort it) first');
    settings.signal?.throwIfAborted();
    this.#tuning = true;
    /** @type {Trainer | null} */
    let trainer = null;
    try {
      const params = { learningRate: settings.lr, batchSize: settings.batchSize, unroll: settings.unroll, negatives: settings.negatives, dropout: settings.dropout, seed: settings.seed };
      const made = await this.#modelTrainer(params, settings.signal);
      trainer = made.trainer;
      const result = await trainSteps(trainer, corpus, made.vocab, settings, { budget: this.#budget, check: () => void this.#live() });
      const tuned = readModelTensors(trainer);
      trainer.dispose();
      trainer = null;
      this.#install(packRegion(manifest, tuned.weights));
      this.#softmax = tuned.softmax;
      return result;
    } finally {
      trainer?.dispose();
      this.#tuning = false;
    }
  }

  /**
   * The perplexity of `sentences` under the model's two language models, as
   * `elmo-wasm perplexity` measures it: the full softmax, each sentence alone
   * from a zero state (forward `<S> w1..wn` predicting `w1..wn </S>`, backward
   * the reverse); `<UNK>` targets count. Needs what fineTune needs (the
   * softmax, the vocabulary, float32 weights) and runs on a trainer instance
   * of its own, within `maxMemoryMB`, freed at the end; it computes in one go
   * (on a page, call it in `ElmoWorker`).
   * @param {string[][] | string[] | string} sentences token arrays, or raw text (one string a sentence)
   * @param {{ batchSize?: number }} [options] sentences evaluated side by side (default 16)
   * @returns {Promise<import('../train/perplexity.js').Perplexity>}
   */
  async perplexity(sentences, { batchSize = 16, ...rest } = {}) {
    this.#live();
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new TypeError(`perplexity: unknown option ${unknown.map((k) => `"${k}"`).join(', ')}`);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 4096) throw new RangeError(`batchSize must be an integer in [1, 4096], got ${JSON.stringify(batchSize)}`);
    const corpus = fineTuneCorpus(sentences);
    const { manifest, source } = /** @type {ModelOrigin} */ (this.#origin);
    const problem = fineTuneProblem(manifest, source.location, 'perplexity');
    if (problem) throw new Error(problem);
    const { trainer, vocab } = await this.#modelTrainer({ batchSize, unroll: 20 });
    try {
      return measurePerplexity(trainer, corpus, vocab);
    } finally {
      trainer.dispose();
    }
  }

  /**
   * A trainer holding the engine's current weights and the model's softmax,
   * within the memory budget; the caller disposes it.
   * @param {import('../train/trainer.js').TrainerParams} params
   * @param {AbortSignal} [signal]
   * @returns {Promise<{ trainer: Trainer, vocab: import('../train/vocab.js').Vocabulary }>}
   */
  async #modelTrainer(params, signal) {
    const origin = /** @type {ModelOrigin} */ (this.#origin);
    const { manifest, source } = origin;
    const { vocab, softmax } = await this.#fineTuneFiles(signal);
    checkTrainerBudget(manifest.options, vocab.size, this.#budget);
    // A threaded engine trains on two threads too: one per direction, the same bits as one.
    const threads = this.info.threads >= 2 ? 2 : 1;
    const trainer = await Trainer.create({ options: manifest.options, vocabSize: vocab.size, params, core: origin.coreOptions, threads });
    try {
      checkTrainerMemory(trainer, this.#budget);
      writeModelTensors(trainer, unpackRegion(manifest, this.#regionBytes()), softmax, {
        weights: `${source.location} (its weights)`,
        softmax: `${source.location} (its softmax)`,
      });
    } catch (error) {
      trainer.dispose();
      throw error;
    }
    return { trainer, vocab };
  }

  /**
   * The model's vocabulary and softmax: read from its folder the first time
   * (sha256-checked like the shards), then kept.
   * @param {AbortSignal | undefined} signal
   * @returns {Promise<{ vocab: import('../train/vocab.js').Vocabulary, softmax: import('../train/bilm-files.js').Softmax }>}
   */
  async #fineTuneFiles(signal) {
    const { manifest, source, policy, cache } = /** @type {ModelOrigin} */ (this.#origin);
    const vocabEntry = /** @type {import('../format/model-format.js').VocabEntry} */ (manifest.vocab);
    const section = /** @type {import('../format/model-format.js').SoftmaxSection} */ (manifest.softmax);
    if (!this.#vocab) {
      const bytes = await readRegion({ byteLength: vocabEntry.byteLength, shardBytes: vocabEntry.byteLength, shards: [vocabEntry] }, source, policy, { signal, cache });
      const vocab = parseVocabulary(new TextDecoder().decode(bytes), vocabEntry.path);
      if (vocab.size !== vocabEntry.words) throw new Error(`${source.location}: ${vocabEntry.path} has ${vocab.size} words, but manifest.json says ${vocabEntry.words}`);
      this.#vocab = vocab;
    }
    if (!this.#softmax) {
      const bytes = await readRegion(section, source, policy, { signal, cache });
      this.#softmax = softmaxTensors(section, bytes);
    }
    return { vocab: this.#vocab, softmax: this.#softmax };
  }

  /** @returns {Uint8Array} the weight region's bytes in wasm memory (a view: valid until memory grows) */
  #regionBytes() {
    const core = this.#live();
    return core.u8().subarray(this.#weights.ptr, this.#weights.ptr + this.#weights.byteLength);
  }

  /**
   * Replaces the weights with `bytes` (a weight region for this manifest)
   * through the load path: a new region, model and context, which take the
   * old ones' place only once all are made; the old ones are freed then.
   * @param {Uint8Array} bytes
   */
  #install(bytes) {
    const core = this.#live();
    const { fn } = core;
    const { manifest, text, tokenCache, source } = /** @type {ModelOrigin} */ (this.#origin);
    const heap = new HeapAllocations(core);
    /** @type {WeightRegion | null} */
    let weights = null;
    let model = 0;
    let ctx = 0;
    try {
      weights = new WeightRegion(core, manifest.weights.byteLength);
      core.u8().set(bytes, weights.ptr);
      const json = new TextEncoder().encode(text);
      model = fn.elmo_model_create();
      if (!model) throw new ElmoError('out of wasm memory creating the model', Status.OUT_OF_MEMORY);
      loadModel(core, model, { ptr: heap.copyIn(json), length: json.length }, weights, source.location);
      ctx = createContext(core, model, tokenCache, this.#threads);
    } catch (error) {
      if (ctx) fn.elmo_context_free(ctx);
      if (model) fn.elmo_model_free(model);
      weights?.free();
      throw error;
    } finally {
      heap.freeAll();
    }
    fn.elmo_context_free(this.#ctx);
    fn.elmo_model_free(this.#model);
    this.#weights.free();
    this.#ctx = ctx;
    this.#model = model;
    this.#weights = weights;
  }

  /**
   * The current weights (after fineTune, the adapted ones) as bilm-tf's
   * weight dump: the bytes of an HDF5 file with the datasets and layout of
   * the released files, which `elmo-wasm convert`, bilm-tf and AllenNLP
   * read. An int8, float16 or bfloat16 model gives the values its engine holds,
   * widened to float32. Writing HDF5 loads h5wasm (a dependency) on first use.
   * @returns {Promise<Uint8Array>}
   */
  async exportWeights() {
    const { manifest } = /** @type {ModelOrigin} */ (this.#origin);
    const weights = unpackRegion(manifest, this.#regionBytes());
    return hdf5Bytes(weightDatasets('weights.hdf5', weights, manifest.options));
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
    this.#softmax = null;
    this.#vocab = null;
    // The helpers end now; their pool and stacks are freed once they have left it.
    void this.#threads?.stop();
    this.#threads = null;
  }
}
