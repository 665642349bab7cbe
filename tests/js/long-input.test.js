/**
 * Long inputs in bounded memory (maxMemoryMB): a 10,000-token sentence and a
 * large batch under a tight budget give the very bits of an unbounded run
 * while wasm memory grows by no more than the budget; what cannot fit
 * rejects with OUT_OF_MEMORY naming the budget, and the next call works.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Elmo, ElmoError } from '../../js/index.js';
import { convertFixture, fixtureSentences } from './fixture.js';

const MB = 1 << 20;
/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {string[][]} */
let sentences;
/** @type {Elmo} */
let roomy;
let roomyStart = 0;
const words = ['the', 'bank', 'of', 'a', 'river', 'is', 'green', '.'];
const long = Array.from({ length: 10_000 }, (_, i) => `${words[i % words.length]}${i % 97}`);

before(async () => {
  converted = await convertFixture();
  sentences = (await fixtureSentences()).flat().map((s) => s.split(' '));
  roomy = await Elmo.load(converted.modelDir, { numThreads: 1, maxMemoryMB: 1024 });
  roomyStart = roomy.wasmMemoryBytes;
});
after(async () => {
  roomy?.dispose();
  await converted?.cleanup();
});

test('maxMemoryMB must be a number from 1 to 4096', async () => {
  for (const bad of [0, -5, 5000, NaN, '64']) {
    await assert.rejects(Elmo.load(converted.modelDir, { maxMemoryMB: /** @type {any} */ (bad) }), {
      name: 'RangeError',
      message: new RegExp(`^maxMemoryMB must be a number from 1 to 4096, got ${JSON.stringify(bad) ?? bad}`),
    });
  }
});

test('a 10,000-token sentence under an 8 MB budget: the same bits, stateless and stateful, memory within the budget', async (t) => {
  const tight = await Elmo.load(converted.modelDir, { numThreads: 1, maxMemoryMB: 8 });
  try {
    const start = tight.wasmMemoryBytes;
    const [free] = await roomy.embed([long]);
    const roomyGrowth = roomy.wasmMemoryBytes - roomyStart;
    const [got] = await tight.embed([long]);
    const growth = tight.wasmMemoryBytes - start;
    t.diagnostic(`wasm memory growth: ${(growth / MB).toFixed(1)} MB under 8 MB (a 1 GB budget: ${(roomyGrowth / MB).toFixed(1)} MB)`);
    assert.ok(growth <= 8 * MB, `grew by ${growth} bytes`);
    assert.ok(roomyGrowth > 16 * MB, 'the unbounded run needs more than the budget: the test tells them apart');
    assert.deepEqual(got.data, free.data);
    // Stateful: two carrying calls, the second continuing the first (backward direction included).
    for (let round = 0; round < 2; round++) {
      const [a] = await roomy.embed([long.slice(round * 3000, round * 3000 + 6000)], { stateful: true });
      const [b] = await tight.embed([long.slice(round * 3000, round * 3000 + 6000)], { stateful: true });
      assert.deepEqual(b.data, a.data, `stateful round ${round}`);
    }
    assert.ok(tight.wasmMemoryBytes - start <= 8 * MB);
  } finally {
    tight.dispose();
  }
});

test('a batch larger than the budget is split by itself, with the same results', async () => {
  const tight = await Elmo.load(converted.modelDir, { numThreads: 1, maxMemoryMB: 4 });
  try {
    const start = tight.wasmMemoryBytes;
    const batch = Array.from({ length: 3000 }, (_, i) => sentences[i % sentences.length]);
    const out = await tight.embed(batch);
    assert.ok(tight.wasmMemoryBytes - start <= 4 * MB);
    const want = await roomy.embed(batch);
    assert.equal(out.length, want.length);
    out.forEach((e, i) => assert.deepEqual(e.data, want[i].data, `sentence ${i}`));
  } finally {
    tight.dispose();
  }
});

test('what cannot fit rejects with OUT_OF_MEMORY naming the budget; the next call works', async () => {
  const tiny = await Elmo.load(converted.modelDir, { numThreads: 1, maxMemoryMB: 1 });
  try {
    // Its outputs alone take 3.7 MB.
    await assert.rejects(tiny.embed([long]), (e) => e instanceof ElmoError && e.status === -4 && /maxMemoryMB \(1\.0 MB\) is too small/.test(e.message));
    // Stateful batches are never split (row r carries row r's state): too big for the budget as a whole.
    const rows = Array.from({ length: 200 }, () => long.slice(0, 100));
    await assert.rejects(tiny.embed(rows, { stateful: true }), (e) => e instanceof ElmoError && e.status === -4 && /maxMemoryMB/.test(e.message));
    const [after] = await tiny.embed([sentences[0]]);
    const [want] = await roomy.embed([sentences[0]]);
    assert.deepEqual(after.data, want.data);
  } finally {
    tiny.dispose();
  }
});
