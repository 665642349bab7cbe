/** SHA-256 of bytes already in memory: node:crypto in Node, SubtleCrypto elsewhere. */
import { isNode } from '../core/runtime.js';

/** @type {Promise<(bytes: Uint8Array) => Promise<string>> | undefined} */
let digestImpl;

/** @param {ArrayBuffer} buffer */
const toHex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');

async function chooseDigest() {
  if (isNode) {
    const { createHash } = await import('node:crypto');
    return async (/** @type {Uint8Array} */ bytes) => createHash('sha256').update(bytes).digest('hex');
  }
  // SubtleCrypto takes no view of shared memory (the threaded build's): hash a copy of those only.
  const shared = (/** @type {Uint8Array} */ bytes) =>
    typeof SharedArrayBuffer !== 'undefined' && bytes.buffer instanceof SharedArrayBuffer;
  return async (/** @type {Uint8Array} */ bytes) =>
    toHex(await crypto.subtle.digest('SHA-256', shared(bytes) ? bytes.slice() : bytes));
}

/**
 * @param {Uint8Array} bytes
 * @returns {Promise<string>} lowercase hex
 */
export async function sha256Hex(bytes) {
  digestImpl ??= chooseDigest();
  return (await digestImpl)(bytes);
}
