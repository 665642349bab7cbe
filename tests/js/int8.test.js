/**
 * int8 weights end to end: `convert --dtype int8` writes every GEMM weight
 * as int8 panels with column scales, at under 30% of the float32 bytes, and
 * the engine computes from them with top-layer vectors within cosine 0.999
 * of float32 (the fixture: bilm-tf's own weights).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { convertModel } from '../../js/node/convert/convert.js';
import { readModelDir } from '../bench/onnx-graph.js';
import { compareTopLayers, convertFixture, fixtureSentences, optionsPath, weightsPath } from './fixture.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let f32;
let int8Dir = '';
/** @type {any} */
let int8Manifest;
before(async () => {
  f32 = await convertFixture();
  int8Dir = join(f32.dir, 'int8');
  int8Manifest = await convertModel(optionsPath, weightsPath, int8Dir, { dtype: 'int8' });
});
after(() => f32.cleanup());

test('every GEMM weight is int8 and the weights take under 30% of float32', async () => {
  const { manifest } = await readModelDir(f32.modelDir);
  for (const t of int8Manifest.weights.tensors) {
    assert.equal(t.dtype, t.layout === 'panels8' ? 'int8' : 'float32', t.name);
  }
  const ratio = int8Manifest.weights.byteLength / manifest.weights.byteLength;
  assert.ok(ratio < 0.3, `int8 / float32 bytes = ${ratio}`);
});

test('an int8 tensor dequantizes to within half a step of its float32 values', async () => {
  const a = await readModelDir(f32.modelDir);
  const b = await readModelDir(int8Dir);
  for (const name of ['cnn/W_0', 'highway/1/W_carry', 'lstm/1/1/W_h', 'lstm/0/0/W_proj']) {
    const want = /** @type {Float32Array} */ (a.tensor(name));
    const got = /** @type {Float32Array} */ (b.tensor(name));
    const [k, n] = int8Manifest.weights.tensors.find((/** @type {any} */ t) => t.name === name).shape;
    for (let j = 0; j < n; j++) {
      let max = 0;
      for (let p = 0; p < k; p++) max = Math.max(max, Math.abs(want[p * n + j]));
      const halfStep = max / 127 / 2 + 1e-7;
      for (let p = 0; p < k; p++) assert.ok(Math.abs(got[p * n + j] - want[p * n + j]) <= halfStep, `${name}[${p}][${j}]`);
    }
  }
});

test('the engine runs int8 weights: top layer within cosine 0.999 of float32', async (t) => {
  const sentences = (await fixtureSentences()).flat().map((s) => s.split(' '));
  const [a, b] = await Promise.all([Elmo.load(f32.modelDir), Elmo.load(int8Dir)]);
  try {
    const { minCosine: minCos, maxAbsError: maxErr } = compareTopLayers(await a.embed(sentences), await b.embed(sentences));
    t.diagnostic(`int8 vs float32 over 30 sentences: min cosine ${minCos.toFixed(7)}, max abs error ${maxErr.toExponential(2)}`);
    assert.ok(minCos >= 0.999, `min cosine ${minCos}`);
    assert.ok(maxErr > 0, 'int8 really changes the numbers');
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('convert refuses an unknown dtype', async () => {
  await assert.rejects(convertModel(optionsPath, weightsPath, join(f32.dir, 'bad'), { dtype: /** @type {any} */ ('uint8') }), /dtype must be one of "float32", "float16", "bfloat16", "int8", got "uint8"/);
});
