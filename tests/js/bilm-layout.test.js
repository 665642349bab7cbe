/**
 * js/format/bilm-layout.js: a converted model's weight region read back as
 * bilm-tf's weight dump gives the released file's datasets exactly, and
 * packing those again gives the region's bytes, for every stored dtype.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bilmWeightDatasets, packRegion, unpackRegion } from '../../js/format/bilm-layout.js';
import { readBilmWeights } from '../../js/node/train/bilm-hdf5.js';
import { convertFixture, maxAbsDiff, modelRegion, weightsPath } from './fixture.js';

for (const dtype of /** @type {const} */ (['float32', 'float16', 'bfloat16', 'int8'])) {
  test(`${dtype}: the region unpacks to the fixture's datasets${dtype === 'float32' ? ' exactly' : ', as stored'}, and packs back to the same bytes`, async (t) => {
    const converted = await convertFixture({ dtype, shardBytes: 64 * 1024 });
    try {
      const { manifest, region } = await modelRegion(converted.modelDir);
      const tensors = unpackRegion(manifest, region);
      const released = await readBilmWeights(weightsPath);
      assert.deepEqual([...tensors.keys()], bilmWeightDatasets(manifest.options).map((d) => d.name));
      assert.deepEqual([...tensors.keys()].sort(), [...released.keys()].sort());
      let worst = 0;
      for (const [name, tensor] of tensors) {
        const want = /** @type {any} */ (released.get(name));
        assert.deepEqual(tensor.shape, want.shape, name);
        if (dtype === 'float32') assert.deepEqual(tensor.data, want.data, name);
        worst = Math.max(worst, maxAbsDiff(tensor.data, want.data));
      }
      t.diagnostic(`max |unpacked - released| ${worst}`);
      // bfloat16's half step is 2^-8 of a weight, float16's 2^-11 (the fixture's weights are below 1).
      assert.ok(worst < (dtype === 'int8' ? 1e-2 : dtype === 'bfloat16' ? 4e-3 : 1e-3), `${worst}`);
      assert.deepEqual(packRegion(manifest, tensors), region);
    } finally {
      await converted.cleanup();
    }
  });
}

test('packRegion refuses a missing, misshapen or non-finite tensor by name', async () => {
  const converted = await convertFixture();
  try {
    const { manifest, region } = await modelRegion(converted.modelDir);
    const tensors = unpackRegion(manifest, region);
    const without = new Map(tensors);
    without.delete('CNN_high_1/b_carry');
    assert.throws(() => packRegion(manifest, without), /bilm-tf tensor "CNN_high_1\/b_carry" is missing, expected \[124\]/);
    const reshaped = new Map(tensors);
    reshaped.set('char_embed', { shape: [262, 4], data: new Float32Array(262 * 4) });
    assert.throws(() => packRegion(manifest, reshaped), /"char_embed" has shape \[262, 4\], expected \[261, 4\]/);
    const nan = new Map(tensors);
    const data = /** @type {any} */ (tensors.get('CNN/b_cnn_0')).data.slice();
    data[2] = NaN;
    nan.set('CNN/b_cnn_0', { shape: [4], data });
    assert.throws(() => packRegion(manifest, nan), /"CNN\/b_cnn_0" holds NaN at index 2/);
  } finally {
    await converted.cleanup();
  }
});
