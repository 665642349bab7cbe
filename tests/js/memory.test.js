/**
 * Memory ownership: repeated calls leave nothing allocated in wasm memory.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { convertFixture, fixtureSentences } from './fixture.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {Elmo} */
let elmo;
/** @type {string[][]} */
let sentences;
before(async () => {
  converted = await convertFixture();
  elmo = await Elmo.load(converted.modelDir);
  sentences = (await fixtureSentences()).flat().map((s) => s.split(' '));
});
after(async () => {
  elmo?.dispose();
  await converted?.cleanup();
});

test('1,000 embed calls of varying sizes leave the wasm memory size unchanged', async () => {
  const longest = Math.max(...sentences.map((s) => s.length));
  /** @param {number} i @returns {string[][]} a batch of 1..12 sentences of 0..longest tokens */
  const batch = (i) =>
    Array.from({ length: 1 + (i % 12) }, (_, j) => {
      const s = sentences[(i * 7 + j) % sentences.length];
      return s.slice(0, (i * 13 + j * 5) % (s.length + 1));
    });
  // Warm-up: the largest batch shape the loop will use, each kind of call once.
  const largest = Array.from({ length: 12 }, () => sentences.find((s) => s.length === longest) ?? []);
  await elmo.embed(largest, { keepBoundaries: true });
  await elmo.embed(largest, { stateful: true });
  elmo.resetState();
  const start = elmo.wasmMemoryBytes;
  let tokens = 0;
  for (let i = 0; i < 1000; i++) {
    const input = batch(i);
    const out = await elmo.embed(input, { stateful: i % 3 === 0, keepBoundaries: i % 5 === 0 });
    tokens += out.reduce((n, e) => n + e.shape[1], 0);
    if (i % 100 === 99) elmo.resetState();
    if (i % 250 === 0) await assert.rejects(elmo.embed([['ok'], ['']]), RangeError);
  }
  assert.ok(tokens > 50_000, `the loop embedded ${tokens} tokens`);
  assert.equal(elmo.wasmMemoryBytes, start);
});

test('wasmMemoryBytes throws once disposed, like every other call', async () => {
  const local = await Elmo.load(converted.modelDir);
  assert.ok(local.wasmMemoryBytes >= local.info.weightBytes);
  local.dispose();
  assert.throws(() => local.wasmMemoryBytes, /disposed/);
});
