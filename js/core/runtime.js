/**
 * Where this code runs, decided once: the rest of the library asks here
 * instead of probing globals itself.
 */
import { DEFAULTS } from '../defaults.js';

/** True under Node.js (and not in a browser or a worker of one). */
export const isNode =
  typeof process !== 'undefined' && typeof process.versions === 'object' && !!process.versions.node;

/**
 * A tiny module whose only function uses a v128 instruction
 * (`i32.const 0; i8x16.splat`): engines without wasm SIMD refuse to validate it.
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // one function of that type
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // body
]);

/** @returns {boolean} whether this engine runs wasm SIMD (128-bit) code */
export function hasWasmSimd() {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * Whether this engine can run the threaded core, and if not, why: shared
 * wasm memory needs SharedArrayBuffer, which browsers give only to
 * cross-origin isolated pages (and their workers).
 * @returns {{ ok: true } | { ok: false, why: string }}
 */
export function threadSupport() {
  if (!isNode && globalThis.crossOriginIsolated !== true) {
    return { ok: false, why: 'the page is not cross-origin isolated (serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)' };
  }
  if (typeof SharedArrayBuffer === 'undefined') return { ok: false, why: 'SharedArrayBuffer is unavailable' };
  if (!isNode && typeof Worker === 'undefined') return { ok: false, why: 'this context cannot start Web Workers' };
  return { ok: true };
}

/** @returns {Promise<number>} the cores this machine offers, as the default thread count (at most DEFAULTS.numThreads.defaultMax) */
export async function defaultThreadCount() {
  const cores = isNode ? (await import('node:os')).availableParallelism() : globalThis.navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(DEFAULTS.numThreads.defaultMax, cores));
}
