/**
 * Starts and stops the helper threads of a threaded core (see
 * src/thread_pool.h): n - 1 workers, each running thread-helper-worker.js
 * with the core's compiled module and shared memory.
 */
import { isNode } from './runtime.js';
import { foreignScript, startModuleWorker } from './module-worker.js';

/** The helper's script, relative to this module (also written out in `browserWorker`, for bundlers). */
const HELPER_PATH = './thread-helper-worker.js';

/** Bytes of stack each helper instance gets (its jobs are GEMM slices: a few KiB). */
const HELPER_STACK_BYTES = 256 * 1024;
/** A helper that has not said 'ready' by then is taken as unable to start. */
const START_TIMEOUT_MS = 20000;

/**
 * @typedef {object} HelperWorker
 * @property {(message: any) => void} postMessage
 * @property {(type: 'message', listener: (data: any) => void) => void} onMessage
 * @property {(listener: (error: Error) => void) => void} onError
 * @property {() => void} terminate
 */

/**
 * A browser helper: from `url` if given, through a shim when this package is
 * on another origin than the page, else in the literal form bundlers follow.
 * @param {URL} [url]
 * @returns {Worker}
 */
function browserWorker(url) {
  const name = 'elmo-wasm thread';
  const from = url ?? foreignScript(HELPER_PATH, import.meta.url);
  if (from) return startModuleWorker(from, name);
  return new Worker(new URL('./thread-helper-worker.js', import.meta.url), { type: 'module', name });
}

/**
 * @param {URL} [url] the helper's script (default: thread-helper-worker.js beside this module)
 * @returns {Promise<HelperWorker>}
 */
async function spawn(url) {
  if (isNode) {
    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(url ?? new URL(HELPER_PATH, import.meta.url));
    worker.unref(); // a helper never keeps the process alive on its own
    return {
      postMessage: (m) => worker.postMessage(m),
      onMessage: (_, listener) => worker.on('message', listener),
      onError: (listener) => worker.on('error', listener),
      terminate: () => void worker.terminate(),
    };
  }
  const worker = browserWorker(url);
  return {
    postMessage: (m) => worker.postMessage(m),
    onMessage: (_, listener) => worker.addEventListener('message', (e) => listener(e.data)),
    onError: (listener) => worker.addEventListener('error', (e) => listener(new Error(e.message || 'helper thread failed to start'))),
    terminate: () => worker.terminate(),
  };
}

export class HelperThreads {
  /**
   * Use HelperThreads.start().
   * @param {import('./wasm-core.js').Core} core
   * @param {number} pool
   * @param {HelperWorker[]} workers
   * @param {number[]} stacks
   * @param {Promise<unknown>[]} stopped one per helper: settles when it has left the pool
   */
  constructor(core, pool, workers, stacks, stopped) {
    this.core = core;
    this.pool = pool;
    this.workers = workers;
    this.stacks = stacks;
    this.stopped = stopped;
  }

  /**
   * Creates a pool of nThreads (the caller is thread 0) and starts nThreads - 1
   * helpers in it; resolves once every helper serves.
   * @param {import('./wasm-core.js').Core} core a threaded core (shared memory, compiled module)
   * @param {number} nThreads
   * @returns {Promise<HelperThreads>}
   */
  static async start(core, nThreads) {
    const { fn } = core;
    const pool = fn.elmo_thread_pool_create(nThreads);
    if (!pool) throw new Error(`cannot create a pool of ${nThreads} threads`);
    /** @type {HelperWorker[]} */
    const workers = [];
    /** @type {number[]} */
    const stacks = [];
    /** @type {Promise<unknown>[]} */
    const stopped = [];
    const helpers = new HelperThreads(core, pool, workers, stacks, stopped);
    try {
      const ready = [];
      for (let index = 1; index < nThreads; index++) {
        const stack = core.malloc(HELPER_STACK_BYTES);
        stacks.push(stack);
        const worker = await spawn(core.threadWorkerUrl);
        workers.push(worker);
        ready.push(
          new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`helper thread ${index} did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
            worker.onMessage('message', (m) => {
              if (m?.type === 'ready') {
                clearTimeout(timer);
                resolve(undefined);
              }
            });
            worker.onError((error) => {
              clearTimeout(timer);
              reject(error);
            });
          }),
        );
        stopped.push(
          new Promise((resolve) => {
            worker.onMessage('message', (m) => m?.type === 'stopped' && resolve(undefined));
            worker.onError(resolve);
          }),
        );
        const stackTop = Math.floor((stack + HELPER_STACK_BYTES) / 16) * 16;
        worker.postMessage({ module: core.module, memory: core.memory, pool, index, stackTop });
      }
      await Promise.all(ready);
      return helpers;
    } catch (error) {
      helpers.stop();
      throw error;
    }
  }

  /**
   * Stops the helpers and ends their workers; the pool and the helpers' stacks
   * are freed once every helper has left the pool (the returned promise).
   * Safe to call twice.
   * @returns {Promise<void>}
   */
  async stop() {
    const { pool, workers, stacks, stopped, core } = this;
    if (!pool) return;
    this.pool = 0;
    core.fn.elmo_thread_pool_stop(pool);
    /** @type {any} */
    let timer;
    const left = await Promise.race([
      Promise.all(stopped).then(() => true),
      new Promise((resolve) => {
        timer = setTimeout(resolve, START_TIMEOUT_MS, false);
        timer.unref?.(); // Node: never keep the process alive for this
      }),
    ]);
    clearTimeout(timer);
    for (const worker of workers) worker.terminate();
    // A helper that never said it left may still read the pool: keep it then.
    if (left) {
      core.fn.elmo_thread_pool_free(pool);
      for (const stack of stacks) core.free(stack);
    }
  }
}
