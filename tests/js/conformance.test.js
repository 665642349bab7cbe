/**
 * The reference's own outputs, reproduced through the public API: the
 * fixture's stateful protocol (README of ../shared/fixtures/bilm-tf-tiny).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { convertFixture, expectedTopLayers, fixtureSentences, maxAbsDiff } from './fixture.js';

const TOLERANCE = 1e-5;

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {string[][]} */
let lists;
before(async () => {
  converted = await convertFixture();
  lists = await fixtureSentences();
});
after(() => converted.cleanup());

/**
 * Runs the 10 batches of the protocol; returns the max abs error over all 30 sentences.
 * @param {Elmo} elmo
 */
async function referenceProtocolError(elmo) {
  const expected = await Promise.all([0, 1, 2].map(expectedTopLayers));
  const top = elmo.info.nLayers;
  let worst = 0;
  for (let i = 0; i < 10; i++) {
    const batch = [lists[0][i], lists[1][i], lists[2][i]].map((s) => s.split(' '));
    const outputs = await elmo.embed(batch, { stateful: true });
    outputs.forEach((out, k) => {
      const [, n, dim] = out.shape;
      const half = dim / 2;
      const ref = expected[k][i];
      assert.deepEqual(ref.shape, [2, n, half], `list ${k} sentence ${i}: token count`);
      const topLayer = out.data.subarray(top * n * dim, (top + 1) * n * dim);
      for (let t = 0; t < n; t++) {
        for (let dir = 0; dir < 2; dir++) {
          const got = topLayer.subarray(t * dim + dir * half, t * dim + (dir + 1) * half);
          const want = ref.data.subarray((dir * n + t) * half, (dir * n + t + 1) * half);
          worst = Math.max(worst, maxAbsDiff(got, want));
        }
      }
    });
  }
  return worst;
}

for (const simd of [true, false]) {
  describe(`bilm-tf fixture, ${simd ? 'wasm SIMD' : 'scalar'} build`, () => {
    test(`stateful protocol matches the reference within ${TOLERANCE}`, async (t) => {
      const elmo = await Elmo.load(converted.modelDir, { simd });
      try {
        assert.equal(elmo.info.simd, simd);
        const error = await referenceProtocolError(elmo);
        t.diagnostic(`max abs error over 30 sentences: ${error.toExponential(3)}`);
        console.log(`conformance (${simd ? 'simd' : 'scalar'}): max abs error ${error.toExponential(3)} over 30 sentences`);
        assert.ok(error <= TOLERANCE, `max abs error ${error} > ${TOLERANCE}`);
      } finally {
        elmo.dispose();
      }
    });
  });
}

test('resetState makes a second run of the protocol reproduce the first', async () => {
  const elmo = await Elmo.load(converted.modelDir);
  try {
    const first = await referenceProtocolError(elmo);
    const drifted = await referenceProtocolError(elmo);
    // Without a reset the second pass starts from the first pass's final states.
    assert.ok(drifted > 1e-4, `carried state should change the outputs (error ${drifted})`);
    elmo.resetState();
    assert.equal(await referenceProtocolError(elmo), first);
  } finally {
    elmo.dispose();
  }
});

test('stateless outputs do not depend on batch composition, order or history', async () => {
  const elmo = await Elmo.load(converted.modelDir);
  try {
    const short = ['A', 'cat', '.'];
    const target = lists[1][3].split(' ');
    const long = lists[0][0].split(' ');
    const [alone] = await elmo.embed([target]);
    // Stateful history must not leak into stateless calls.
    await elmo.embed([long, short, target], { stateful: true });
    for (const batch of [
      [short, target, long],
      [long, [], target, short, short],
      [target, long],
      [short, short, short, short, long, target],
    ]) {
      const outputs = await elmo.embed(batch);
      const inBatch = outputs[batch.indexOf(target)];
      assert.deepEqual(inBatch.shape, alone.shape);
      const diff = maxAbsDiff(inBatch.data, alone.data);
      assert.ok(diff <= 1e-6, `batch of ${batch.length}: diff ${diff}`);
    }
  } finally {
    elmo.dispose();
  }
});
