/**
 * The wasm core: instantiates `elmo-{simd,scalar}.wasm` and exposes its C API
 * with the few memory helpers the rest of the library needs. The JS side owns
 * every allocation it makes here (see `HeapAllocations`).
 */
import { hasWasmSimd, isNode } from './runtime.js';
import { absoluteUrl, hasScheme } from '../load/model-sources.js';

/** @typedef {'simd' | 'scalar' | 'simd-threads'} WasmFlavor */

/**
 * @typedef {object} CoreOptions
 * @property {boolean} [simd] force (true) or refuse (false) the SIMD build; default: detect
 * @property {string | URL} [wasmUrl] the .wasm file, or a folder (ending in `/`) holding
 *   `elmo-simd.wasm`, `elmo-simd-threads.wasm` and `elmo-scalar.wasm`; relative to the page (in Node: a path).
 *   Default: `js/wasm/`, beside this module's folder
 * @property {ArrayBuffer | Uint8Array} [wasmBinary] the module's bytes, already fetched
 * @property {string | URL} [threadWorkerUrl] the helper threads' script (`js/core/thread-helper-worker.js`,
 *   which imports nothing), relative to the page; for a bundler that does not follow workers (esbuild)
 *   or a page that must start it from its own origin. Default: beside this module
 * @property {WebAssembly.Module} [wasmModule] a single-threaded build already compiled (one
 *   engine lends its module to the trainer it starts), of the build `simd` says
 */

/**
 * Status codes of include/elmo.h (enum elmo_status), by name without the
 * ELMO_STATUS_ prefix. Restated because a wasm module exports no enums;
 * tests/js/c-header.test.js fails when they differ from the header.
 */
export const Status = Object.freeze({
  OK: 0,
  INVALID_ARGUMENT: -1,
  INVALID_CONFIG: -2,
  INVALID_WEIGHTS: -3,
  OUT_OF_MEMORY: -4,
  NOT_LOADED: -5,
});

/** Flags of elmo_embed() (ELMO_EMBED_*, include/elmo.h; checked like Status). */
export const EMBED_FLAGS = Object.freeze({ STATEFUL: 1, KEEP_BOUNDARIES: 2 });

/** An error reported by the C core, with its `elmo_status` code. */
export class ElmoError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   */
  constructor(message, status) {
    super(message);
    this.name = 'ElmoError';
    this.status = status;
  }
}

/**
 * The builds beside this package, each written out as `new URL('…', import.meta.url)`:
 * the form bundlers follow (they emit the file and rewrite the URL).
 * @type {Record<WasmFlavor, () => URL>}
 */
const PACKAGED = {
  simd: () => new URL('../wasm/elmo-simd.wasm', import.meta.url),
  'simd-threads': () => new URL('../wasm/elmo-simd-threads.wasm', import.meta.url),
  scalar: () => new URL('../wasm/elmo-scalar.wasm', import.meta.url),
};

/**
 * @param {CoreOptions} options
 * @param {WasmFlavor} flavor
 * @returns {string | URL} a URL, or in Node a path on disk
 */
function wasmLocation(options, flavor) {
  const file = `elmo-${flavor}.wasm`;
  if (options.wasmUrl === undefined) return PACKAGED[flavor]();
  let where = String(options.wasmUrl);
  if (where.endsWith('/')) where += file;
  return isNode && !hasScheme(where) ? where : absoluteUrl(where);
}

/**
 * @param {string | URL} where
 * @returns {Promise<WebAssembly.Module>}
 */
async function compileFrom(where) {
  if (isNode && (typeof where === 'string' || where.protocol === 'file:')) {
    const { readFile } = await import('node:fs/promises');
    return WebAssembly.compile(await readFile(where));
  }
  const response = await fetch(where);
  if (!response.ok) throw new Error(`cannot fetch ${where}: HTTP ${response.status}`);
  // Compiles while downloading where the server says application/wasm.
  if (response.headers.get('content-type') === 'application/wasm') return WebAssembly.compileStreaming(response);
  return WebAssembly.compile(await response.arrayBuffer());
}

/** The threaded module's memory bounds (its -sINITIAL_MEMORY and -sMAXIMUM_MEMORY), in 64 KiB pages. */
const SHARED_MEMORY_PAGES = { initial: 256, maximum: 65536 };

/** One instance of the wasm module: its memory and its C functions. */
export class Core {
  /**
   * @param {WebAssembly.Module} module
   * @param {WebAssembly.Instance} instance
   * @param {WasmFlavor} flavor
   * @param {WebAssembly.Memory} [memory] the shared memory a threaded module imports
   * @param {URL} [threadWorkerUrl] the helper threads' script, if not the default
   */
  constructor(module, instance, flavor, memory, threadWorkerUrl) {
    /** The compiled module: helper threads instantiate it again on the same memory. */
    this.module = module;
    /** @type {any} */
    this.fn = instance.exports;
    /** @type {WebAssembly.Memory} */
    this.memory = memory ?? this.fn.memory;
    this.flavor = flavor;
    this.threadWorkerUrl = threadWorkerUrl;
    /** @type {Uint8Array} */
    this._u8 = new Uint8Array(this.memory.buffer);
  }

  /**
   * @param {CoreOptions} [options]
   * @param {boolean} [threads] the threaded SIMD build (needs SIMD and SharedArrayBuffer)
   * @returns {Promise<Core>}
   */
  static async create(options = {}, threads = false) {
    const simd = options.simd ?? hasWasmSimd();
    /** @type {WasmFlavor} */
    const flavor = threads && simd ? 'simd-threads' : simd ? 'simd' : 'scalar';
    const memory = flavor === 'simd-threads' ? new WebAssembly.Memory({ ...SHARED_MEMORY_PAGES, shared: true }) : undefined;
    const imports = {
      // Views are re-read lazily (see u8()), so growth needs no work here.
      env: { emscripten_notify_memory_growth() {}, ...(memory && { memory }) },
    };
    const module = options.wasmModule && flavor !== 'simd-threads'
      ? options.wasmModule
      : options.wasmBinary
        ? await WebAssembly.compile(/** @type {BufferSource} */ (options.wasmBinary))
        : await compileFrom(wasmLocation(options, flavor));
    const instance = await WebAssembly.instantiate(module, imports);
    const helper = options.threadWorkerUrl === undefined ? undefined : absoluteUrl(String(options.threadWorkerUrl));
    const core = new Core(module, instance, flavor, memory, helper);
    core.fn._initialize?.();
    return core;
  }

  /** Bytes of wasm memory; a fresh view whenever memory has grown. */
  u8() {
    if (this._u8.buffer !== this.memory.buffer) this._u8 = new Uint8Array(this.memory.buffer);
    return this._u8;
  }

  /**
   * @param {number} ptr byte address, a multiple of 4
   * @param {number} length in floats
   */
  f32(ptr, length) {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  /**
   * @param {number} ptr address of a NUL-terminated UTF-8 string
   * @returns {string}
   */
  string(ptr) {
    const heap = this.u8();
    let end = ptr;
    while (heap[end] !== 0) end++;
    // slice(): TextDecoder refuses views of shared memory.
    return new TextDecoder().decode(heap.slice(ptr, end));
  }

  /**
   * @param {number} bytes
   * @returns {number} address; throws instead of returning 0
   */
  malloc(bytes) {
    const ptr = this.fn.malloc(Math.max(1, bytes));
    if (!ptr) {
      throw new ElmoError(`out of wasm memory allocating ${bytes} bytes`, Status.OUT_OF_MEMORY);
    }
    return ptr;
  }

  /** @param {number} ptr */
  free(ptr) {
    if (ptr) this.fn.free(ptr);
  }
}

/**
 * Temporaries of one call: every address allocated through it is freed by
 * `freeAll()`, which callers run in `finally`.
 */
export class HeapAllocations {
  /** @param {Core} core */
  constructor(core) {
    this.core = core;
    /** @type {number[]} */
    this.ptrs = [];
  }

  /**
   * @param {number} bytes
   * @returns {number}
   */
  alloc(bytes) {
    const ptr = this.core.malloc(bytes);
    this.ptrs.push(ptr);
    return ptr;
  }

  /**
   * Copies a typed array into fresh wasm memory.
   * @param {ArrayBufferView} array
   * @returns {number}
   */
  copyIn(array) {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    // 8-byte alignment suits every element type we pass.
    const ptr = this.alloc(bytes.byteLength);
    this.core.u8().set(bytes, ptr);
    return ptr;
  }

  freeAll() {
    for (const ptr of this.ptrs) this.core.free(ptr);
    this.ptrs.length = 0;
  }
}
