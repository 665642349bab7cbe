/**
 * What `ElmoWorker` (on the page) and `serveElmo` (in the worker) say to each
 * other. Requests are `{ id, type, in }`, answered in order by
 * `{ id, type, out }` or `{ id, type, err }`; a load also sends
 * `{ id, type: 'progress', out: ProgressEvent }` (a fineTune: one
 * `FineTuneProgress` a step), and the worker announces `{ id: 0, type:
 * 'alive' }` once it holds the lock that its death releases. The page's
 * `{ id: 0, type: 'abort', in: { id } }` aborts request `id` (a fineTune)
 * at once, not in turn.
 * Errors cross as `{ name, message, status? }` and come out as the same kind
 * of error.
 */
import { ElmoError } from '../core/wasm-core.js';

/** @typedef {'load' | 'embed' | 'resetState' | 'fineTune' | 'perplexity' | 'exportWeights' | 'dispose' | 'abort'} RequestType */

/**
 * @typedef {object} WireError
 * @property {string} name
 * @property {string} message
 * @property {number} [status] an ElmoError's status
 */

/** Errors rebuilt as themselves; any other name becomes an Error with that name. */
const ERROR_CLASSES = { Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError };
const DOM_EXCEPTION_NAMES = new Set(['AbortError', 'TimeoutError', 'DataCloneError', 'QuotaExceededError', 'NotFoundError']);

/**
 * @param {unknown} error
 * @returns {WireError}
 */
export function errorToWire(error) {
  if (!(error instanceof Error || error instanceof DOMException)) return { name: 'Error', message: String(error) };
  const wire = { name: error.name, message: error.message };
  return error instanceof ElmoError ? { ...wire, status: error.status } : wire;
}

/**
 * @param {WireError} wire
 * @returns {Error}
 */
export function errorFromWire({ name, message, status }) {
  if (name === 'ElmoError') return new ElmoError(message, status ?? 0);
  if (DOM_EXCEPTION_NAMES.has(name)) return /** @type {Error} */ (/** @type {unknown} */ (new DOMException(message, name)));
  const Class = ERROR_CLASSES[/** @type {keyof typeof ERROR_CLASSES} */ (name)];
  if (Class) return new Class(message);
  const error = new Error(message);
  error.name = name;
  return error;
}
