/**
 * What the kernels' measured speed allows for one embed call: every matrix
 * product the forward pass makes, by shape and count, each timed alone with
 * the wasm SIMD kernel (tests/bench/kernel-bench.js). Their sum is the time
 * of a pass that did nothing but those products at the kernels' measured
 * speed; bench.js reports it as a share of the measured time ("% of kernel
 * bound"), so a GEMV-shaped step is held to what the GEMV kernel does, not
 * to the square GEMM peak.
 */
import { modelDims } from '../../js/format/tensor-plan.js';
import { WORD_LENGTHS } from './inputs.js';

/** @typedef {{ m: number, n: number, k: number, count: number }} GemmCall */

/** Windows per char CNN product (CNN_WINDOWS in src/token_encoder.c). */
const CNN_WINDOWS = 128;

/**
 * The products of one call on `batch` sentences of `tokens` distinct random
 * words (inputs.js): <S> and </S> come from the token cache; each word's
 * char CNN computes one window per live position (BOW, its letters, EOW),
 * and the windows of many words go through one product of up to 128 rows.
 * @param {any} options the model's options.json
 * @param {number} batch
 * @param {number} tokens
 * @returns {GemmCall[]}
 */
export function gemmCalls(options, batch, tokens) {
  const m = modelDims(options);
  const words = batch * tokens;
  const positions = batch * (tokens + 2);
  const steps = tokens + 2;
  const { P, H, F, d } = { P: m.projectionDim, H: m.lstmDim, F: m.nFilters, d: m.charDim };
  /** @type {GemmCall[]} */
  const calls = [];
  const meanLetters = WORD_LENGTHS.reduce((a, b) => a + b, 0) / WORD_LENGTHS.length;
  const windows = words * (meanLetters + 2);
  const products = Math.ceil(windows / CNN_WINDOWS);
  for (const [width, count] of m.filters) {
    calls.push({ m: Math.round(windows / products), n: count, k: width * d, count: products });
  }
  calls.push({ m: words, n: F, k: F, count: 2 * m.nHighway });
  if (F !== P) calls.push({ m: words, n: P, k: F, count: 1 });
  const directionLayers = 2 * m.nLayers;
  calls.push({ m: positions, n: 4 * H, k: P, count: directionLayers });
  calls.push({ m: batch, n: 4 * H, k: P, count: directionLayers * steps });
  calls.push({ m: batch, n: P, k: H, count: directionLayers * steps });
  return calls;
}

/**
 * The float32 weight bytes the products of one call read, each product
 * reading its matrix once: for one sentence of a large model nearly all of
 * it is the recurrent matrices, read again at every step.
 * @param {GemmCall[]} calls
 */
export function weightBytesRead(calls) {
  return calls.reduce((bytes, c) => bytes + c.count * c.n * c.k * 4, 0);
}

/**
 * @param {GemmCall[]} calls
 * @param {(shape: { m: number, n: number, k: number }) => number} gflopsOf the kernel's GFLOP/s at a shape
 * @returns {number} milliseconds
 */
export function kernelBoundMs(calls, gflopsOf) {
  return calls.reduce((ms, c) => ms + (c.count * 2 * c.m * c.n * c.k) / gflopsOf(c) / 1e6, 0);
}
