/**
 * The trainer's output files (js/node/train/bilm-hdf5.js,
 * js/train/options-json.js) against the bilm-tf fixture: the weight dump
 * written by us reads, converts and embeds exactly like bilm-tf's own.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { convertModel } from '../../js/node/convert/convert.js';
import { openHdf5 } from '../../js/node/io/hdf5.js';
import { bilmWeightDatasets, readBilmWeights, readSoftmax, writeBilmWeights, writeSoftmax } from '../../js/node/train/bilm-hdf5.js';
import { formatReleasedOptions, releasedOptions } from '../../js/train/options-json.js';
import { fixtureSentences, optionsPath, weightsPath } from './fixture.js';

/** @type {string} */
let dir;
/** @type {any} */
let options;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'elmo-wasm-train-hdf5-'));
  options = JSON.parse(await readFile(optionsPath, 'utf8'));
});
after(() => rm(dir, { recursive: true, force: true }));

/**
 * Every dataset's name, shape and HDF5 type description.
 * @param {string} path
 */
async function datasetLayout(path) {
  const file = await openHdf5(path, 'r');
  try {
    return file.paths().filter((p) => file.get(p)?.constructor?.name === 'Dataset').map((p) => {
      const d = /** @type {any} */ (file.get(p));
      const { type, size, littleEndian, chunks } = d.metadata;
      return { name: p, shape: d.shape, type, size, littleEndian, chunks, attrs: Object.keys(d.attrs) };
    });
  } finally {
    file.close();
  }
}

test("bilmWeightDatasets lists exactly the fixture's datasets and shapes", async () => {
  const fixture = await readBilmWeights(weightsPath);
  const specs = bilmWeightDatasets(options);
  assert.deepEqual(specs.map((s) => s.name).sort(), [...fixture.keys()].sort());
  for (const { name, shape } of specs) assert.deepEqual(shape, fixture.get(name)?.shape, name);
  // Other shapes bilm-tf can train: no CNN_proj when F = P, no W_P_0 when P = H, W_0 [P + H, 4H].
  const square = bilmWeightDatasets({ ...options, lstm: { ...options.lstm, projection_dim: 124, dim: 124 } });
  assert.ok(!square.some((s) => s.name.startsWith('CNN_proj') || s.name.endsWith('W_P_0')));
  assert.deepEqual(square.find((s) => s.name.endsWith('Cell0/LSTMCell/W_0'))?.shape, [248, 496]);
  assert.deepEqual(bilmWeightDatasets({ ...options, char_cnn: { ...options.char_cnn, n_characters: 261 } })[0], { name: 'char_embed', shape: [261, 4] });
});

test('the fixture rewritten by us: same datasets, shapes, dtype and values, nothing else; converts to identical shards; embeds identically', async () => {
  const fixture = await readBilmWeights(weightsPath);
  const ours = join(dir, 'ours', 'lm_weights.hdf5');
  await mkdir(join(dir, 'ours'));
  await writeBilmWeights(ours, fixture, options);

  assert.deepEqual(await datasetLayout(ours), await datasetLayout(weightsPath));
  const back = await readBilmWeights(ours);
  assert.deepEqual([...back.keys()], [...fixture.keys()]);
  for (const [name, { data }] of fixture) assert.deepEqual(back.get(name)?.data, data, name);
  const root = await openHdf5(ours, 'r');
  assert.deepEqual(Object.keys(root.attrs), []);
  root.close();

  const convert = (/** @type {string} */ weights, /** @type {string} */ out) => convertModel(optionsPath, weights, join(dir, out), { name: 'same', shardBytes: 4096 });
  const a = await convert(weightsPath, 'model-a');
  const b = await convert(ours, 'model-b');
  assert.deepEqual(b, a);
  const shards = await readdir(join(dir, 'model-a'));
  assert.deepEqual(await readdir(join(dir, 'model-b')), shards);
  assert.ok(shards.length > 3);
  for (const shard of shards) assert.ok((await readFile(join(dir, 'model-a', shard))).equals(await readFile(join(dir, 'model-b', shard))), shard);

  const sentences = (await fixtureSentences())[0].slice(0, 4).map((s) => s.split(' '));
  const [ea, eb] = await Promise.all([Elmo.load(join(dir, 'model-a'), { numThreads: 1 }), Elmo.load(join(dir, 'model-b'), { numThreads: 1 })]);
  try {
    const [ra, rb] = [await ea.embed(sentences), await eb.embed(sentences)];
    assert.equal(rb.length, 4);
    rb.forEach((r, i) => assert.deepEqual(r.data, ra[i].data, `sentence ${i}`));
  } finally {
    ea.dispose();
    eb.dispose();
  }
});

test('writeBilmWeights refuses a missing, extra, misshapen or non-finite tensor and leaves the old file whole', async () => {
  const fixture = await readBilmWeights(weightsPath);
  const path = join(dir, 'refused.hdf5');
  await writeBilmWeights(path, fixture, options);
  const before = await readFile(path);
  const without = new Map(fixture);
  without.delete('CNN_high_1/b_carry');
  await assert.rejects(writeBilmWeights(path, without, options), /refused\.hdf5: no tensor for dataset "CNN_high_1\/b_carry" \(shape \[124\]\)/);
  await assert.rejects(writeBilmWeights(path, new Map([...fixture, ['softmax/W', { shape: [1], data: new Float32Array(1) }]]), options), /tensor "softmax\/W" is not a dataset of bilm-tf's dump/);
  const wrong = new Map(fixture).set('CNN_proj/b_proj', { shape: [17], data: new Float32Array(17) });
  await assert.rejects(writeBilmWeights(path, wrong, options), /tensor "CNN_proj\/b_proj" has shape \[17\], expected \[16\]/);
  const nan = new Float32Array(16);
  nan[5] = NaN;
  await assert.rejects(writeBilmWeights(path, new Map(fixture).set('CNN_proj/b_proj', { shape: [16], data: nan }), options), /"CNN_proj\/b_proj" holds NaN at index 5/);
  assert.ok((await readFile(path)).equals(before));
  assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), []);
});

test('an out-dir that cannot hold the file is a clear error and leaves nothing behind', async () => {
  // A file where the folder should be: refused even for root, who may write anywhere else.
  const notADir = join(dir, 'not-a-dir');
  await writeFile(notADir, 'x');
  const softmax = { W: { shape: [3, 2], data: new Float32Array(6) }, b: { shape: [3], data: new Float32Array(3) } };
  await assert.rejects(writeSoftmax(join(notADir, 'softmax.hdf5'), softmax), /^Error: cannot write .*not-a-dir\/softmax\.hdf5: cannot create HDF5 file .*not-a-dir\/\.softmax\.hdf5\.\d+\.tmp/);
  assert.equal(await readFile(notADir, 'utf8'), 'x');
});

test('softmax.hdf5: W [V, P] and b [V] round trip; disagreeing shapes refused', async () => {
  const W = { shape: [5, 3], data: Float32Array.from({ length: 15 }, (_, i) => i / 7 - 1) };
  const b = { shape: [5], data: Float32Array.from([0.5, -1, 2, 0, 3e-8]) };
  const path = join(dir, 'softmax.hdf5');
  await writeSoftmax(path, { W, b });
  assert.deepEqual(await readSoftmax(path), { W, b });
  assert.deepEqual((await datasetLayout(path)).map(({ name, shape, type, size }) => [name, shape, type, size]), [['W', [5, 3], 1, 4], ['b', [5], 1, 4]]);
  await assert.rejects(writeSoftmax(path, { W, b: { shape: [4], data: new Float32Array(4) } }), /softmax\.hdf5: tensor "b" has shape \[4\], expected \[5\]/);
  await assert.rejects(readSoftmax(weightsPath), /lm_weights\.hdf5: missing dataset "W"/);
});

test('options.json: the released form, byte for byte as the fixture; training options become it', async () => {
  assert.equal(formatReleasedOptions(options), await readFile(optionsPath, 'utf8'));
  const training = {
    bidirectional: true, dropout: 0.1, batch_size: 128, n_tokens_vocab: 793471, unroll_steps: 20, n_negative_samples_batch: 8192, all_clip_norm_val: 10,
    char_cnn: { activation: 'relu', embedding: { dim: 16 }, filters: [[1, 32], [2, 32]], max_characters_per_token: 50, n_characters: 261, n_highway: 2 },
    lstm: { cell_clip: 3, dim: 4096, n_layers: 2, proj_clip: 3, projection_dim: 512, use_skip_connections: true },
  };
  assert.equal(
    formatReleasedOptions(training),
    '{"lstm": {"cell_clip": 3, "use_skip_connections": true, "n_layers": 2, "proj_clip": 3, "projection_dim": 512, "dim": 4096}, ' +
      '"char_cnn": {"embedding": {"dim": 16}, "filters": [[1, 32], [2, 32]], "n_highway": 2, "n_characters": 262, "max_characters_per_token": 50, "activation": "relu"}}\n',
  );
  assert.throws(() => releasedOptions({ lstm: {}, char_cnn: {} }), /options\.lstm\.n_layers is missing/);
  assert.throws(() => releasedOptions({ ...training, char_cnn: { ...training.char_cnn, activation: 'gelu' } }), /activation must be "relu" or "tanh"/);
});
