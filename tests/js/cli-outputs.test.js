/**
 * `elmo-wasm embed` output formats (.npy with its index, JSON lines, stdin and
 * stdout, AllenNLP's sentence keys) and `elmo-wasm info`, each compared with
 * what the JS API gives for the same sentences.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Elmo, pool, selectLayers } from '../../js/index.js';
import { openHdf5 } from '../../js/node/io/hdf5.js';
import { convertFixture, fixtureSentences } from './fixture.js';
import { elmoWasm, elmoWasmWithInput } from './run-cli.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let work;
/** @type {Elmo} */
let elmo;
/** @type {string[]} */
let sentences;
/** @type {Array<{ shape: number[], data: Float32Array }>} all layers of each sentence, stateless */
let expected;
let input = '';
before(async () => {
  work = await convertFixture();
  elmo = await Elmo.load(work.modelDir);
  sentences = (await fixtureSentences())[1].slice(0, 4);
  expected = await elmo.embed(sentences.map((s) => s.split(' ')));
  input = join(work.dir, 'input.txt');
  await writeFile(input, sentences.join('\n') + '\n');
});
after(async () => {
  elmo.dispose();
  await work.cleanup();
});

/**
 * A minimal .npy reader (version 1.0, little-endian float32, C order).
 * @param {string} path
 */
async function readNpy(path) {
  const bytes = await readFile(path);
  assert.equal(bytes.subarray(0, 6).toString('latin1'), '\x93NUMPY');
  const headerLength = bytes.readUInt16LE(8);
  assert.equal((10 + headerLength) % 64, 0, 'data starts 64-byte aligned');
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  assert.match(header, /'descr': '<f4', 'fortran_order': False/);
  const shape = /** @type {RegExpExecArray} */ (/'shape': \(([^)]*)\)/.exec(header))[1].split(',').filter((s) => s.trim()).map(Number);
  const body = bytes.subarray(10 + headerLength);
  return { shape, data: new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)) };
}

/** @param {string} name */
const out = (name) => join(work.dir, name);

test('.npy with --top: a row per token, sentences one after another, and an index of the rows', async () => {
  const r = await elmoWasm('embed', input, out('top.npy'), '--model', work.modelDir, '--top');
  assert.equal(r.code, 0, r.stderr);
  const lengths = expected.map((e) => e.shape[1]);
  const total = lengths.reduce((a, b) => a + b);
  const npy = await readNpy(out('top.npy'));
  assert.deepEqual(npy.shape, [total, 32]);
  const index = JSON.parse(await readFile(out('top.index.json'), 'utf8'));
  assert.deepEqual(index.sentences, sentences);
  assert.deepEqual(index.tokens, lengths);
  expected.forEach((e, s) => {
    const rows = npy.data.subarray(index.firstRow[s] * 32, (index.firstRow[s] + lengths[s]) * 32);
    assert.deepEqual(rows, selectLayers(e, 'top').data, `sentence ${s}`);
  });
});

test('.npy with --all is token-major (total_tokens, n_layers + 1, 2P)', async () => {
  const r = await elmoWasm('embed', input, out('all.npy'), '--model', work.modelDir);
  assert.equal(r.code, 0, r.stderr);
  const npy = await readNpy(out('all.npy'));
  const [, n, dim] = expected[0].shape;
  assert.equal(npy.shape[1], 3);
  for (let l = 0; l < 3; l++) {
    for (let t = 0; t < n; t++) {
      const want = expected[0].data.subarray((l * n + t) * dim, (l * n + t + 1) * dim);
      assert.deepEqual(npy.data.subarray((t * 3 + l) * dim, (t * 3 + l + 1) * dim), want, `layer ${l}, token ${t}`);
    }
  }
});

test('.npy with --pooling: a row per sentence', async () => {
  const r = await elmoWasm('embed', input, out('pooled.npy'), '--model', work.modelDir, '--average', '--pooling', 'mean');
  assert.equal(r.code, 0, r.stderr);
  const npy = await readNpy(out('pooled.npy'));
  assert.deepEqual(npy.shape, [4, 32]);
  expected.forEach((e, s) => assert.deepEqual(npy.data.subarray(s * 32, (s + 1) * 32), pool(selectLayers(e, 'average'), 'mean')));
});

test('JSON lines from stdin to stdout carry exactly the float32 values', async () => {
  const r = await elmoWasmWithInput(sentences.join('\n'), 'embed', '-', '-', '--model', work.modelDir, '--top', '--normalize');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /wrote -: 4 sentences/, 'the summary goes to stderr');
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 4);
  lines.forEach((line, s) => {
    assert.equal(line.index, s);
    assert.equal(line.sentence, sentences[s]);
    assert.deepEqual(line.tokens, sentences[s].split(' '));
    assert.deepEqual(line.shape, [expected[s].shape[1], 32]);
    const top = selectLayers(expected[s], 'top').data;
    const got = Float32Array.from(line.embedding.flat());
    for (let t = 0; t < line.shape[0]; t++) {
      const row = top.subarray(t * 32, (t + 1) * 32);
      const norm = Math.hypot(...row);
      row.forEach((v, i) => assert.ok(Math.abs(got[t * 32 + i] - v / norm) < 1e-6));
    }
  });
});

test('--format overrides the extension; an unknown extension is refused by name', async () => {
  const r = await elmoWasm('embed', input, out('vectors.out'), '--model', work.modelDir, '--format', 'jsonl', '--top');
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await readFile(out('vectors.out'), 'utf8')).trim().split('\n').length, 4);
  const bad = await elmoWasm('embed', input, out('vectors.bin'), '--model', work.modelDir);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /cannot tell the output format of ".*vectors\.bin": name it \.hdf5, \.h5, \.npy or \.jsonl, or give --format/);
});

test('--use-sentence-keys names the HDF5 datasets by the sentences, without sentence_to_index', async () => {
  const r = await elmoWasm('embed', input, out('keys.hdf5'), '--model', work.modelDir, '--use-sentence-keys', '--top');
  assert.equal(r.code, 0, r.stderr);
  const file = await openHdf5(out('keys.hdf5'), 'r');
  try {
    assert.deepEqual(file.keys().sort(), [...sentences].sort());
    const d = /** @type {any} */ (file.get(sentences[2]));
    assert.deepEqual(Float32Array.from(d.value), selectLayers(expected[2], 'top').data);
  } finally {
    file.close();
  }
  const dup = out('dup.txt');
  await writeFile(dup, `${sentences[0]}\n${sentences[1]}\n${sentences[0]}\n`);
  const twice = await elmoWasm('embed', dup, out('dup.hdf5'), '--model', work.modelDir, '--use-sentence-keys');
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /line 3 repeats line 1/);
  const npy = await elmoWasm('embed', input, out('k.npy'), '--model', work.modelDir, '--use-sentence-keys');
  assert.match(npy.stderr, /sentence keys are for HDF5 output, not npy/);
});

test('a failed run leaves no output behind', async () => {
  const r = await elmoWasm('embed', input, out('failed.npy'), '--model', join(work.dir, 'no-such-model'));
  assert.equal(r.code, 1);
  await assert.rejects(stat(out('failed.npy')), /ENOENT/);
  await assert.rejects(stat(out('failed.index.json')), /ENOENT/);
});

test('info prints name, shapes, layers, weight bytes and shard count', async () => {
  const manifest = JSON.parse(await readFile(join(work.modelDir, 'manifest.json'), 'utf8'));
  const r = await elmoWasm('info', work.modelDir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^name +model$/m);
  assert.match(r.stdout, /^layers +3 outputs: the token layer \+ 2 biLSTM layers$/m);
  assert.match(r.stdout, /^output shape +\(3, n_tokens, 32\)/m);
  assert.match(r.stdout, /^biLSTM +2 x 64 cells, projection 16$/m);
  assert.match(r.stdout, new RegExp(`^weight bytes +${manifest.weights.byteLength} `, 'm'));
  assert.match(r.stdout, new RegExp(`^shards +${manifest.shards.length} of at most`, 'm'));
  const missing = await elmoWasm('info', work.dir);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /is not a model directory: it has no manifest\.json/);
});
