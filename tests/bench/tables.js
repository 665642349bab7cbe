/**
 * The benchmark's markdown tables: speed (ours vs ONNX Runtime Web), the
 * token cache on running text, GEMM kernels, load time and memory.
 */

/**
 * @param {string[]} header
 * @param {Array<Array<string | number>>} rows
 */
export function markdownTable(header, rows) {
  const line = (/** @type {Array<string | number>} */ cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** @param {number | null | undefined} x @param {number} [digits] */
const fixed = (x, digits = 1) => (x == null || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));

/** @param {number} bytes */
const mib = (bytes) => (bytes ? `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB` : 'n/a');

/**
 * @typedef {object} SpeedRow
 * @property {string} model
 * @property {string} input e.g. "1×20"
 * @property {number} ours tokens/s, 1 thread
 * @property {number} ours2 tokens/s, 2 threads
 * @property {number} int8 tokens/s, int8 weights, 1 thread
 * @property {number} float16 tokens/s, float16 weights, 1 thread
 * @property {number} bfloat16 tokens/s, bfloat16 weights, 1 thread
 * @property {number | null} ort1 tokens/s, ORT 1 thread
 * @property {number | null} ort2 tokens/s, ORT 2 threads
 * @property {number} oursGflops 1 thread
 * @property {number} peakGflops the kernel benchmark's wasm SIMD peak
 * @property {number} kernelBoundMs the call's products alone at the kernel's measured speed (kernel-bound.js)
 * @property {number} oursMs 1 thread, the measured time of the call
 * @property {number} weightBytes float32 weight bytes the call's products read (kernel-bound.js)
 * @property {number} readGbs the kernel benchmark's read bandwidth past the cache
 */

/** @param {number} a @param {number | null} b */
const ratio = (a, b) => (b ? fixed(a / b, 2) : 'n/a');

/** @param {SpeedRow[]} rows */
export function speedTable(rows) {
  return markdownTable(
    ['model', 'batch×tokens', 'ours 1 thread', 'ours 2 threads', 'ours int8 1 thread', 'ours float16 1 thread',
      'ours bfloat16 1 thread', 'ORT 1 thread', 'ORT 2 threads', 'ours/ORT 1t', 'ours/ORT 2t', 'int8/ORT 1t',
      'float16/ORT 1t', 'bfloat16/ORT 1t', '2t/1t (ours)', 'ours GFLOP/s (1t)', '% of GEMM peak', '% of kernel bound', 'weights GB/s (1t)', '% of read'],
    rows.map((r) => [
      r.model, r.input, fixed(r.ours), fixed(r.ours2), fixed(r.int8), fixed(r.float16), fixed(r.bfloat16), fixed(r.ort1),
      fixed(r.ort2), ratio(r.ours, r.ort1), ratio(r.ours2, r.ort2), ratio(r.int8, r.ort1), ratio(r.float16, r.ort1),
      ratio(r.bfloat16, r.ort1), ratio(r.ours2, r.ours),
      fixed(r.oursGflops, 2), `${fixed((100 * r.oursGflops) / r.peakGflops, 0)}%`,
      `${fixed((100 * r.kernelBoundMs) / r.oursMs, 0)}%`,
      fixed(r.weightBytes / r.oursMs / 1e6), `${fixed((100 * r.weightBytes) / r.oursMs / 1e6 / r.readGbs, 0)}%`,
    ]),
  );
}

/**
 * @typedef {object} CacheRow
 * @property {string} model
 * @property {string} input
 * @property {number} off tokens/s without the token cache
 * @property {number} on tokens/s with it (the default)
 * @property {number} hitRate share of lookups that found their token
 */

/** @param {CacheRow[]} rows */
export function cacheTable(rows) {
  return markdownTable(
    ['model', 'batch×tokens', 'cache off tok/s', 'cache on tok/s', 'speed-up', 'hit rate'],
    rows.map((r) => [r.model, r.input, fixed(r.off), fixed(r.on), ratio(r.on, r.off), `${fixed(100 * r.hitRate, 0)}%`]),
  );
}

/**
 * @param {import('./kernel-bench.js').KernelResult[]} results
 * @param {number} peakGflops
 * @param {import('./kernel-bench.js').StreamResult[]} streams
 */
export function kernelTable(results, peakGflops, streams) {
  /** @type {Map<string, Record<string, number>>} */
  const byShape = new Map();
  for (const r of results) {
    const key = `${r.label} | ${r.m}×${r.n}×${r.k}`;
    byShape.set(key, { ...byShape.get(key), [r.kernel]: r.gflops });
  }
  const table = markdownTable(
    ['shape', 'm×n×k', 'scalar GFLOP/s', 'wasm SIMD GFLOP/s', 'SIMD % of peak', 'int8 weights, wasm SIMD GFLOP/s',
      'float16 weights, wasm SIMD GFLOP/s', 'bfloat16 weights, wasm SIMD GFLOP/s'],
    [...byShape].map(([key, g]) => [
      ...key.split(' | '), fixed(g.scalar, 2), fixed(g.wasmsimd, 2), `${fixed((100 * g.wasmsimd) / peakGflops, 0)}%`,
      fixed(g['wasmsimd-int8'], 2), fixed(g['wasmsimd-float16'], 2), fixed(g['wasmsimd-bfloat16'], 2),
    ]),
  );
  const readAt = new Map(streams.map((s) => [s.bytes, s.gbs]));
  const bandwidth = markdownTable(['buffer', 'read GB/s (wasm SIMD)'], streams.map((s) => [mib(s.bytes), fixed(s.gbs)]));
  const gemvs = results.filter((r) => r.m === 1 && r.kernel !== 'scalar').map((r) => {
    const bytes = /** @type {number} */ (r.weightBytes);
    const gbs = (bytes * r.gflops) / (2 * r.n * r.k);
    const read = /** @type {number} */ (readAt.get(bytes));
    return [r.label, `${r.m}×${r.n}×${r.k}`, r.kernel, mib(bytes), fixed(gbs), fixed(read), `${fixed((100 * gbs) / read, 0)}%`];
  });
  const share = markdownTable(['one-row product', 'm×n×k', 'kernel', 'weights', 'weights GB/s', 'read GB/s, same bytes', 'share of read'], gemvs);
  return [
    table,
    `GEMM peak (best wasm SIMD GFLOP/s over the square shapes): ${fixed(peakGflops, 2)}`,
    '### Streaming bandwidth: a plain wasm SIMD read of a buffer, best of the budget (each product below repeats on one matrix, as the recurrent step does; matrices that fit the cache read faster)',
    bandwidth,
    share,
  ].join('\n\n');
}

/**
 * @typedef {object} LoadRow
 * @property {string} model
 * @property {number} weightBytes
 * @property {number} oursLoadMs best of 3, Elmo.load from local shards
 * @property {number} oursWasmBytes
 * @property {number} oursRssBytes peak RSS of the process
 * @property {number | null} ortCreateMs session creation from bytes in memory, 1×20 graph
 * @property {number | null} ortCreate200Ms same, 1×200 graph
 * @property {number | null} ortWasmBytes
 * @property {number | null} ortRssBytes
 */

/** @param {LoadRow[]} rows */
export function loadTable(rows) {
  return markdownTable(
    ['model', 'weights', 'ours load (best of 3)', 'ours wasm memory', 'ours peak RSS',
      'ORT session create 1×20 / 1×200', 'ORT wasm memory', 'ORT peak RSS (1 thread)'],
    rows.map((r) => [
      r.model, mib(r.weightBytes), `${fixed(r.oursLoadMs, 0)} ms`, mib(r.oursWasmBytes), mib(r.oursRssBytes),
      `${fixed(r.ortCreateMs, 0)} ms / ${fixed(r.ortCreate200Ms, 0)} ms`, mib(r.ortWasmBytes ?? 0), mib(r.ortRssBytes ?? 0),
    ]),
  );
}

/**
 * @typedef {object} ShareRow
 * @property {string} model
 * @property {string} input
 * @property {number} oursAllMs
 * @property {number} oursTokenMs
 * @property {number | null} ortAllMs
 * @property {number | null} ortTokenMs
 */

/** @param {ShareRow[]} rows */
export function shareTable(rows) {
  const share = (/** @type {number | null} */ part, /** @type {number | null} */ all) => (part && all ? `${fixed((100 * part) / all, 0)}%` : 'n/a');
  return markdownTable(
    ['model', 'batch×tokens', 'ours all', 'ours token layer only', 'token layer share', 'ORT 1t all', 'ORT 1t token layer only', 'ORT token layer share'],
    rows.map((r) => [
      r.model, r.input, `${fixed(r.oursAllMs)} ms`, `${fixed(r.oursTokenMs)} ms`, share(r.oursTokenMs, r.oursAllMs),
      `${fixed(r.ortAllMs)} ms`, `${fixed(r.ortTokenMs)} ms`, share(r.ortTokenMs, r.ortAllMs),
    ]),
  );
}
