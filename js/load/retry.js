/**
 * Trying again what may succeed later: a read that failed with a
 * `TransientError` (a network error, HTTP 5xx or 429) is repeated after a
 * delay that doubles each time.
 */
import { TransientError } from './model-sources.js';

/**
 * @typedef {object} RetryPolicy
 * @property {number} retries further attempts after the first
 * @property {number} retryDelay milliseconds before the first retry
 */

/**
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>} rejects with the signal's reason if it aborts first
 */
function sleep(ms, signal) {
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * @template T
 * @param {() => Promise<T>} step one attempt
 * @param {RetryPolicy} policy
 * @param {AbortSignal} [signal] an abort ends the retries at once
 * @returns {Promise<T>}
 */
export async function retrying(step, { retries, retryDelay }, signal) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      signal?.throwIfAborted();
      if (!(error instanceof TransientError)) throw error;
      if (attempt > retries) throw new Error(`${error.message} (gave up after ${attempt} attempts)`, { cause: error });
      await sleep(retryDelay * 2 ** (attempt - 1), signal);
    }
  }
}
