/**
 * float16 weights end to end: `convert --dtype float16` writes every GEMM
 * weight as IEEE binary16 panels (each value rounded to the nearest half),
 * at about half the float32 bytes, and the engine computes from them with
 * top-layer vectors within cosine 0.9999 of float32 — on the fixture
 * (bilm-tf's own weights) and on a generated random model.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { convertModel } from '../../js/node/convert/convert.js';
import { ensureParentGroups, getDataset, openHdf5 } from '../../js/node/io/hdf5.js';
import { expectedTensors } from '../../js/format/tensor-plan.js';
import { float16Bits, float16Value } from '../../js/format/weight-packing.js';
import { readModelDir } from '../bench/onnx-graph.js';
import { writeRandomModel } from '../bench/random-model.js';
import { compareTopLayers, convertFixture, fixtureSentences, optionsPath, weightsPath } from './fixture.js';
import { elmoWasm } from './run-cli.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let f32;
let f16Dir = '';
/** @type {any} */
let f16Manifest;
/** @type {string[][]} */
let sentences;
before(async () => {
  f32 = await convertFixture();
  f16Dir = join(f32.dir, 'float16');
  f16Manifest = await convertModel(optionsPath, weightsPath, f16Dir, { dtype: 'float16' });
  sentences = (await fixtureSentences()).flat().map((s) => s.split(' '));
});
after(() => f32.cleanup());

/**
 * Embeds the sentences with the float32 and the float16 model directories.
 * @param {string} f32Dir
 * @param {string} f16Dir
 */
async function compareModels(f32Dir, f16Dir) {
  const [a, b] = await Promise.all([Elmo.load(f32Dir), Elmo.load(f16Dir)]);
  try {
    return compareTopLayers(await a.embed(sentences), await b.embed(sentences));
  } finally {
    a.dispose();
    b.dispose();
  }
}

test('float16 rounding: to nearest, ties to even, at the edges; every finite half round-trips', () => {
  /** @type {Array<[number, number]>} */
  const cases = [
    [1, 0x3c00], [-2, 0xc000], [-0, 0x8000], [65504, 0x7bff], [65519.99609375, 0x7bff], [65520, 0x7c00],
    [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1 + 2 ** -11 + 2 ** -20, 0x3c01],
    [2 ** -14, 0x0400], [2 ** -14 - 2 ** -25, 0x0400], [2 ** -24, 0x0001], [2 ** -25, 0], [3 * 2 ** -25, 0x0002],
    [1e-10, 0], [-1e-10, 0x8000],
  ];
  for (const [x, h] of cases) assert.equal(float16Bits(x), h, `float16Bits(${x})`);
  assert.ok((float16Bits(NaN) & 0x7fff) > 0x7c00, 'NaN stays NaN');
  for (let h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) !== 0x7c00) assert.equal(float16Bits(float16Value(h)), h, `half 0x${h.toString(16)}`);
  }
});

test('every GEMM weight is float16 and the weights take about half the float32 bytes', async () => {
  const { manifest } = await readModelDir(f32.modelDir);
  for (const t of f16Manifest.weights.tensors) {
    assert.equal(t.dtype, t.layout === 'panels8' ? 'float16' : 'float32', t.name);
  }
  const ratio = f16Manifest.weights.byteLength / manifest.weights.byteLength;
  assert.ok(ratio > 0.5 && ratio < 0.55, `float16 / float32 bytes = ${ratio}`);
});

test('a float16 tensor holds its float32 values to within half a float16 step', async () => {
  const a = await readModelDir(f32.modelDir);
  const b = await readModelDir(f16Dir);
  for (const name of ['cnn/W_0', 'highway/1/W_carry', 'proj/W', 'lstm/1/1/W_h', 'lstm/0/0/W_proj']) {
    const want = /** @type {Float32Array} */ (a.tensor(name));
    const got = /** @type {Float32Array} */ (b.tensor(name));
    // A half has 11 significant bits down to 2^-14, then a fixed step of 2^-24.
    want.forEach((x, i) => assert.ok(Math.abs(got[i] - x) <= Math.max(Math.abs(x) * 2 ** -11, 2 ** -25), `${name}[${i}]: ${got[i]} for ${x}`));
  }
});

test('the engine runs float16 weights: top layer within cosine 0.9999 of float32 on the fixture', async (t) => {
  const { minCosine, maxAbsError } = await compareModels(f32.modelDir, f16Dir);
  t.diagnostic(`fixture, float16 vs float32 over 30 sentences: min cosine ${minCosine.toFixed(9)}, max abs error ${maxAbsError.toExponential(2)}; ` +
    `${f16Manifest.weights.byteLength} bytes of weights`);
  assert.ok(minCosine >= 0.9999, `min cosine ${minCosine}`);
  assert.ok(maxAbsError > 0, 'float16 really changes the numbers');
});

test('a float16 model computes exactly what a float32 model of the rounded weights computes, SIMD and scalar builds', async () => {
  // The fixture with every GEMM weight rounded to float16 and kept as float32.
  const options = JSON.parse(await readFile(optionsPath, 'utf8'));
  const gemm = new Set(expectedTensors(options).filter((s) => s.layout === 'panels8').map((s) => s.source));
  const roundedPath = join(f32.dir, 'rounded.hdf5');
  const [from, to] = [await openHdf5(weightsPath, 'r'), await openHdf5(roundedPath, 'w')];
  try {
    for (const path of from.paths()) {
      const dataset = getDataset(from, path);
      if (!dataset) continue;
      const values = /** @type {Float32Array} */ (dataset.value);
      ensureParentGroups(to, path);
      to.create_dataset({ name: path, data: gemm.has(path) ? values.map((x) => float16Value(float16Bits(x))) : values, shape: dataset.shape, dtype: '<f' });
    }
  } finally {
    from.close();
    to.close();
  }
  const roundedDir = join(f32.dir, 'rounded-f32');
  await convertModel(optionsPath, roundedPath, roundedDir);
  // The float16 model on the wasm SIMD build and on the scalar one (the float16 spec).
  const [a, b, c] = await Promise.all([Elmo.load(roundedDir), Elmo.load(f16Dir), Elmo.load(f16Dir, { simd: false })]);
  try {
    assert.equal(b.info.simd && !c.info.simd, true);
    const bytes = (/** @type {Float32Array} */ x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    // The 30 sentences as one batch (products of many rows), and one alone (the recurrent step is a GEMV).
    for (const batch of [sentences, sentences.slice(0, 1)]) {
      const want = await a.embed(batch);
      for (const [build, elmo] of [['SIMD', b], ['scalar', c]]) {
        const got = await elmo.embed(batch);
        got.forEach((r, i) => assert.ok(bytes(r.data).equals(bytes(want[i].data)), `${build}: sentence ${i} of ${batch.length}: other bits`));
      }
    }
  } finally {
    for (const elmo of [a, b, c]) elmo.dispose();
  }
});

test('the same on a generated model with weights of 1/sqrt(fan-in)', async (t) => {
  const options = {
    lstm: { use_skip_connections: true, projection_dim: 64, cell_clip: 3, proj_clip: 3, dim: 256, n_layers: 2 },
    char_cnn: {
      activation: 'relu', filters: [[1, 16], [2, 16], [3, 32], [4, 64]], n_highway: 1, embedding: { dim: 16 },
      n_characters: 262, max_characters_per_token: 50,
    },
  };
  const source = join(f32.dir, 'generated-source');
  await writeRandomModel(options, source, 0xf16);
  const [from, weights] = [join(source, 'options.json'), join(source, 'weights.hdf5')];
  const a = await convertModel(from, weights, join(f32.dir, 'generated-f32'));
  const b = await convertModel(from, weights, join(f32.dir, 'generated-f16'), { dtype: 'float16' });
  const { minCosine, maxAbsError } = await compareModels(join(f32.dir, 'generated-f32'), join(f32.dir, 'generated-f16'));
  t.diagnostic(`generated 2x256/64 model, float16 vs float32: min cosine ${minCosine.toFixed(9)}, max abs error ${maxAbsError.toExponential(2)}; ` +
    `${a.weights.byteLength} -> ${b.weights.byteLength} bytes of weights`);
  assert.ok(minCosine >= 0.9999, `min cosine ${minCosine}`);
});

test('the CLI converts with --dtype float16 and refuses a dtype it does not know', async () => {
  const out = join(f32.dir, 'cli-float16');
  const ok = await elmoWasm('convert', optionsPath, weightsPath, out, '--dtype', 'float16');
  assert.equal(ok.code, 0, ok.stderr);
  const { manifest } = await readModelDir(out);
  assert.equal(manifest.weights.byteLength, f16Manifest.weights.byteLength);
  const bad = await elmoWasm('convert', optionsPath, weightsPath, join(f32.dir, 'cli-bad'), '--dtype', 'float64');
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--dtype must be one of float32, float16, int8, got float64/);
});
