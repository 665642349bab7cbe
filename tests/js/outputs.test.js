import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cosine, normalize, pool, scalarMix, selectLayers, similarity, tfHubOutputs } from '../../js/api/outputs.js';

// 3 layers, 2 tokens, dim 4: value = 100 * layer + 10 * token + i
const embedding = {
  shape: [3, 2, 4],
  data: Float32Array.from({ length: 24 }, (_, k) => 100 * Math.floor(k / 8) + 10 * Math.floor((k % 8) / 4) + (k % 4)),
};

test('selectLayers: all, top, average, indices', () => {
  assert.equal(selectLayers(embedding, 'all'), embedding);
  assert.deepEqual(selectLayers(embedding, 'top'), { shape: [2, 4], data: embedding.data.slice(16) });
  const avg = selectLayers(embedding, 'average');
  assert.deepEqual(avg.shape, [2, 4]);
  assert.ok(Math.abs(avg.data[5] - (11 + 111 + 211) / 3) < 1e-4);
  const picked = selectLayers(embedding, [2, 0]);
  assert.deepEqual(picked.shape, [2, 2, 4]);
  assert.deepEqual(picked.data.subarray(0, 8), embedding.data.subarray(16, 24));
  assert.throws(() => selectLayers(embedding, [3]), /layer index 3 is not in 0..2/);
  assert.throws(() => selectLayers(embedding, /** @type {any} */ ('middle')), RangeError);
});

test('scalarMix: softmax weights times gamma, optional layer norm', () => {
  const mixed = scalarMix(embedding, { weights: [0, Math.log(2), Math.log(3)], gamma: 2 });
  // softmax = [1/6, 2/6, 3/6]
  const want = 2 * ((1 / 6) * 13 + (2 / 6) * 113 + (3 / 6) * 213);
  assert.ok(Math.abs(mixed.data[7] - want) < 1e-3, `${mixed.data[7]} vs ${want}`);
  const normed = scalarMix(embedding, { layerNorm: true });
  // Every layer has the same spread around its own mean, so the normed mix is one normed layer.
  const values = [0, 1, 2, 3, 10, 11, 12, 13];
  const mean = values.reduce((a, b) => a + b) / 8;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / 8);
  values.forEach((v, i) => assert.ok(Math.abs(normed.data[i] - (v - mean) / sd) < 1e-5));
  assert.throws(() => scalarMix(embedding, { weights: [1, 2] }), /3 finite numbers/);
});

test('pool, normalize, cosine, similarity', () => {
  const tokens = { shape: [2, 3], data: Float32Array.of(1, -2, 3, 3, 4, -5) };
  assert.deepEqual(pool(tokens, 'mean'), Float32Array.of(2, 1, -1));
  assert.deepEqual(pool(tokens, 'max'), Float32Array.of(3, 4, 3));
  assert.deepEqual(pool({ shape: [0, 3], data: new Float32Array(0) }, 'mean'), new Float32Array(3));
  assert.deepEqual(normalize(Float32Array.of(3, 4)), Float32Array.of(0.6, 0.8));
  assert.equal(cosine([1, 0], [0, 1]), 0);
  assert.ok(Math.abs(cosine([1, 2], [2, 4]) - 1) < 1e-12);
  assert.equal(cosine([0, 0], [1, 1]), 0);
  const s = similarity(tokens, tokens);
  assert.deepEqual(s.shape, [2, 2]);
  assert.ok(Math.abs(s.data[0] - 1) < 1e-6 && Math.abs(s.data[1] - s.data[2]) < 1e-7);
});

test('tfHubOutputs: word_emb, lstm_outputs1/2, elmo, default', () => {
  const out = tfHubOutputs(embedding);
  assert.deepEqual(out.word_emb, { shape: [2, 2], data: Float32Array.of(0, 1, 10, 11) });
  assert.deepEqual(out.lstm_outputs1.data, embedding.data.slice(8, 16));
  assert.deepEqual(out.lstm_outputs2?.data, embedding.data.slice(16));
  assert.deepEqual(out.elmo.data, selectLayers(embedding, 'average').data);
  assert.deepEqual(out.default, pool(out.elmo, 'mean'));
});
