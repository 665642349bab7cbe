/**
 * One engine on one model, in its own process (so its peak RSS is its own):
 * `node tests/bench/run-engine.js '<json RunSpec>'` prints one line
 * `RESULT <json RunResult>`.
 *
 * - `ours`: Elmo.load (timed; best of 3, the later two after the speed runs),
 *   then each input shape.
 * - `ort`: ONNX Runtime Web with `threads` threads; per input shape a graph
 *   built from the same model directory and a session created from its bytes
 *   (timed), outside the timed runs.
 *
 * Each timed run embeds a fresh batch of distinct random words; the first run
 * of a shape is a warm-up; then runs go on until the time budget is spent
 * (at least `minRuns`), and the best is kept.
 */
import { randomBatch, charIds, zipfBatch } from './inputs.js';

/**
 * @typedef {object} RunSpec
 * @property {'ours' | 'ort'} engine
 * @property {number} threads
 * @property {number} [tokenCache] ours: token cache entries (default: the library's)
 * @property {'distinct' | 'zipf'} [text] distinct random words (default), or Zipf-distributed ones
 * @property {string} modelDir
 * @property {Array<[number, number]>} shapes [batch, tokens]
 * @property {number} budgetMs per shape, after the warm-up
 * @property {number} minRuns
 */

/**
 * @typedef {object} ShapeResult
 * @property {number} batch
 * @property {number} tokens
 * @property {number} bestMs
 * @property {number} runs
 * @property {number} [sessionCreateMs] ORT only
 */

/**
 * @typedef {object} RunResult
 * @property {ShapeResult[]} shapes
 * @property {number} peakRssBytes after the speed runs
 * @property {number} wasmBytes largest wasm memory seen
 * @property {number | null} loadMs ours only: best of 3 Elmo.load
 * @property {number} weightBytes
 * @property {number} [threads] ours: the threads it ran
 * @property {{ hits: number, misses: number }} [cache] ours: token cache lookups in the timed runs
 */

/** Wasm memories of every instance created in this process, to report their size. */
const memories = new Set();
const instantiate = WebAssembly.instantiate;
/** @type {any} */ (WebAssembly).instantiate = async (/** @type {any} */ source, /** @type {any} */ imports) => {
  const result = await instantiate(source, imports);
  const instance = /** @type {any} */ (result).instance ?? result;
  const exported = Object.values(instance.exports).filter((v) => v instanceof WebAssembly.Memory);
  const imported = Object.values(imports ?? {}).flatMap((mod) => Object.values(mod ?? {})).filter((v) => v instanceof WebAssembly.Memory);
  for (const m of [...exported, ...imported]) memories.add(m);
  return result;
};
const wasmBytes = () => Math.max(0, ...[...memories].map((m) => m.buffer.byteLength));

/**
 * Warm-up, then best of the runs that fit in the budget.
 * @param {() => Promise<unknown>} run
 * @param {number} budgetMs
 * @param {number} minRuns
 */
async function bestOf(run, budgetMs, minRuns) {
  await run();
  let best = Infinity;
  let runs = 0;
  const end = performance.now() + budgetMs;
  while (runs < minRuns || (performance.now() < end && runs < 50)) {
    const t = performance.now();
    await run();
    best = Math.min(best, performance.now() - t);
    runs++;
  }
  return { bestMs: best, runs };
}

/**
 * A source of fresh batches; each run times one and makes the next after its clock stopped.
 * @param {number} batch
 * @param {number} tokens
 */
const batches = (batch, tokens, text = 'distinct') => () => (text === 'zipf' ? zipfBatch : randomBatch)(batch, tokens);

/** @param {RunSpec} spec @returns {Promise<RunResult>} */
async function runOurs(spec) {
  const { Elmo } = await import('../../js/api/elmo.js');
  let t = performance.now();
  const options = { numThreads: spec.threads, tokenCache: spec.tokenCache };
  let elmo = await Elmo.load(spec.modelDir, options);
  const loads = [performance.now() - t];
  const threads = elmo.info.threads;
  /** @type {ShapeResult[]} */
  const shapes = [];
  for (const [batch, tokens] of spec.shapes) {
    const next = batches(batch, tokens, spec.text);
    let input = next();
    const run = async () => {
      await elmo.embed(input);
      input = next();
    };
    shapes.push({ batch, tokens, ...(await bestOf(run, spec.budgetMs, spec.minRuns)) });
  }
  const cache = elmo.tokenCacheStats;
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const wasm = wasmBytes();
  const weightBytes = elmo.info.weightBytes;
  for (let i = 0; i < 2; i++) {
    elmo.dispose();
    t = performance.now();
    elmo = await Elmo.load(spec.modelDir, options);
    loads.push(performance.now() - t);
  }
  elmo.dispose();
  return { shapes, peakRssBytes, wasmBytes: wasm, loadMs: Math.min(...loads), weightBytes, threads, cache };
}

/** @param {RunSpec} spec @returns {Promise<RunResult>} */
async function runOrt(spec) {
  const { buildElmoOnnx, readModelDir } = await import('./onnx-graph.js');
  const { configureOrt, createSession, runElmo } = await import('./ort.js');
  configureOrt(spec.threads);
  const weights = await readModelDir(spec.modelDir);
  const chars = weights.manifest.options.char_cnn.max_characters_per_token;
  /** @type {ShapeResult[]} */
  const shapes = [];
  for (const [batch, tokens] of spec.shapes) {
    const dims = [batch, tokens + 2, chars];
    let bytes = /** @type {Uint8Array | null} */ (buildElmoOnnx(weights, { batch, length: dims[1] }));
    const t = performance.now();
    const session = await createSession(bytes);
    const sessionCreateMs = performance.now() - t;
    bytes = null;
    const next = batches(batch, tokens);
    let input = next();
    const run = async () => {
      await runElmo(session, charIds(input, chars), dims);
      input = next();
    };
    shapes.push({ batch, tokens, sessionCreateMs, ...(await bestOf(run, spec.budgetMs, spec.minRuns)) });
    await session.release();
  }
  return {
    shapes,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    wasmBytes: wasmBytes(),
    loadMs: null,
    weightBytes: weights.manifest.weights.byteLength,
  };
}

const spec = /** @type {RunSpec} */ (JSON.parse(process.argv[2]));
const result = spec.engine === 'ours' ? await runOurs(spec) : await runOrt(spec);
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(0); // ORT's worker threads would keep the process alive
