/**
 * Every option's default and bounds, in one table: the code that checks an
 * option reads them here, and so do its error messages.
 *
 * Three entries restate limits of the C core (include/elmo.h): a wasm
 * module exports functions, not its header's macros, so they cannot be read
 * from it at run time. tests/js/c-header.test.js parses elmo.h and fails
 * when one of them no longer matches.
 */

/**
 * @typedef {object} Bounds
 * @property {number} [default] the value when the option is not given
 * @property {number} min
 * @property {number} [max]
 */

export const DEFAULTS = deepFreeze({
  /** Shards read at once. */
  concurrency: { default: 4, min: 1 },
  /** Further attempts at a file after a network error or an HTTP 5xx/429 answer (shards and downloads). */
  retries: { default: 3, min: 0 },
  /** Milliseconds before the first retry, doubled for each next one. */
  retryDelay: { default: 500, min: 0 },
  /** Wasm memory one embed call may use besides the weights; wasm32 memory ends at 4 GiB. */
  maxMemoryMB: { default: 512, min: 1, max: 4096 },
  /** Threads: by default the machine's cores, at most `defaultMax`; `max` is ELMO_MAX_THREADS. */
  numThreads: { defaultMax: 4, min: 1, max: 64 },
  /** Token cache entries: `default` is ELMO_DEFAULT_TOKEN_CACHE, `max` ELMO_MAX_TOKEN_CACHE. */
  tokenCache: { default: 4096, min: 0, max: 1 << 24 },
  /** Consecutive lines per batch of `elmo-wasm embed` / embedFile. */
  embedBatchSize: { default: 64, min: 1 },
  /**
   * fineTune's batch: rows × unroll steps, small so that one step is short
   * (the page gets the event loop back after each), and its learning rate,
   * below training's 0.2 as bilm-tf's restart.py is used.
   */
  fineTuneBatchSize: { default: 16, min: 1 },
  fineTuneUnroll: { default: 20, min: 1 },
  fineTuneLearningRate: { default: 0.05, min: 0 },
});

/**
 * @template T
 * @param {T} table
 * @returns {Readonly<T>}
 */
function deepFreeze(table) {
  for (const value of Object.values(/** @type {object} */ (table))) Object.freeze(value);
  return Object.freeze(table);
}
