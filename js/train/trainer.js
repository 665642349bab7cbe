/**
 * The C trainer (include/elmo.h, elmo_trainer_*) from JavaScript, on a wasm
 * instance of its own (the SIMD build when the engine has SIMD; with two
 * threads, the threaded SIMD build and one helper thread: one per direction).
 * A `Trainer` owns the trainer handle and every other byte it puts in wasm
 * memory; `dispose()` frees them all.
 */
import { Core, ElmoError, HeapAllocations, Status } from '../core/wasm-core.js';
import { HelperThreads } from '../core/thread-helpers.js';
import { threadSupport } from '../core/runtime.js';

/**
 * The settings of elmo_trainer_params; an omitted one keeps the C default
 * (elmo_trainer_default_params(), the one owner of those values).
 * @typedef {object} TrainerParams
 * @property {number} [learningRate] 0.2
 * @property {number} [initialAccumulator] 1.0
 * @property {number} [clipNorm] 10
 * @property {number} [dropout] 0.1
 * @property {number} [negatives] 8192 sampled softmax words (>= the vocabulary: full softmax)
 * @property {number} [batchSize] 128
 * @property {number} [unroll] 20
 * @property {boolean} [carrySentences] false: each sentence starts from a zero
 *   LSTM state, as inference and perplexity run it; true: bilm-tf's state
 *   carried across sentences (README, "Training")
 * @property {number | bigint} [seed] 0
 */

/** @typedef {'weights' | 'gradients' | 'accumulators'} TrainerBuffer */

/** elmo_trainer_buffer */
const BUFFERS = Object.freeze({ weights: 0, gradients: 1, accumulators: 2 });

/**
 * elmo_trainer_params as wasm32 lays it out: four floats, three positive
 * int32, the int32 carry_sentences flag, then the uint64 seed.
 */
const PARAMS = { bytes: 40, floats: ['learningRate', 'initialAccumulator', 'clipNorm', 'dropout'], ints: ['negatives', 'batchSize', 'unroll'], carrySentences: 28, seed: 32 };

/** elmo_trainer_tensor_info on wasm32: name, rank, shape[4], count, data. */
const TENSOR_INFO_BYTES = 32;

/** elmo_trainer_batch on wasm32: seven 4-byte fields. */
const BATCH_BYTES = 28;

/** The ELMO_TRAINER_EVAL_* flags of elmo_trainer_eval (tests/js/c-header.test.js checks them). */
export const EVAL_FLAGS = Object.freeze({ CARRY: 1, RESET: 2 });

/**
 * The C trainer reads the boundary tokens as the literal words "<S>" and
 * "</S>"; a batches.js table gives its entries 0 and 1 no bytes. This is the
 * one place that bridges the two.
 */
const BOUNDARY_BYTES = new TextEncoder().encode('<S></S>');
const BOUNDARY_ENDS = [3, 7];

/**
 * @typedef {object} TrainerTensor
 * @property {string} name bilm-tf's name, e.g. "CNN/W_cnn_0", "softmax/W"
 * @property {number[]} shape
 * @property {number} count floats
 */

export class Trainer {
  /** @type {Core} */
  #core;
  #handle = 0;
  /** @type {HelperThreads | null} */
  #threads = null;
  /** @type {TrainerTensor[]} */
  #tensors = [];
  /** @type {Map<string, number>} */
  #index = new Map();
  /** @type {Required<Omit<TrainerParams, 'seed'>> & { seed: bigint }} */
  params;
  /** Words of the softmax's vocabulary. */
  vocabSize = 0;

  /**
   * @param {Core} core
   * @param {number} handle
   */
  constructor(core, handle) {
    this.#core = core;
    this.#handle = handle;
    this.params = /** @type {any} */ ({});
  }

  /**
   * A trainer for the model `options` describes (bilm-tf's options.json, as
   * text or parsed) and a vocabulary of `vocabSize` words, its weights
   * initialized as bilm-tf does from `params.seed`. `threads` 2 runs the two
   * directions side by side (the results are the same bits as on 1); it
   * needs SharedArrayBuffer (Node.js, or a cross-origin isolated page).
   * @param {{ options: string | object, vocabSize: number, params?: TrainerParams, core?: import('../core/wasm-core.js').CoreOptions, threads?: 1 | 2 }} input
   * @returns {Promise<Trainer>}
   */
  static async create({ options, vocabSize, params = {}, core: coreOptions = {}, threads = 1 }) {
    if (!Number.isSafeInteger(vocabSize) || vocabSize < 3) throw new RangeError(`vocabSize must be an integer of at least 3 (<S>, </S>, <UNK>), got ${JSON.stringify(vocabSize)}`);
    if (threads !== 1 && threads !== 2) throw new RangeError(`threads must be 1 or 2 (one per direction), got ${JSON.stringify(threads)}`);
    if (threads > 1) {
      const support = threadSupport();
      if (!support.ok) throw new Error(`threads: 2 needs the threaded wasm build, which this engine cannot run: ${support.why}`);
    }
    const core = await Core.create(coreOptions, threads > 1);
    if (threads > 1 && core.flavor !== 'simd-threads') throw new Error(`threads: 2 needs the threaded SIMD build; this engine loaded the ${core.flavor} one`);
    const handle = core.fn.elmo_trainer_create();
    if (!handle) throw new ElmoError('out of wasm memory creating the trainer', Status.OUT_OF_MEMORY);
    const trainer = new Trainer(core, handle);
    try {
      if (threads > 1) {
        trainer.#threads = await HelperThreads.start(core, threads);
        trainer.#check(core.fn.elmo_trainer_set_thread_pool(handle, trainer.#threads.pool), 'elmo_trainer_set_thread_pool');
      }
      trainer.#init(typeof options === 'string' ? options : JSON.stringify(options), vocabSize, params);
    } catch (e) {
      trainer.dispose();
      throw e;
    }
    return trainer;
  }

  /** Threads the trainer runs on. */
  get threads() {
    return this.#threads ? 2 : 1;
  }

  /**
   * @param {string} json
   * @param {number} vocabSize
   * @param {TrainerParams} params
   */
  #init(json, vocabSize, params) {
    const core = this.#core;
    const heap = new HeapAllocations(core);
    try {
      const p = heap.alloc(PARAMS.bytes);
      core.fn.elmo_trainer_default_params(p);
      const view = new DataView(core.memory.buffer);
      /** @type {Record<string, number | bigint | boolean>} */
      const chosen = {};
      PARAMS.floats.forEach((name, i) => {
        const value = /** @type {any} */ (params)[name];
        if (value !== undefined) {
          if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${name} must be a finite number, got ${JSON.stringify(value)}`);
          view.setFloat32(p + 4 * i, value, true);
        }
        chosen[name] = view.getFloat32(p + 4 * i, true);
      });
      PARAMS.ints.forEach((name, i) => {
        const at = p + 16 + 4 * i;
        const value = /** @type {any} */ (params)[name];
        if (value !== undefined) {
          if (!Number.isInteger(value) || value < 1 || value > 0x7fffffff) throw new RangeError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
          view.setInt32(at, value, true);
        }
        chosen[name] = view.getInt32(at, true);
      });
      if (params.carrySentences !== undefined) {
        if (typeof params.carrySentences !== 'boolean') throw new TypeError(`carrySentences must be a boolean, got ${JSON.stringify(params.carrySentences)}`);
        view.setInt32(p + PARAMS.carrySentences, params.carrySentences ? 1 : 0, true);
      }
      chosen.carrySentences = view.getInt32(p + PARAMS.carrySentences, true) === 1;
      if (params.seed !== undefined) {
        const seed = BigInt(params.seed);
        if (seed < 0n || seed >= 1n << 64n) throw new RangeError(`seed must be in [0, 2^64), got ${seed}`);
        view.setBigUint64(p + PARAMS.seed, seed, true);
      }
      chosen.seed = new DataView(core.memory.buffer).getBigUint64(p + PARAMS.seed, true);
      const text = new TextEncoder().encode(json);
      const jsonPtr = heap.copyIn(text);
      this.#check(core.fn.elmo_trainer_init(this.#handle, jsonPtr, text.length, vocabSize, p), 'elmo_trainer_init');
      this.params = /** @type {any} */ (chosen);
      this.vocabSize = vocabSize;
      this.#readTensorList(heap);
    } finally {
      heap.freeAll();
    }
  }

  /** @param {HeapAllocations} heap */
  #readTensorList(heap) {
    const core = this.#core;
    const info = heap.alloc(TENSOR_INFO_BYTES);
    const n = core.fn.elmo_trainer_tensor_count(this.#handle);
    for (let i = 0; i < n; i++) {
      this.#check(core.fn.elmo_trainer_tensor(this.#handle, i, BUFFERS.weights, info), 'elmo_trainer_tensor');
      const view = new DataView(core.memory.buffer);
      const rank = view.getInt32(info + 4, true);
      const shape = Array.from({ length: rank }, (_, k) => view.getInt32(info + 8 + 4 * k, true));
      const name = core.string(view.getUint32(info, true));
      this.#tensors.push({ name, shape, count: view.getUint32(info + 24, true) });
      this.#index.set(name, i);
    }
  }

  /**
   * @param {number} status
   * @param {string} what
   */
  #check(status, what) {
    if (status !== Status.OK) {
      const message = this.#core.string(this.#core.fn.elmo_trainer_last_error(this.#handle)) || `${what} failed`;
      throw new ElmoError(message, status);
    }
  }

  #live() {
    if (!this.#handle) throw new Error('this Trainer has been disposed');
    return this.#core;
  }

  /**
   * Size of the trainer's wasm memory in bytes: its instance is its own, and
   * elmo_trainer_init allocates every buffer a step uses, so after create()
   * this is what training takes (wasm memory never shrinks).
   * @returns {number}
   */
  get wasmMemoryBytes() {
    return this.#live().memory.buffer.byteLength;
  }

  /** @returns {readonly TrainerTensor[]} every tensor, in the trainer's order */
  get tensors() {
    return this.#tensors;
  }

  /**
   * The floats of one tensor in wasm memory (a view: valid until the next call).
   * @param {string} name
   * @param {TrainerBuffer} buffer
   */
  #view(name, buffer) {
    const core = this.#live();
    const index = this.#index.get(name);
    if (index === undefined) throw new Error(`the trainer has no tensor "${name}"`);
    if (!(buffer in BUFFERS)) throw new Error(`buffer must be weights, gradients or accumulators, got ${JSON.stringify(buffer)}`);
    const heap = new HeapAllocations(core);
    try {
      const info = heap.alloc(TENSOR_INFO_BYTES);
      this.#check(core.fn.elmo_trainer_tensor(this.#handle, index, BUFFERS[/** @type {TrainerBuffer} */ (buffer)], info), 'elmo_trainer_tensor');
      const view = new DataView(core.memory.buffer);
      return core.f32(view.getUint32(info + 28, true), view.getUint32(info + 24, true));
    } finally {
      heap.freeAll();
    }
  }

  /**
   * A copy of a tensor.
   * @param {string} name
   * @param {TrainerBuffer} [buffer]
   * @returns {Float32Array}
   */
  read(name, buffer = 'weights') {
    return this.#view(name, buffer).slice();
  }

  /**
   * Overwrites a tensor.
   * @param {string} name
   * @param {Float32Array} data exactly the tensor's count of floats
   * @param {TrainerBuffer} [buffer]
   */
  write(name, data, buffer = 'weights') {
    const target = this.#view(name, buffer);
    if (!(data instanceof Float32Array) || data.length !== target.length) {
      const { shape } = this.#tensors[/** @type {number} */ (this.#index.get(name))];
      throw new Error(`tensor "${name}" [${shape.join(', ')}] takes a Float32Array of ${target.length} floats, got ${data?.constructor?.name ?? typeof data} of ${data?.length}`);
    }
    target.set(data);
  }

  /**
   * Copies a batch of batches.js into wasm memory and runs `call` on the
   * elmo_trainer_batch there.
   * @template T
   * @param {import('./batches.js').Batch} batch
   * @param {(batchPtr: number, heap: HeapAllocations) => T} call
   * @returns {T}
   */
  #withBatch(batch, call) {
    const core = this.#live();
    const positions = this.params.batchSize * this.params.unroll;
    const { bytes, offsets, count } = batch.tokens;
    for (const [label, dir] of /** @type {const} */ ([['forward', batch.forward], ['backward', batch.backward]])) {
      if (dir.inputs.length !== positions || dir.targets.length !== positions) {
        throw new Error(`batch ${label} has ${dir.inputs.length} inputs and ${dir.targets.length} targets; this trainer takes batchSize × unroll = ${positions}`);
      }
    }
    const tableBytes = new Uint8Array(BOUNDARY_BYTES.length + bytes.length);
    tableBytes.set(BOUNDARY_BYTES);
    tableBytes.set(bytes, BOUNDARY_BYTES.length);
    const tableOffsets = new Uint32Array(count + 1);
    tableOffsets.set(BOUNDARY_ENDS, 1);
    for (let i = 3; i <= count; i++) tableOffsets[i] = offsets[i] + BOUNDARY_BYTES.length;
    const heap = new HeapAllocations(core);
    try {
      const fields = [
        heap.copyIn(tableBytes),
        heap.copyIn(tableOffsets),
        count,
        heap.copyIn(batch.forward.inputs),
        heap.copyIn(batch.backward.inputs),
        heap.copyIn(batch.forward.targets),
        heap.copyIn(batch.backward.targets),
      ];
      const ptr = heap.copyIn(Int32Array.from(fields));
      return call(ptr, heap);
    } finally {
      heap.freeAll();
    }
  }

  /**
   * One training step (dropout, sampled softmax, clipping, Adagrad).
   * @param {import('./batches.js').Batch} batch
   * @returns {number} 0.5 × (mean forward NLL + mean backward NLL), before the update
   */
  step(batch) {
    return this.#withBatch(batch, (ptr, heap) => {
      const loss = heap.alloc(4);
      this.#check(this.#core.fn.elmo_trainer_step(this.#handle, ptr, loss), 'elmo_trainer_step');
      return this.#core.f32(loss, 1)[0];
    });
  }

  /**
   * Full-softmax NLL of a batch, no dropout, no update.
   * @param {import('./batches.js').Batch} batch
   * @param {{ carry?: boolean, reset?: boolean }} [options] carry: continue from (and keep) the evaluation's own carried state; else every row starts from zeros. reset: zero that state first (the training state is never touched)
   * @returns {{ nll: [number, number], count: [number, number] }} per direction (forward, backward): summed NLL in nats and predictions
   */
  eval(batch, { carry = false, reset = false } = {}) {
    return this.#withBatch(batch, (ptr, heap) => {
      const out = heap.alloc(32);
      this.#check(this.#core.fn.elmo_trainer_eval(this.#handle, ptr, (carry ? EVAL_FLAGS.CARRY : 0) | (reset ? EVAL_FLAGS.RESET : 0), out, out + 16), 'elmo_trainer_eval');
      const view = new DataView(this.#core.memory.buffer);
      return {
        nll: [view.getFloat64(out, true), view.getFloat64(out + 8, true)],
        count: [Number(view.getBigInt64(out + 16, true)), Number(view.getBigInt64(out + 24, true))],
      };
    });
  }

  /** Zeroes the carried LSTM state, of training and of evaluation. */
  resetState() {
    this.#live().fn.elmo_trainer_reset_state(this.#handle);
  }

  /** The carried state of training as wasm holds it (a view, valid until the next call). */
  #stateView() {
    const core = this.#live();
    const heap = new HeapAllocations(core);
    try {
      const count = heap.alloc(4);
      const ptr = core.fn.elmo_trainer_state(this.#handle, count);
      return core.f32(ptr, new DataView(core.memory.buffer).getUint32(count, true));
    } finally {
      heap.freeAll();
    }
  }

  /** @returns {Float32Array} a copy of the carried training state (h then c, per direction and layer) */
  state() {
    return this.#stateView().slice();
  }

  /** @param {Float32Array} state from `state()` of a trainer of the same shape */
  setState(state) {
    const target = this.#stateView();
    if (!(state instanceof Float32Array) || state.length !== target.length) throw new Error(`the carried state takes a Float32Array of ${target.length} floats, got ${state?.length}`);
    target.set(state);
  }

  /** @returns {bigint[]} the generator's four 64-bit words */
  rngState() {
    const core = this.#live();
    const heap = new HeapAllocations(core);
    try {
      const ptr = heap.alloc(32);
      core.fn.elmo_trainer_rng_state(this.#handle, ptr);
      return Array.from(new BigUint64Array(core.memory.buffer, ptr, 4));
    } finally {
      heap.freeAll();
    }
  }

  /** @param {readonly (bigint | string | number)[]} words four, from `rngState()` */
  setRngState(words) {
    if (!Array.isArray(words) || words.length !== 4) throw new Error(`the generator's state is 4 words, got ${JSON.stringify(words)}`);
    const core = this.#live();
    const heap = new HeapAllocations(core);
    try {
      const state = BigUint64Array.from(words, (w) => BigInt(w));
      this.#check(core.fn.elmo_trainer_set_rng_state(this.#handle, heap.copyIn(state)), 'elmo_trainer_set_rng_state');
    } finally {
      heap.freeAll();
    }
  }

  /** Frees the trainer and its wasm memory; safe to call twice. */
  dispose() {
    if (this.#handle) this.#core.fn.elmo_trainer_free(this.#handle);
    this.#handle = 0;
    void this.#threads?.stop(); // frees the pool once the helper has left it
    this.#threads = null;
  }
}
