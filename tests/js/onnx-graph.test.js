// The benchmark's ONNX graph (tests/bench/onnx-graph.js) must compute what our
// engine computes: on the converted bilm-tf fixture, ONNX Runtime Web's
// outputs match ours (stateless, boundaries kept, every layer) within 1e-4.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/api/elmo.js';
import { charIds, randomBatch } from '../bench/inputs.js';
import { buildElmoOnnx, readModelDir } from '../bench/onnx-graph.js';
import { configureOrt, createSession, runElmo } from '../bench/ort.js';
import { convertFixture, fixtureSentences, maxAbsDiff } from './fixture.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let fixture;
/** @type {Elmo} */
let elmo;
/** @type {import('../bench/onnx-graph.js').ModelWeights} */
let weights;

before(async () => {
  fixture = await convertFixture();
  elmo = await Elmo.load(fixture.modelDir);
  weights = await readModelDir(fixture.modelDir);
  configureOrt(1);
});

after(async () => {
  elmo?.dispose();
  await fixture?.cleanup();
});

/**
 * Runs `sentences` (equally long) through ORT and through ours; returns the largest difference.
 * @param {string[][]} sentences
 * @param {'conv' | 'matmul'} [conv] how the graph computes the char CNN
 */
async function compare(sentences, conv = 'conv') {
  const chars = weights.manifest.options.char_cnn.max_characters_per_token;
  const dims = [sentences.length, sentences[0].length + 2, chars];
  const session = await createSession(buildElmoOnnx(weights, { batch: dims[0], length: dims[1], conv }));
  try {
    const got = await runElmo(session, charIds(sentences, chars), dims);
    const ours = await elmo.embed(sentences, { keepBoundaries: true });
    assert.deepEqual(got.dims, [dims[0], ...ours[0].shape]);
    const size = ours[0].data.length;
    return Math.max(...ours.map((e, b) => maxAbsDiff(got.data.subarray(b * size, (b + 1) * size), e.data)));
  } finally {
    await session.release();
  }
}

test('ORT graph matches ours on fixture sentences of several lengths', async () => {
  const lists = await fixtureSentences();
  for (const sentence of [lists[0][0], lists[1][3], lists[2][7], 'x'].map((s) => s.split(' '))) {
    const diff = await compare([sentence]);
    assert.ok(diff < 1e-4, `${sentence.length} tokens: max |ours - ORT| = ${diff}`);
  }
});

test('ORT graph matches ours on a batch of random words, row by row', async () => {
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (const conv of /** @type {const} */ (['conv', 'matmul'])) {
    const diff = await compare(randomBatch(3, 9, random), conv);
    assert.ok(diff < 1e-4, `char CNN as ${conv}: max |ours - ORT| = ${diff}`);
  }
});
