/**
 * `ElmoWorker`: the `Elmo` API, served by a module worker (web/elmo-worker.js)
 * so that loading and embedding never block the page. If the worker dies,
 * pending calls reject and the next call starts a new one, which loads the
 * model again (from the browser cache, normally).
 */
import { absoluteUrl } from '../load/model-sources.js';
import { errorFromWire } from './worker-protocol.js';
import { fineTuneSettings } from '../train/fine-tune.js';
import { foreignScript, startModuleWorker } from '../core/module-worker.js';

/**
 * @typedef {import('../api/elmo.js').LoadOptions & {
 *   workerUrl?: string | URL,
 * }} WorkerLoadOptions `workerUrl`: the worker script (default: web/elmo-worker.js of this package)
 */

/** The worker script, relative to this module (also written out in `#spawn`, for bundlers). */
const WORKER_PATH = '../../web/elmo-worker.js';

/**
 * @typedef {object} PendingCall
 * @property {(value: any) => void} resolve
 * @property {(error: unknown) => void} reject
 * @property {(event: any) => void} [onProgress]
 */

export class ElmoWorker {
  /** @type {import('../api/elmo.js').ModelInfo} */
  info = /** @type {any} */ (undefined);
  /** @type {{ model: string | import('../load/open-model-source.js').ModelInput, options: Record<string, unknown> }} */
  #load;
  /** @type {import('../load/weight-loader.js').ProgressCallback | undefined} */
  #onProgress;
  /** @type {URL | undefined} the `workerUrl` option */
  #workerUrl;
  /** @type {Worker | null} */
  #worker = null;
  /** Settles when the current worker has loaded the model. */
  #loading = Promise.resolve();
  /** @type {AbortController | null} stops waiting for the current worker's life lock */
  #lockWatch = null;
  /** @type {Map<number, PendingCall>} */
  #pending = new Map();
  #nextId = 1;
  #disposed = false;

  /**
   * Use `ElmoWorker.load()`.
   * @param {import('../load/open-model-source.js').ModelInput} modelUrl
   * @param {WorkerLoadOptions} options
   */
  constructor(modelUrl, options) {
    const { signal, onProgress, workerUrl, ...rest } = options;
    // The worker resolves URLs against its own script: make them absolute here.
    if (rest.wasmUrl !== undefined) rest.wasmUrl = absoluteUrl(rest.wasmUrl).href;
    if (rest.threadWorkerUrl !== undefined) rest.threadWorkerUrl = absoluteUrl(rest.threadWorkerUrl).href;
    // A File, buffer or map of files is copied to the worker (structured clone), as often as one starts.
    const model = typeof modelUrl === 'string' || modelUrl instanceof URL ? absoluteUrl(modelUrl).href : modelUrl;
    this.#load = { model, options: { ...rest, progress: !!onProgress } };
    this.#onProgress = onProgress;
    this.#workerUrl = workerUrl === undefined ? undefined : absoluteUrl(workerUrl);
  }

  /**
   * Starts a worker and loads a converted model in it (see `Elmo.load`).
   * @param {import('../load/open-model-source.js').ModelInput} modelUrl the model directory's URL,
   *   relative to the page, or a model archive (File, Blob, ArrayBuffer) or its files, as `Elmo.load` takes
   * @param {WorkerLoadOptions} [options] as for `Elmo.load`, plus `workerUrl`; an abort
   *   of `signal` ends the worker
   * @returns {Promise<ElmoWorker>}
   */
  static async load(modelUrl, options = {}) {
    const { signal } = options;
    signal?.throwIfAborted();
    if (typeof Worker === 'undefined') {
      throw new Error('ElmoWorker needs Web Workers (a browser, Deno or Bun) and this runtime has none: in Node.js use Elmo, the same API in the process');
    }
    const client = new ElmoWorker(modelUrl, options);
    const onAbort = () => client.#stop(/** @type {AbortSignal} */ (signal).reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await client.#start();
      return client;
    } catch (error) {
      client.dispose();
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** @returns {Promise<void>} the new worker's model load */
  #start() {
    const name = `elmo-wasm-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const worker = this.#spawn(name);
    this.#worker = worker;
    worker.addEventListener('message', (event) => this.#receive(worker, name, event.data));
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      const what = /** @type {ErrorEvent} */ (event).message;
      this.#died(worker, what ? `the worker failed: ${what}` : `the worker could not start from ${this.#workerUrl ?? new URL(WORKER_PATH, import.meta.url)}`);
    });
    worker.addEventListener('messageerror', () => this.#died(worker, 'a message from the worker could not be read'));
    this.#loading = this.#request(worker, 'load', this.#load, this.#onProgress).then(
      (info) => {
        this.info = info;
      },
      (error) => {
        // A worker without a model serves nothing: the next call starts afresh.
        if (this.#worker === worker) this.#stopWorker();
        throw error;
      },
    );
    return this.#loading;
  }

  /**
   * The worker, started from `workerUrl`, from this package's script through a
   * shim when the package is on another origin than the page, else in the
   * literal form that bundlers follow (they bundle the worker and rewrite the URL).
   * @param {string} name
   * @returns {Worker}
   */
  #spawn(name) {
    const url = this.#workerUrl ?? foreignScript(WORKER_PATH, import.meta.url);
    if (url) return startModuleWorker(url, name);
    return new Worker(new URL('../../web/elmo-worker.js', import.meta.url), { type: 'module', name });
  }

  /**
   * @param {Worker} worker
   * @param {string} type
   * @param {unknown} [input]
   * @param {(event: any) => void} [onProgress]
   * @param {AbortSignal} [signal] its abort is sent to the worker, which rejects the call with an
   *   AbortError once it has stopped; the call then rejects with the signal's reason
   * @returns {Promise<any>}
   */
  #request(worker, type, input, onProgress, signal) {
    const id = this.#nextId++;
    const sent = new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      try {
        worker.postMessage({ id, type, in: input });
      } catch (error) {
        this.#pending.delete(id); // e.g. a DataCloneError for input that cannot be sent
        reject(error);
      }
    });
    if (!signal) return sent;
    const onAbort = () => worker.postMessage({ id: 0, type: 'abort', in: { id } });
    signal.addEventListener('abort', onAbort, { once: true });
    return sent.then(
      (out) => {
        signal.removeEventListener('abort', onAbort);
        return out;
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        throw signal.aborted && /** @type {Error} */ (error)?.name === 'AbortError' ? signal.reason : error;
      },
    );
  }

  /**
   * @param {Worker} worker
   * @param {string} name the worker's name, which is its life lock's name
   * @param {{ id: number, type: string, out?: any, err?: import('./worker-protocol.js').WireError }} message
   */
  #receive(worker, name, message) {
    if (worker !== this.#worker) return;
    if (message.type === 'alive') return this.#watchLifeLock(worker, name);
    const call = this.#pending.get(message.id);
    if (!call) return;
    if (message.type === 'progress') return call.onProgress?.(message.out);
    this.#pending.delete(message.id);
    if (message.err) call.reject(errorFromWire(message.err));
    else call.resolve(message.out);
  }

  /**
   * The worker holds a lock named after it for as long as it lives; waiting
   * for that lock tells when it has gone, even when it ended without an event.
   * @param {Worker} worker
   * @param {string} name
   */
  #watchLifeLock(worker, name) {
    const locks = globalThis.navigator?.locks;
    if (!locks) return;
    const watch = new AbortController();
    this.#lockWatch = watch;
    locks
      .request(name, { signal: watch.signal }, () => this.#died(worker, 'the worker stopped'))
      .catch(() => {}); // aborted: we ended the worker ourselves
  }

  /**
   * @param {Worker} worker
   * @param {string} why
   */
  #died(worker, why) {
    if (worker !== this.#worker) return;
    this.#stop(new Error(`ElmoWorker: ${why}; calls in progress were cancelled, the next call starts a new worker`));
  }

  /** Ends the worker, if any, and rejects every pending call with `reason`. */
  #stop(/** @type {unknown} */ reason) {
    this.#stopWorker();
    const calls = [...this.#pending.values()];
    this.#pending.clear();
    for (const call of calls) call.reject(reason);
  }

  #stopWorker() {
    this.#lockWatch?.abort();
    this.#lockWatch = null;
    this.#worker?.terminate();
    this.#worker = null;
  }

  #live() {
    if (this.#disposed) throw new Error('this ElmoWorker instance has been disposed');
  }

  /**
   * Sends a request once a worker with the model is there, starting one if the last died.
   * @param {string} type
   * @param {unknown} [input]
   * @param {(event: any) => void} [onProgress]
   * @param {AbortSignal} [signal]
   */
  async #call(type, input, onProgress, signal) {
    this.#live();
    if (!this.#worker) this.#start();
    await this.#loading;
    this.#live();
    if (!this.#worker) throw new Error('ElmoWorker: the worker stopped; the next call starts a new worker');
    signal?.throwIfAborted();
    return this.#request(this.#worker, type, input, onProgress, signal);
  }

  /**
   * Embeds a batch of tokenized sentences in the worker (see `Elmo.embed`); the
   * result's arrays are transferred from the worker, not copied.
   * @param {string[][]} sentences
   * @param {import('../api/elmo.js').EmbedOptions} [options]
   * @returns {Promise<import('../api/elmo.js').Embedding[]>}
   */
  async embed(sentences, options = {}) {
    return this.#call('embed', { sentences, options });
  }

  /**
   * Forgets the state kept by stateful calls. (A new worker starts with none.)
   * @returns {Promise<void>}
   */
  resetState() {
    this.#live();
    return this.#worker ? this.#call('resetState') : Promise.resolve();
  }

  /**
   * Fine-tunes the worker's model (see `Elmo.fineTune`); `onProgress` gets
   * each step's progress from the worker, and aborting `signal` stops the
   * worker's run between two steps, its weights as before the call. A new
   * worker (after the last died) loads the model's original weights.
   * @param {string[][] | string[] | string} sentences
   * @param {import('../api/elmo.js').FineTuneOptions} [options]
   * @returns {Promise<import('../api/elmo.js').FineTuneResult>}
   */
  async fineTune(sentences, options = {}) {
    this.#live();
    // Checked here too, so that what cannot be sent (a function, a signal) is refused as Elmo refuses it.
    const { onProgress, signal } = fineTuneSettings(options);
    const sent = { ...options, progress: !!onProgress };
    delete sent.onProgress;
    delete sent.signal;
    signal?.throwIfAborted();
    return this.#call('fineTune', { sentences, options: sent }, onProgress, signal);
  }

  /**
   * The perplexity of `sentences` under the worker's model (see `Elmo.perplexity`).
   * @param {string[][] | string[] | string} sentences
   * @param {{ batchSize?: number }} [options]
   * @returns {Promise<import('../train/perplexity.js').Perplexity>}
   */
  async perplexity(sentences, options = {}) {
    this.#live();
    return this.#call('perplexity', { sentences, options });
  }

  /**
   * The worker's current weights as bilm-tf's HDF5 weight dump (see
   * `Elmo.exportWeights`), transferred from the worker.
   * @returns {Promise<Uint8Array>}
   */
  async exportWeights() {
    return this.#call('exportWeights');
  }

  /** Ends the worker and so frees all its memory. Safe to call twice; later calls throw. */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#stop(new Error('this ElmoWorker instance has been disposed'));
  }
}
