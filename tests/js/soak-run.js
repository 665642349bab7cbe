/**
 * The soak of soak.test.js, run in its own process (node --expose-gc, so the
 * heap can be measured after a collection): 10,000 embed calls of random
 * sizes on one engine. Prints one JSON line of measurements; the test file
 * judges them. Usage: node --expose-gc soak-run.js <model-dir> <sentences.json>
 */
import { readFile } from 'node:fs/promises';
import { Elmo } from '../../js/index.js';

const [modelDir, sentencesPath] = process.argv.slice(2);
/** @type {string[][]} */
const sentences = JSON.parse(await readFile(sentencesPath, 'utf8'));
const words = sentences.flat();
const gc = /** @type {() => void} */ (globalThis.gc);

/** xorshift32: the same calls on every run. */
let seed = 0x50a4;
const random = (/** @type {number} */ n) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
const MAX_ROWS = 8;
const MAX_TOKENS = 40;
/** A random batch: 1..8 sentences of 0..40 fixture words. */
const batch = () => Array.from({ length: 1 + random(MAX_ROWS) }, () => Array.from({ length: random(MAX_TOKENS + 1) }, () => words[random(words.length)]));

const elmo = await Elmo.load(modelDir, { numThreads: 1 });
// Warm-up: the largest batch of every kind of call, then a few hundred random ones.
const largest = Array.from({ length: MAX_ROWS }, () => Array.from({ length: MAX_TOKENS }, (_, i) => words[i]));
await elmo.embed(largest, { keepBoundaries: true, stateful: true });
await elmo.embed(largest, { keepBoundaries: true });
for (let i = 0; i < 300; i++) await elmo.embed(batch(), { stateful: i % 4 === 0 });
const memoryAfterWarmUp = elmo.wasmMemoryBytes;

const calls = 10_000;
/** @type {number[]} heapUsed after a collection, every 100 calls */
const heap = [];
let mismatches = 0;
let spotChecks = 0;
let tokens = 0;
const started = performance.now();
for (let i = 0; i < calls; i++) {
  const input = batch();
  const stateful = i % 5 === 0;
  const out = await elmo.embed(input, { stateful, keepBoundaries: i % 7 === 0 });
  tokens += input.reduce((n, s) => n + s.length, 0);
  if (i % 97 === 0) elmo.resetState();
  if (!stateful && i % 1000 === 1) {
    // A fresh engine gives the same bits for a stateless call.
    const fresh = await Elmo.load(modelDir, { numThreads: 1 });
    const want = await fresh.embed(input, { keepBoundaries: i % 7 === 0 });
    fresh.dispose();
    spotChecks++;
    if (want.some((w, k) => w.data.length !== out[k].data.length || w.data.some((x, j) => x !== out[k].data[j]))) mismatches++;
  }
  if (i % 100 === 99) {
    gc();
    heap.push(process.memoryUsage().heapUsed);
  }
}
const seconds = (performance.now() - started) / 1000;

// Concurrent calls on one instance: the same results as one after another.
const inputs = Array.from({ length: 64 }, batch);
const sequential = [];
for (const input of inputs) sequential.push(await elmo.embed(input));
const concurrent = await Promise.all(inputs.map((input) => elmo.embed(input)));
const concurrentSame = concurrent.every((out, i) => out.every((e, k) => e.data.every((x, j) => x === sequential[i][k].data[j])));

const quarter = Math.floor(heap.length / 4);
const mean = (/** @type {number[]} */ xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(JSON.stringify({
  calls, tokens, seconds, spotChecks, mismatches, concurrentSame,
  memoryAfterWarmUp, memoryAtEnd: elmo.wasmMemoryBytes,
  heapFirstQuarter: mean(heap.slice(0, quarter)), heapLastQuarter: mean(heap.slice(-quarter)),
}));
elmo.dispose();
