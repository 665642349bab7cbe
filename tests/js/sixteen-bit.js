/**
 * The tests float16 and bfloat16 weights share (float16.test.js,
 * bfloat16.test.js, which add their formats' rounding by hand):
 * `convert --dtype` writes every GEMM weight in the format, at about half
 * the float32 bytes, each within half a step of its float32 value; the
 * engine computes from them exactly what it computes from float32 weights
 * holding the rounded values (SIMD and scalar builds), with top-layer
 * vectors within cosine 0.9999 of float32 — on the fixture (bilm-tf's own
 * weights) and on a generated model of weights 1/sqrt(fan-in).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { convertModel } from '../../js/node/convert/convert.js';
import { ensureParentGroups, getDataset, openHdf5 } from '../../js/node/io/hdf5.js';
import { expectedTensors } from '../../js/format/tensor-plan.js';
import { readModelDir } from '../bench/onnx-graph.js';
import { writeRandomModel } from '../bench/random-model.js';
import { compareTopLayers, convertFixture, fixtureSentences, optionsPath, weightsPath } from './fixture.js';
import { elmoWasm } from './run-cli.js';

/**
 * Embeds the sentences with two model directories; their top layers compared.
 * @param {string[][]} sentences
 * @param {string} wantDir
 * @param {string} gotDir
 */
async function compareModels(sentences, wantDir, gotDir) {
  const [a, b] = await Promise.all([Elmo.load(wantDir), Elmo.load(gotDir)]);
  try {
    return compareTopLayers(await a.embed(sentences), await b.embed(sentences));
  } finally {
    a.dispose();
    b.dispose();
  }
}

/**
 * Converts the fixture with every GEMM weight x replaced by round(x), kept
 * as float32, into `${dir}/${name}`.
 * @param {string} dir
 * @param {string} name
 * @param {(x: number) => number} round
 * @returns {Promise<string>} the model directory
 */
async function convertRoundedFixture(dir, name, round) {
  const options = JSON.parse(await readFile(optionsPath, 'utf8'));
  const gemm = new Set(expectedTensors(options).filter((s) => s.layout === 'panels8').map((s) => s.source));
  const roundedPath = join(dir, `${name}.hdf5`);
  const [from, to] = [await openHdf5(weightsPath, 'r'), await openHdf5(roundedPath, 'w')];
  try {
    for (const path of from.paths()) {
      const dataset = getDataset(from, path);
      if (!dataset) continue;
      const values = /** @type {Float32Array} */ (dataset.value);
      ensureParentGroups(to, path);
      to.create_dataset({ name: path, data: gemm.has(path) ? values.map(round) : values, shape: dataset.shape, dtype: '<f' });
    }
  } finally {
    from.close();
    to.close();
  }
  const modelDir = join(dir, name);
  await convertModel(optionsPath, roundedPath, modelDir);
  return modelDir;
}

/**
 * Asserts that the model in `dir`, on the wasm SIMD build and on the scalar
 * one (the spec), gives the bits of the float32 model in `wantDir`: for the
 * sentences as one batch (products of many rows) and for one alone (the
 * recurrent step is a GEMV).
 * @param {string} wantDir
 * @param {string} dir
 * @param {string[][]} sentences
 */
async function assertSameBits(wantDir, dir, sentences) {
  const [a, b, c] = await Promise.all([Elmo.load(wantDir), Elmo.load(dir), Elmo.load(dir, { simd: false })]);
  try {
    assert.equal(b.info.simd && !c.info.simd, true);
    const bytes = (/** @type {Float32Array} */ x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    for (const batch of [sentences, sentences.slice(0, 1)]) {
      const want = await a.embed(batch);
      for (const [build, elmo] of /** @type {Array<[string, Elmo]>} */ ([['SIMD', b], ['scalar', c]])) {
        const got = await elmo.embed(batch);
        got.forEach((r, i) => assert.ok(bytes(r.data).equals(bytes(want[i].data)), `${build}: sentence ${i} of ${batch.length}: other bits`));
      }
    }
  } finally {
    for (const elmo of [a, b, c]) elmo.dispose();
  }
}

/**
 * A generated 2x256/64 model with weights of 1/sqrt(fan-in), converted to
 * float32 and to `dtype` under `dir`.
 * @param {string} dir
 * @param {import('../../js/format/model-format.js').GemmDtype} dtype
 * @param {number} seed
 * @returns {Promise<{ f32Dir: string, dtypeDir: string, f32Bytes: number, dtypeBytes: number }>}
 */
async function convertGeneratedModel(dir, dtype, seed) {
  const options = {
    lstm: { use_skip_connections: true, projection_dim: 64, cell_clip: 3, proj_clip: 3, dim: 256, n_layers: 2 },
    char_cnn: {
      activation: 'relu', filters: [[1, 16], [2, 16], [3, 32], [4, 64]], n_highway: 1, embedding: { dim: 16 },
      n_characters: 262, max_characters_per_token: 50,
    },
  };
  const source = join(dir, `generated-source-${dtype}`);
  await writeRandomModel(options, source, seed);
  const [from, weights] = [join(source, 'options.json'), join(source, 'weights.hdf5')];
  const [f32Dir, dtypeDir] = [join(dir, `generated-f32-${dtype}`), join(dir, `generated-${dtype}`)];
  const a = await convertModel(from, weights, f32Dir);
  const b = await convertModel(from, weights, dtypeDir, { dtype });
  return { f32Dir, dtypeDir, f32Bytes: a.weights.byteLength, dtypeBytes: b.weights.byteLength };
}

/**
 * @typedef {object} SixteenBitFormat
 * @property {'float16' | 'bfloat16'} dtype
 * @property {(x: number) => number} bits the format's nearest value to a float32, as bits
 * @property {(h: number) => number} value the number bits stand for
 * @property {number} significantBits 11 for float16, 8 for bfloat16
 * @property {number} smallestStep the step below the smallest normal
 * @property {number} seed of the generated model
 */

/**
 * Registers the shared tests for one format; the returned object holds, once
 * the tests run, the float32 fixture conversion (with its temporary folder).
 * @param {SixteenBitFormat} format
 * @returns {{ f32: Awaited<ReturnType<typeof convertFixture>> }}
 */
export function sixteenBitTests({ dtype, bits, value, significantBits, smallestStep, seed }) {
  const state = /** @type {{ f32: Awaited<ReturnType<typeof convertFixture>> }} */ ({});
  let dir = '';
  /** @type {any} */
  let manifest;
  /** @type {string[][]} */
  let sentences;
  before(async () => {
    state.f32 = await convertFixture();
    dir = join(state.f32.dir, dtype);
    manifest = await convertModel(optionsPath, weightsPath, dir, { dtype });
    sentences = (await fixtureSentences()).flat().map((s) => s.split(' '));
  });
  after(() => state.f32.cleanup());

  test(`every GEMM weight is ${dtype} and the weights take about half the float32 bytes`, async () => {
    const { manifest: f32Manifest } = await readModelDir(state.f32.modelDir);
    for (const t of manifest.weights.tensors) assert.equal(t.dtype, t.layout === 'panels8' ? dtype : 'float32', t.name);
    const ratio = manifest.weights.byteLength / f32Manifest.weights.byteLength;
    assert.ok(ratio > 0.5 && ratio < 0.55, `${dtype} / float32 bytes = ${ratio}`);
  });

  test(`a ${dtype} tensor holds its float32 values to within half a ${dtype} step`, async () => {
    const a = await readModelDir(state.f32.modelDir);
    const b = await readModelDir(dir);
    for (const name of ['cnn/W_0', 'highway/1/W_carry', 'proj/W', 'lstm/1/1/W_h', 'lstm/0/0/W_proj']) {
      const want = /** @type {Float32Array} */ (a.tensor(name));
      const got = /** @type {Float32Array} */ (b.tensor(name));
      // significantBits down to the smallest normal, then a fixed step.
      const bound = (/** @type {number} */ x) => Math.max(Math.abs(x) * 2 ** -significantBits, smallestStep / 2);
      want.forEach((x, i) => assert.ok(Math.abs(got[i] - x) <= bound(x), `${name}[${i}]: ${got[i]} for ${x}`));
    }
  });

  test(`the engine runs ${dtype} weights: top layer within cosine 0.9999 of float32 on the fixture`, async (t) => {
    const { minCosine, maxAbsError } = await compareModels(sentences, state.f32.modelDir, dir);
    t.diagnostic(`fixture, ${dtype} vs float32 over 30 sentences: min cosine ${minCosine.toFixed(9)}, max abs error ${maxAbsError.toExponential(2)}; ` +
      `${manifest.weights.byteLength} bytes of weights`);
    assert.ok(minCosine >= 0.9999, `min cosine ${minCosine}`);
    assert.ok(maxAbsError > 0, `${dtype} really changes the numbers`);
  });

  test(`a ${dtype} model computes exactly what a float32 model of the rounded weights computes, SIMD and scalar builds`, async () => {
    const roundedDir = await convertRoundedFixture(state.f32.dir, `rounded-${dtype}`, (x) => value(bits(x)));
    await assertSameBits(roundedDir, dir, sentences);
  });

  test('the same on a generated model with weights of 1/sqrt(fan-in)', async (t) => {
    const { f32Dir, dtypeDir, f32Bytes, dtypeBytes } = await convertGeneratedModel(state.f32.dir, dtype, seed);
    const { minCosine, maxAbsError } = await compareModels(sentences, f32Dir, dtypeDir);
    t.diagnostic(`generated 2x256/64 model, ${dtype} vs float32: min cosine ${minCosine.toFixed(9)}, max abs error ${maxAbsError.toExponential(2)}; ` +
      `${f32Bytes} -> ${dtypeBytes} bytes of weights`);
    assert.ok(minCosine >= 0.9999, `min cosine ${minCosine}`);
  });

  test(`the CLI converts with --dtype ${dtype}`, async () => {
    const out = join(state.f32.dir, `cli-${dtype}`);
    const ok = await elmoWasm('convert', optionsPath, weightsPath, out, '--dtype', dtype);
    assert.equal(ok.code, 0, ok.stderr);
    const { manifest: written } = await readModelDir(out);
    assert.equal(written.weights.byteLength, manifest.weights.byteLength);
  });
  return state;
}
