/**
 * The worker side of `ElmoWorker`: one `Elmo` in a dedicated worker, serving
 * the page's requests one at a time, in the order they came (an abort acts
 * at once). Embedding results and exported weights are transferred, not copied. See worker-protocol.js for the messages.
 */
import { Elmo } from '../api/elmo.js';
import { errorToWire } from './worker-protocol.js';

/**
 * @typedef {object} WorkerScope what this module needs of `DedicatedWorkerGlobalScope`
 * @property {string} name
 * @property {(message: any, transfer?: Transferable[]) => void} postMessage
 * @property {(type: 'message', listener: (event: MessageEvent) => void) => void} addEventListener
 */

/**
 * Holds, until this worker ends, the lock named after it: the page waits for
 * the same lock, and so learns when the worker is gone, however it ended.
 * @param {WorkerScope} scope
 */
function holdLifeLock(scope) {
  const locks = globalThis.navigator?.locks;
  if (!locks || !scope.name) return;
  locks.request(scope.name, () => {
    scope.postMessage({ id: 0, type: 'alive' });
    return new Promise(() => {});
  });
}

/**
 * Serves an `Elmo` to the page that started this worker.
 * @param {WorkerScope} scope the worker's global scope (`self`)
 */
export function serveElmo(scope) {
  /** @type {Elmo | null} */
  let elmo = null;
  const live = () => {
    if (!elmo) throw new Error('no model is loaded in this worker');
    return elmo;
  };

  /**
   * @type {Record<string, (input: any, id: number) => Promise<[unknown, Transferable[]]>>}
   */
  const handlers = {
    async load({ model, options }, id) {
      elmo?.dispose();
      elmo = null;
      const onProgress = options.progress
        ? (/** @type {unknown} */ event) => scope.postMessage({ id, type: 'progress', out: event })
        : undefined;
      elmo = await Elmo.load(model, { ...options, onProgress });
      return [elmo.info, []];
    },
    async embed({ sentences, options }) {
      const out = await live().embed(sentences, options);
      return [out, out.map((e) => e.data.buffer)];
    },
    async resetState() {
      live().resetState();
      return [undefined, []];
    },
    async fineTune({ sentences, options }, id) {
      const { progress, ...rest } = options;
      const onProgress = progress ? (/** @type {unknown} */ event) => scope.postMessage({ id, type: 'progress', out: event }) : undefined;
      const signal = aborts.get(id)?.signal;
      return [await live().fineTune(sentences, { ...rest, onProgress, signal }), []];
    },
    async perplexity({ sentences, options }) {
      return [await live().perplexity(sentences, options), []];
    },
    async exportWeights() {
      const bytes = await live().exportWeights();
      const own = bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      return [own, [own.buffer]];
    },
    async dispose() {
      elmo?.dispose();
      elmo = null;
      return [undefined, []];
    },
  };

  /** @param {{ id: number, type: string, in: unknown }} request */
  async function serve({ id, type, in: input }) {
    try {
      const handler = Object.hasOwn(handlers, type) ? handlers[type] : null;
      if (!handler) throw new TypeError(`unknown request type ${JSON.stringify(type)}`);
      const [out, transfer] = await handler(input, id);
      scope.postMessage({ id, type, out }, transfer);
    } catch (error) {
      scope.postMessage({ id, type, err: errorToWire(error) });
    }
  }

  /** @type {Map<number, AbortController>} the fineTune requests that may still be aborted */
  const aborts = new Map();
  let queue = Promise.resolve();
  scope.addEventListener('message', (event) => {
    const request = event.data ?? {};
    // An abort acts now: the request it is about runs (or waits) in the queue.
    if (request.type === 'abort') return void aborts.get(request.in?.id)?.abort();
    if (request.type === 'fineTune') aborts.set(request.id, new AbortController());
    queue = queue.then(() => serve(request)).finally(() => aborts.delete(request.id));
  });
  holdLifeLock(scope);
}
