/**
 * GEMM kernel microbenchmark: builds tests/bench/kernel-bench.c together with
 * the project's kernels into out/bench/kernel-bench.wasm (emcc, when missing
 * or older than its sources), instantiates it without emcc's JS glue, and
 * measures GFLOP/s of each kernel (float scalar, float wasm SIMD, and wasm SIMD on
 * int8, float16 and bfloat16 weights) at each shape.
 *
 * Run alone: `node tests/bench/kernel-bench.js`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BENCH_SHAPES } from './models.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const wasmPath = `${root}out/bench/kernel-bench.wasm`;

/** Every kernel source and header there is (their names change as the kernels do), and ours. */
function kernelFiles() {
  const kernels = readdirSync(`${root}src/kernels`).map((f) => `src/kernels/${f}`);
  return {
    sources: [...kernels.filter((f) => f.endsWith('.c')), 'tests/bench/kernel-bench.c'],
    headers: kernels.filter((f) => f.endsWith('.h')),
  };
}

/** @typedef {{ label: string, m: number, n: number, k: number, square?: boolean }} GemmShape */
/** @typedef {GemmShape & { kernel: string, gflops: number, weightBytes: number }} KernelResult weightBytes: of B as the kernel reads it */

export const KERNELS = /** @type {const} */ (['scalar', 'wasmsimd', 'wasmsimd-int8', 'wasmsimd-float16', 'wasmsimd-bfloat16']);

/** @param {string} path */
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
};

/** Rebuilds the module when a source or header is newer than it. */
function buildIfStale() {
  const { sources, headers } = kernelFiles();
  const built = mtime(wasmPath);
  if (built >= 0 && [...sources, ...headers].every((f) => mtime(`${root}${f}`) <= built)) return;
  mkdirSync(`${root}out/bench`, { recursive: true });
  const env = { ...process.env, NODE_PATH: `/usr/share/nodejs${process.env.NODE_PATH ? `:${process.env.NODE_PATH}` : ''}` };
  execFileSync('emcc', ['-O3', '-msimd128', '--no-entry', '-sSTANDALONE_WASM', '-sALLOW_MEMORY_GROWTH=1',
    '-DELMO_TESTING=1', '-Isrc', ...sources, '-o', wasmPath], { cwd: root, env, stdio: 'inherit' });
}

/** The shapes measured: square ones for the peak, then the models' LSTM steps. */
export function kernelShapes() {
  /** @type {GemmShape[]} */
  const shapes = [
    { label: 'GEMM', m: 256, n: 256, k: 256, square: true },
    { label: 'GEMM', m: 512, n: 512, k: 512, square: true },
    { label: 'GEMV-like', m: 1, n: 4096, k: 512 },
    { label: '8-row GEMM', m: 8, n: 16384, k: 512 },
  ];
  for (const s of BENCH_SHAPES) {
    const { lstmDim: H, projectionDim: P } = s;
    shapes.push({ label: `${s.name} LSTM h·W_h`, m: 1, n: 4 * H, k: P });
    shapes.push({ label: `${s.name} LSTM h·W_h`, m: 8, n: 4 * H, k: P });
    shapes.push({ label: `${s.name} LSTM cell·W_proj`, m: 1, n: P, k: H });
  }
  return shapes;
}

/**
 * The kernel module, instantiated: times one kernel at one shape.
 * @returns {Promise<{ gflops: (shape: { m: number, n: number, k: number }, kernel: string, budgetMs: number) => number,
 *   streamGBs: (bytes: number, budgetMs: number) => number, close: () => void }>} streamGBs: GB/s of a
 *   plain wasm SIMD read of a buffer of that size, best of the budget
 */
export async function openKernelBench() {
  buildIfStale();
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {
    env: { emscripten_notify_memory_growth() {} },
  });
  const fn = /** @type {any} */ (instance.exports);
  fn._initialize();
  let current = '';
  return {
    gflops({ m, n, k }, kernel, budgetMs) {
      const key = `${m}x${n}x${k}`;
      if (key !== current && fn.kb_setup(m, n, k) !== 0) throw new Error(`kernel bench: out of memory at ${key}`);
      current = key;
      const id = KERNELS.indexOf(/** @type {any} */ (kernel));
      // Enough repetitions for ~20 ms per timing, then best of as many timings as the budget allows.
      const t0 = performance.now();
      fn.kb_run(id, 1);
      const once = Math.max(performance.now() - t0, 1e-3);
      const reps = Math.max(1, Math.round(20 / once));
      let best = Infinity;
      const end = performance.now() + budgetMs;
      do {
        const t = performance.now();
        fn.kb_run(id, reps);
        best = Math.min(best, (performance.now() - t) / reps);
      } while (performance.now() < end);
      return (2 * m * n * k) / best / 1e6;
    },
    streamGBs(bytes, budgetMs) {
      if (fn.kb_stream_setup(bytes) !== 0) throw new Error(`kernel bench: out of memory for a ${bytes}-byte buffer`);
      current = '';
      // The best of 1, 2, 4 and 8 streams, the budget shared between them in turns.
      const streams = [1, 2, 4, 8];
      const best = streams.map(() => Infinity);
      const end = performance.now() + budgetMs;
      do {
        streams.forEach((s, i) => {
          const t = performance.now();
          fn.kb_stream(s);
          best[i] = Math.min(best[i], performance.now() - t);
        });
      } while (performance.now() < end);
      fn.kb_stream_setup(0);
      return bytes / Math.min(...best) / 1e6;
    },
    close: () => fn.kb_free(),
  };
}

/** Bytes per weight of each kernel's packed B. */
export const WEIGHT_BYTES = Object.freeze({ scalar: 4, wasmsimd: 4, 'wasmsimd-int8': 1, 'wasmsimd-float16': 2, 'wasmsimd-bfloat16': 2 });

/** Buffer sizes whose read bandwidth is always measured: one the size of a large model's
 *  recurrent weights per direction-layer, and one larger than any cache here. */
export const STREAM_SIZES = Object.freeze([40 << 20, 400 << 20]);

/**
 * @typedef {object} StreamResult
 * @property {number} bytes buffer size
 * @property {number} gbs GB/s of a plain wasm SIMD read of it
 */

/**
 * @param {{ budgetMsPerCell?: number }} [options]
 * @returns {Promise<{ results: KernelResult[], peakGflops: number, streams: StreamResult[] }>} peak: the best wasm SIMD
 *   GFLOP/s over the square shapes; streams: read bandwidth at STREAM_SIZES and at the byte size of every
 *   one-row product's weights (so a GEMV is compared with a read of as many bytes)
 */
export async function runKernelBench({ budgetMsPerCell = 300 } = {}) {
  const bench = await openKernelBench();
  /** @type {KernelResult[]} */
  const results = [];
  /** @type {Map<number, number>} */
  const readGBs = new Map();
  // Each one-row product's read is timed right after it (the machine's bandwidth drifts by
  // tens of percent from minute to minute here), keeping the best of every time a size came up.
  const read = (/** @type {number} */ bytes) => readGBs.set(bytes, Math.max(readGBs.get(bytes) ?? 0, bench.streamGBs(bytes, budgetMsPerCell)));
  for (const shape of kernelShapes()) {
    for (const kernel of KERNELS) {
      const result = { ...shape, kernel, gflops: bench.gflops(shape, kernel, budgetMsPerCell), weightBytes: weightBytes(shape, kernel) };
      results.push(result);
      if (shape.m === 1 && kernel !== 'scalar') read(result.weightBytes);
    }
  }
  for (const bytes of STREAM_SIZES) read(bytes);
  bench.close();
  const streams = [...readGBs].sort((x, y) => x[0] - y[0]).map(([bytes, gbs]) => ({ bytes, gbs }));
  const peakGflops = Math.max(...results.filter((r) => r.square && r.kernel === 'wasmsimd').map((r) => r.gflops));
  return { results, peakGflops, streams };
}

/**
 * The bytes of a product's weights as its kernel reads them (rounded to whole 64-byte lines).
 * @param {GemmShape} shape
 * @param {string} kernel
 */
const weightBytes = ({ n, k }, kernel) => Math.ceil((n * k * WEIGHT_BYTES[/** @type {keyof typeof WEIGHT_BYTES} */ (kernel)]) / 64) * 64;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { kernelTable } = await import('./tables.js');
  const { results, peakGflops, streams } = await runKernelBench();
  console.log(kernelTable(results, peakGflops, streams));
}
