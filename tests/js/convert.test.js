// The converter against the real bilm-tf fixture: the model directory it
// writes must hold every tensor exactly as models/FORMAT.md lays it out, and
// every way the inputs can be wrong must fail loudly and leave nothing behind.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { convertModel, expectedTensors } from '../../js/node/convert/convert.js';
import { ensureParentGroups, getDataset, openHdf5 } from '../../js/node/io/hdf5.js';
import { parseManifest } from '../../js/format/model-format.js';
import { unpackTensor } from '../../js/format/weight-packing.js';

const FIXTURE = fileURLToPath(new URL('../../../shared/fixtures/bilm-tf-tiny/', import.meta.url));
const OPTIONS = join(FIXTURE, 'options.json');
const WEIGHTS = join(FIXTURE, 'lm_weights.hdf5');
const PKG = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));

// The fixture's numbers (its README), written out rather than derived, so a
// layout bug cannot hide behind the same computation in the code under test.
const FILTERS = [[1, 4], [2, 8], [3, 16], [4, 32], [5, 64]];
const F = 124, P = 16, H = 64, D = 4, C = 262;
const CELL = (/** @type {number} */ dir, /** @type {number} */ l) => `RNN_${dir}/RNN/MultiRNNCell/Cell${l}/LSTMCell`;

/** @type {Array<[string, number[]]>} */
const FIXTURE_TENSORS = [
  ['char_embed', [C, D]],
  ...FILTERS.flatMap(([w, n], i) => [[`cnn/W_${i}`, [w * D, n]], [`cnn/b_${i}`, [n]]]),
  ...[0, 1].flatMap((k) => [
    [`highway/${k}/W_carry`, [F, F]], [`highway/${k}/b_carry`, [F]],
    [`highway/${k}/W_transform`, [F, F]], [`highway/${k}/b_transform`, [F]],
  ]),
  ['proj/W', [F, P]], ['proj/b', [P]],
  ...[0, 1].flatMap((dir) => [0, 1].flatMap((l) => [
    [`lstm/${dir}/${l}/W_x`, [P, 4 * H]], [`lstm/${dir}/${l}/W_h`, [P, 4 * H]],
    [`lstm/${dir}/${l}/b`, [4 * H]], [`lstm/${dir}/${l}/W_proj`, [H, P]],
  ])),
].map(([name, shape]) => /** @type {[string, number[]]} */ ([name, shape]));

/** Every dataset of the fixture, read once: path → { data, shape }. */
/** @type {Map<string, { data: Float32Array, shape: number[] }>} */
const source = new Map();

/**
 * What tensor `name` must hold, from the fixture's datasets, per FORMAT.md.
 * @param {string} name
 * @returns {Float32Array}
 */
function expectedValues(name) {
  const get = (/** @type {string} */ path) => {
    const s = source.get(path);
    assert.ok(s, `fixture has ${path}`);
    return s.data;
  };
  let m;
  if (name === 'char_embed') {
    const rows = get('char_embed');
    const out = new Float32Array(D + rows.length);
    out.set(rows, D);
    return out;
  }
  if ((m = /^cnn\/([Wb])_(\d)$/.exec(name))) return get(`CNN/${m[1]}_cnn_${m[2]}`);
  if ((m = /^highway\/(\d)\/(\w+)$/.exec(name))) return get(`CNN_high_${m[1]}/${m[2]}`);
  if (name === 'proj/W') return get('CNN_proj/W_proj');
  if (name === 'proj/b') return get('CNN_proj/b_proj');
  if ((m = /^lstm\/(\d)\/(\d)\/(\w+)$/.exec(name))) {
    const cell = CELL(Number(m[1]), Number(m[2]));
    const w0 = get(`${cell}/W_0`);
    if (m[3] === 'W_x') return w0.subarray(0, P * 4 * H);
    if (m[3] === 'W_h') return w0.subarray(P * 4 * H);
    if (m[3] === 'b') return get(`${cell}/B`);
    if (m[3] === 'W_proj') return get(`${cell}/W_P_0`);
  }
  throw new Error(`test does not know tensor ${name}`);
}

/**
 * @typedef {object} WeightEdits
 * @property {string[]} [omit] datasets left out
 * @property {Record<string, { data: Float32Array | Float64Array, shape: number[] }>} [replace] datasets added or replaced
 */

/**
 * A weight file made of the fixture's datasets, edited.
 * @param {string} path
 * @param {WeightEdits} edits
 */
async function writeWeights(path, { omit = [], replace = {} }) {
  const f = await openHdf5(path, 'w');
  try {
    const all = new Map([...source].filter(([name]) => !omit.includes(name)));
    for (const [name, value] of Object.entries(replace)) all.set(name, /** @type {any} */ (value));
    for (const [name, { data, shape }] of all) {
      ensureParentGroups(f, name);
      f.create_dataset({ name, data, shape, dtype: data instanceof Float64Array ? '<d' : '<f' });
    }
  } finally {
    f.close();
  }
}

/** @param {string} path */
const sha256 = async (path) => createHash('sha256').update(await readFile(path)).digest('hex');

/** @param {string} path */
async function exists(path) {
  try {
    await readdir(path);
    return true;
  } catch {
    return false;
  }
}

/** @param {string} dir the model directory; returns the whole weight region */
async function readRegion(dir, /** @type {any} */ manifest) {
  const parts = [];
  for (const shard of manifest.shards) parts.push(await readFile(join(dir, shard.path)));
  return Buffer.concat(parts);
}

/** @param {{ shape: number[], layout?: string }} t bytes the tensor takes in the region */
function storedBytes(t) {
  const [k, n = 1] = t.shape;
  return 4 * (t.layout === 'panels8' ? k * Math.ceil(n / 8) * 8 : k * n);
}

/**
 * Float positions within a packed tensor that hold real values (not panel padding).
 * @param {{ shape: number[] }} t
 */
function panelValuePositions(t) {
  const [k, n] = t.shape;
  const positions = [];
  for (let q = 0; q < Math.ceil(n / 8); q++) {
    for (let p = 0; p < k; p++) for (let c = 0; c < Math.min(8, n - 8 * q); c++) positions.push((q * k + p) * 8 + c);
  }
  return positions;
}

let root = '';
/** @type {string} one conversion with the default shard size, shared by several tests */
let defaultDir = '';
/** @type {any} */
let defaultManifest;
/** @type {Array<{ stage: string, name: string, done: number, total: number }>} */
const progress = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'elmo-convert-test-'));
  const f = await openHdf5(WEIGHTS, 'r');
  try {
    for (const path of f.paths()) {
      const d = getDataset(f, path);
      if (d) source.set(path, { data: /** @type {Float32Array} */ (d.value), shape: /** @type {number[]} */ (d.shape) });
    }
  } finally {
    f.close();
  }
  defaultDir = join(root, 'bilm-tf-tiny');
  defaultManifest = await convertModel(OPTIONS, WEIGHTS, defaultDir, { onProgress: (p) => progress.push(p) });
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('convertModel on bilm-tf-tiny', () => {
  test('writes the manifest FORMAT.md describes', async () => {
    const m = defaultManifest;
    assert.equal(m.format, 'elmo-wasm-model');
    assert.equal(m.version, 1);
    assert.equal(m.name, 'bilm-tf-tiny');
    assert.deepEqual(m.options, JSON.parse(await readFile(OPTIONS, 'utf8')));
    assert.deepEqual(m.source, { options: 'options.json', weights: 'lm_weights.hdf5', converter: `elmo-wasm ${PKG.version}` });
    assert.equal(m.weights.shardBytes, 4 * 1024 * 1024);
    assert.deepEqual(m.weights.tensors.map((/** @type {any} */ t) => [t.name, t.shape]), FIXTURE_TENSORS);
    assert.ok(m.weights.tensors.every((/** @type {any} */ t) => t.dtype === 'float32'));
    // GEMM weights are packed in 8-column panels; the char embedding and vectors stay row-major.
    for (const t of m.weights.tensors) {
      assert.equal(t.layout, t.shape.length === 2 && t.name !== 'char_embed' ? 'panels8' : undefined, t.name);
    }
    assert.deepEqual(m.shards.map((/** @type {any} */ s) => s.path), ['weights-00001-of-00001.bin']);

    const onDisk = await readFile(join(defaultDir, 'manifest.json'), 'utf8');
    assert.deepEqual(JSON.parse(onDisk), m);
    assert.doesNotThrow(() => parseManifest(onDisk), 'the JS loader accepts it');
    assert.deepEqual((await readdir(defaultDir)).sort(), ['manifest.json', 'weights-00001-of-00001.bin']);
  });

  test('places tensors 64-byte aligned, in order, without overlap, ending at byteLength', () => {
    const { tensors, byteLength } = defaultManifest.weights;
    let end = 0;
    for (const t of tensors) {
      assert.equal(t.offset % 64, 0, `${t.name} offset ${t.offset}`);
      assert.ok(t.offset >= end, `${t.name} overlaps the tensor before it`);
      assert.ok(t.offset - end < 64, `${t.name} leaves a gap of ${t.offset - end} bytes`);
      end = t.offset + storedBytes(t);
    }
    assert.equal(byteLength, end);
    // Worked out by hand from the fixture's shapes: columns padded to panels of 8, 64-byte alignment.
    assert.equal(byteLength, 428672);
  });

  test('reports progress once per tensor', () => {
    assert.equal(progress.length, FIXTURE_TENSORS.length);
    progress.forEach((p, i) => {
      assert.deepEqual(p, { stage: 'tensor', name: FIXTURE_TENSORS[i][0], done: i + 1, total: FIXTURE_TENSORS.length });
    });
  });

  test('expectedTensors is the layout the manifest has', async () => {
    const specs = expectedTensors(JSON.parse(await readFile(OPTIONS, 'utf8')));
    assert.deepEqual(specs.map((s) => [s.name, s.shape]), FIXTURE_TENSORS);
    const wx = specs.find((s) => s.name === 'lstm/1/1/W_x');
    assert.equal(wx?.source, `${CELL(1, 1)}/W_0`);
    assert.deepEqual(wx?.rows, [0, P]);
  });

  test('small shards: a tensor spans several shards, every byte is the transformed source', async () => {
    const dir = join(root, 'small-shards');
    const m = await convertModel(OPTIONS, WEIGHTS, dir, { shardBytes: 10000, name: 'tiny' });
    assert.equal(m.name, 'tiny');
    const count = Math.ceil(m.weights.byteLength / 10000);
    assert.equal(m.shards.length, count);
    assert.ok(count > 40);
    let total = 0;
    for (const [i, s] of m.shards.entries()) {
      assert.equal(s.path, `weights-${String(i + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}.bin`);
      assert.equal(s.byteLength, i < count - 1 ? 10000 : m.weights.byteLength - 10000 * (count - 1));
      assert.equal(s.sha256, await sha256(join(dir, s.path)), `${s.path} hash`);
      total += s.byteLength;
    }
    assert.equal(total, m.weights.byteLength);
    assert.deepEqual((await readdir(dir)).length, count + 1);

    const region = await readRegion(dir, m);
    assert.equal(region.length, m.weights.byteLength);
    assert.ok(region.equals(await readRegion(defaultDir, defaultManifest)), 'same region whatever the shard size');

    const covered = new Uint8Array(region.length);
    for (const t of m.weights.tensors) {
      const want = expectedValues(t.name);
      assert.equal(want.length, t.shape.reduce((/** @type {number} */ a, /** @type {number} */ b) => a * b, 1), t.name);
      const byteLength = storedBytes(t);
      const stored = new Float32Array(region.buffer.slice(region.byteOffset + t.offset, region.byteOffset + t.offset + byteLength));
      assert.deepEqual(unpackTensor(stored, t), want, `${t.name} bytes`);
      if (t.layout === 'panels8') {
        // Panel q, row p, column c sits at (q * k + p) * 8 + c: spot-check the last real column.
        const [k, n] = t.shape;
        const q = Math.floor((n - 1) / 8);
        assert.equal(stored[(q * k + (k - 1)) * 8 + ((n - 1) % 8)], want[(k - 1) * n + n - 1], `${t.name} last element`);
      }
      // Panel padding columns are zero like the gaps; only real values count as covered.
      const unpackedPositions = t.layout === 'panels8' ? panelValuePositions(t) : null;
      if (unpackedPositions) for (const i of unpackedPositions) covered.fill(1, t.offset + 4 * i, t.offset + 4 * i + 4);
      else covered.fill(1, t.offset, t.offset + byteLength);
    }
    for (let i = 0; i < region.length; i++) {
      if (!covered[i]) assert.equal(region[i], 0, `gap byte ${i} is zero`);
    }
    // The padding row really is zero and the learned PAD row (shifted id 261) is not.
    const embed = new Float32Array(region.buffer.slice(region.byteOffset, region.byteOffset + C * D * 4));
    assert.deepEqual([...embed.subarray(0, D)], [0, 0, 0, 0]);
    assert.ok(embed.subarray(261 * D, 262 * D).some((x) => x !== 0));
  });
});

describe('convertModel output directory', () => {
  test('replaces an existing model directory, dropping its old shards', async () => {
    const dir = join(root, 'replace');
    await convertModel(OPTIONS, WEIGHTS, dir, { shardBytes: 100000 });
    assert.equal((await readdir(dir)).length, 6);
    await convertModel(OPTIONS, WEIGHTS, dir);
    assert.deepEqual((await readdir(dir)).sort(), ['manifest.json', 'weights-00001-of-00001.bin']);
    assert.deepEqual((await readdir(root)).filter((e) => e.startsWith('.')), [], 'no scratch directories left');
  });

  test('fills an existing empty directory and creates missing parents', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    await convertModel(OPTIONS, WEIGHTS, empty);
    assert.ok((await readdir(empty)).includes('manifest.json'));
    const deep = join(root, 'a', 'b', 'model');
    await convertModel(OPTIONS, WEIGHTS, deep);
    assert.ok((await readdir(deep)).includes('manifest.json'));
  });

  test('refuses a non-empty directory that is not a model, and a file', async () => {
    const dir = join(root, 'precious');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    await assert.rejects(convertModel(OPTIONS, WEIGHTS, dir), /precious is not empty and is not an elmo-wasm model directory/);
    assert.deepEqual(await readdir(dir), ['notes.txt']);

    // A model directory with a stranger in it is not replaced either.
    const mixed = join(root, 'mixed');
    await convertModel(OPTIONS, WEIGHTS, mixed);
    await writeFile(join(mixed, 'README'), 'mine');
    await assert.rejects(convertModel(OPTIONS, WEIGHTS, mixed), /not an elmo-wasm model directory/);
    assert.equal(await readFile(join(mixed, 'README'), 'utf8'), 'mine');

    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    await assert.rejects(convertModel(OPTIONS, WEIGHTS, file), /a-file exists and is not a directory/);
  });
});

describe('convertModel refuses bad inputs and leaves nothing behind', () => {
  /** @type {string} */
  let inputs;
  /** @type {string} */
  let outputs;
  before(async () => {
    inputs = join(root, 'bad-inputs');
    await mkdir(inputs);
  });

  /**
   * @param {string} label
   * @param {{ options?: (o: any) => void, optionsText?: string, weights?: WeightEdits, weightsBytes?: Uint8Array, noWeights?: boolean, dtype?: import('../../js/format/model-format.js').GemmDtype }} setup
   * @param {RegExp} message
   */
  const refuses = (label, setup, message) =>
    test(label, async () => {
      const slug = label.replace(/\W+/g, '-');
      const optionsPath = join(inputs, `${slug}.options.json`);
      const weightsPath = join(inputs, `${slug}.hdf5`);
      const options = JSON.parse(await readFile(OPTIONS, 'utf8'));
      setup.options?.(options);
      await writeFile(optionsPath, setup.optionsText ?? JSON.stringify(options));
      if (setup.weightsBytes) await writeFile(weightsPath, setup.weightsBytes);
      else if (!setup.noWeights) await writeWeights(weightsPath, setup.weights ?? {});

      outputs = join(root, `out-${slug}`);
      await mkdir(outputs);
      const outDir = join(outputs, 'parent', 'model');
      await assert.rejects(convertModel(optionsPath, weightsPath, outDir, { shardBytes: 4096, dtype: setup.dtype }), (err) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, message);
        return true;
      });
      assert.equal(await exists(outDir), false, 'no output directory');
      assert.deepEqual(await readdir(outputs), [], 'no scratch or parent directory left');
    });

  refuses('a missing dataset', { weights: { omit: ['CNN_high_1/W_carry'] } },
    /a-missing-dataset\.hdf5: missing dataset "CNN_high_1\/W_carry" \(options\.char_cnn\.n_highway=2/);

  refuses('a dataset of the wrong shape', {
    weights: { replace: { [`${CELL(0, 1)}/W_0`]: { data: new Float32Array(32 * 128), shape: [32, 128] } } },
  }, /: dataset "RNN_0\/RNN\/MultiRNNCell\/Cell1\/LSTMCell\/W_0" has shape \[32,128\], expected \[32,256\] \(from options\.lstm\.dim=64, projection_dim=16/);

  refuses('a float64 dataset', {
    weights: { replace: { 'CNN/b_cnn_2': { data: new Float64Array(16), shape: [16] } } },
  }, /dataset "CNN\/b_cnn_2" has dtype float64, expected float32/);

  refuses('a char_embed with neither C-1 nor C rows', {
    weights: { replace: { char_embed: { data: new Float32Array(260 * 4), shape: [260, 4] } } },
  }, /dataset "char_embed" has shape \[260,4\], expected \[261,4\] or \[262,4\] \(from options\.char_cnn\.n_characters=262/);

  refuses('options.lstm.dim that does not match the file', { options: (o) => { o.lstm.dim = 32; } },
    /dataset "RNN_0\/RNN\/MultiRNNCell\/Cell0\/LSTMCell\/W_0" has shape \[32,256\], expected \[32,128\] \(from options\.lstm\.dim=32/);

  refuses('options.char_cnn.n_highway smaller than the file has', { options: (o) => { o.char_cnn.n_highway = 1; } },
    /dataset "CNN_high_1\/W_carry" is not used by a model with these options/);

  refuses('options.lstm.n_layers larger than the file has', { options: (o) => { o.lstm.n_layers = 3; } },
    /missing dataset "RNN_0\/RNN\/MultiRNNCell\/Cell2\/LSTMCell\/W_0" \(options\.lstm\.dim=64, projection_dim=16, n_layers=3\)/);

  refuses('a filter list that does not match the file', { options: (o) => { o.char_cnn.filters[1] = [2, 9]; } },
    /dataset "CNN\/W_cnn_1" has shape \[1,2,4,8\], expected \[1,2,4,9\] \(from options\.char_cnn\.filters\[1\]=\[2,9\]/);

  refuses('a missing options field', { options: (o) => { delete o.lstm.projection_dim; } },
    /^[\w-]+\.options\.json: options\.lstm\.projection_dim must be a positive integer, got nothing \(missing\)/);

  refuses('an invalid options field', { options: (o) => { o.char_cnn.filters = [[1, 4], [2, 'eight']]; } },
    /options\.char_cnn\.filters\[1\] must be \[width, count\]/);

  refuses('options that are not JSON', { optionsText: '{"lstm": ' }, /options\.json is not valid JSON/);

  refuses('a weight file that is not HDF5', { weightsBytes: new TextEncoder().encode('not an HDF5 file at all, just text\n'.repeat(40)) },
    /a-weight-file-that-is-not-HDF5\.hdf5 is not an HDF5 file$/);

  refuses('an empty weight file', { weightsBytes: new Uint8Array(0) }, /is not an HDF5 file$/);

  refuses('a missing weight file', { noWeights: true }, /a-missing-weight-file\.hdf5: no such file$/);

  /** A [124, 124] highway matrix of zeros but one value at [3, 5]. @param {number} value */
  const highwayWith = (value) => {
    const data = new Float32Array(F * F);
    data[3 * F + 5] = value;
    return { 'CNN_high_1/W_transform': { data, shape: [F, F] } };
  };
  refuses('a weight past float16\'s range, as float16', { weights: { replace: highwayWith(65520) }, dtype: 'float16' },
    /dataset "CNN_high_1\/W_transform" \(tensor "highway\/1\/W_transform"\): value 65520 at \[3, 5\] is beyond float16's range \(±65504\); convert with --dtype float32 or int8$/);
  refuses('a weight that is not finite, as float16', { weights: { replace: highwayWith(-Infinity) }, dtype: 'float16' },
    /\(tensor "highway\/1\/W_transform"\): value -Infinity at \[3, 5\] is not finite/);
  refuses('a weight past bfloat16\'s range, as bfloat16', { weights: { replace: highwayWith(-3.4e38) }, dtype: 'bfloat16' },
    /dataset "CNN_high_1\/W_transform" \(tensor "highway\/1\/W_transform"\): value -3\.39999\d*e\+38 at \[3, 5\] is beyond bfloat16's range \(±3\.39e38\); convert with --dtype float32 or int8$/);
  refuses('a weight that is not finite, as bfloat16', { weights: { replace: highwayWith(NaN) }, dtype: 'bfloat16' },
    /\(tensor "highway\/1\/W_transform"\): value NaN at \[3, 5\] is not finite/);

  test('a bad shardBytes', async () => {
    await assert.rejects(convertModel(OPTIONS, WEIGHTS, join(root, 'never'), { shardBytes: 0 }), /shardBytes must be a positive integer/);
    assert.equal(await exists(join(root, 'never')), false);
  });
});

describe('convertModel on a model without CNN_proj', () => {
  // Filter total F = 8 = projection_dim, no highway, one layer, and a
  // char_embed that already has its zero row: FORMAT.md's optional cases.
  const options = {
    lstm: { cell_clip: 3, use_skip_connections: true, n_layers: 1, proj_clip: 3, projection_dim: 8, dim: 4 },
    char_cnn: { embedding: { dim: 2 }, filters: [[1, 3], [2, 5]], n_highway: 0, n_characters: 262, max_characters_per_token: 50, activation: 'tanh' },
  };
  let seed = 1;
  const random = (/** @type {number[]} */ shape) =>
    ({ data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5), shape });
  /** @type {Record<string, { data: Float32Array, shape: number[] }>} */
  const datasets = {
    char_embed: random([262, 2]),
    'CNN/W_cnn_0': random([1, 1, 2, 3]), 'CNN/b_cnn_0': random([3]),
    'CNN/W_cnn_1': random([1, 2, 2, 5]), 'CNN/b_cnn_1': random([5]),
    [`${CELL(0, 0)}/W_0`]: random([16, 16]), [`${CELL(0, 0)}/B`]: random([16]), [`${CELL(0, 0)}/W_P_0`]: random([4, 8]),
    [`${CELL(1, 0)}/W_0`]: random([16, 16]), [`${CELL(1, 0)}/B`]: random([16]), [`${CELL(1, 0)}/W_P_0`]: random([4, 8]),
  };

  /** @param {string} dir @param {Record<string, { data: Float32Array, shape: number[] }>} sets */
  async function inputs(dir, sets, opts = options) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'options.json'), JSON.stringify(opts));
    const f = await openHdf5(join(dir, 'weights.hdf5'), 'w');
    for (const [name, { data, shape }] of Object.entries(sets)) {
      ensureParentGroups(f, name);
      f.create_dataset({ name, data, shape, dtype: '<f' });
    }
    f.close();
  }

  test('omits proj/*, takes char_embed as it is, splits W_0', async () => {
    const dir = join(root, 'noproj-in');
    await inputs(dir, datasets);
    const out = join(root, 'noproj');
    const m = await convertModel(join(dir, 'options.json'), join(dir, 'weights.hdf5'), out);
    assert.deepEqual(m.weights.tensors.map((/** @type {any} */ t) => [t.name, t.shape]), [
      ['char_embed', [262, 2]], ['cnn/W_0', [2, 3]], ['cnn/b_0', [3]], ['cnn/W_1', [4, 5]], ['cnn/b_1', [5]],
      ['lstm/0/0/W_x', [8, 16]], ['lstm/0/0/W_h', [8, 16]], ['lstm/0/0/b', [16]], ['lstm/0/0/W_proj', [4, 8]],
      ['lstm/1/0/W_x', [8, 16]], ['lstm/1/0/W_h', [8, 16]], ['lstm/1/0/b', [16]], ['lstm/1/0/W_proj', [4, 8]],
    ]);
    const region = await readRegion(out, m);
    const tensor = (/** @type {string} */ name) => {
      const t = m.weights.tensors.find((/** @type {any} */ x) => x.name === name);
      assert.ok(t, name);
      return unpackTensor(new Float32Array(region.buffer.slice(region.byteOffset + t.offset, region.byteOffset + t.offset + storedBytes(t))), t);
    };
    assert.deepEqual(tensor('char_embed'), datasets.char_embed.data);
    assert.deepEqual(tensor('cnn/W_1'), datasets['CNN/W_cnn_1'].data);
    assert.deepEqual(tensor('lstm/1/0/W_x'), datasets[`${CELL(1, 0)}/W_0`].data.subarray(0, 128));
    assert.deepEqual(tensor('lstm/1/0/W_h'), datasets[`${CELL(1, 0)}/W_0`].data.subarray(128));
    assert.deepEqual(tensor('lstm/0/0/W_proj'), datasets[`${CELL(0, 0)}/W_P_0`].data);
  });

  test('needs CNN_proj when the filter total differs from projection_dim', async () => {
    const dir = join(root, 'noproj-bad-in');
    const wider = structuredClone(options);
    wider.char_cnn.filters[1] = [2, 6];
    await inputs(dir, { ...datasets, 'CNN/W_cnn_1': random([1, 2, 2, 6]), 'CNN/b_cnn_1': random([6]) }, wider);
    const out = join(root, 'noproj-bad');
    await assert.rejects(convertModel(join(dir, 'options.json'), join(dir, 'weights.hdf5'), out),
      /weights\.hdf5: missing dataset "CNN_proj\/W_proj" \(filter total F=9, options\.lstm\.projection_dim=8\)/);
    assert.equal(await exists(out), false);
  });

  test('expectedTensors refuses to drop the projection when F != P', () => {
    assert.throws(() => expectedTensors({ ...options, lstm: { ...options.lstm, projection_dim: 9 } }, { projection: false }), /F=8/);
  });
});

test('the fixture is where the tests expect it', () => {
  assert.equal(basename(FIXTURE), 'bilm-tf-tiny');
  assert.equal(source.size, 33, 'fixture datasets');
});
