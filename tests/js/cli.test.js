/**
 * The CLI as a user runs it: convert, then embed with each output layout.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { openHdf5 } from '../../js/node/io/hdf5.js';
import { convertFixture, fixtureSentences, maxAbsDiff, optionsPath, weightsPath } from './fixture.js';
import { elmoWasm } from './run-cli.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let work;
let modelDir = '';
let input = '';
/** @type {string[]} */
let sentences;
before(async () => {
  work = await convertFixture(); // only for its temporary folder; the CLI converts below
  modelDir = join(work.dir, 'cli-model');
  sentences = (await fixtureSentences())[0].slice(0, 5);
  input = join(work.dir, 'input.txt');
  await writeFile(input, sentences.join('\n') + '\n');
});
after(() => work.cleanup());

/** @param {string} path */
async function readOutput(path) {
  const file = await openHdf5(path, 'r');
  try {
    const keys = file.keys();
    /** @type {Record<string, { shape: number[], data: Float32Array }>} */
    const datasets = {};
    for (const key of keys.filter((k) => k !== 'sentence_to_index')) {
      const d = /** @type {any} */ (file.get(key));
      datasets[key] = { shape: d.shape, data: Float32Array.from(d.value) };
    }
    const index = /** @type {any} */ (file.get('sentence_to_index'));
    return { keys, datasets, sentenceToIndex: JSON.parse(index.value[0] ?? index.value) };
  } finally {
    file.close();
  }
}

test('convert writes a model directory', async () => {
  const r = await elmoWasm('convert', optionsPath, weightsPath, modelDir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*cli-model: 37 tensors/);
});

test('embed --all writes AllenNLP layout with the API numbers', async () => {
  const out = join(work.dir, 'all.hdf5');
  const r = await elmoWasm('embed', input, out, '--model', modelDir, '--batch-size', '2');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /5 sentences, \d+ tokens .* tokens\/s/);
  const { keys, datasets, sentenceToIndex } = await readOutput(out);
  assert.deepEqual(keys.sort(), ['0', '1', '2', '3', '4', 'sentence_to_index']);
  assert.deepEqual(sentenceToIndex, Object.fromEntries(sentences.map((s, i) => [s, String(i)])));
  const elmo = await Elmo.load(modelDir);
  try {
    for (let i = 0; i < 5; i++) {
      const [want] = await elmo.embed([sentences[i].split(' ')]);
      assert.deepEqual(datasets[String(i)].shape, want.shape);
      assert.ok(maxAbsDiff(datasets[String(i)].data, want.data) <= 1e-6);
    }
  } finally {
    elmo.dispose();
  }
});

test('embed --top and --average write (n_tokens, 2P)', async () => {
  const all = (await readOutput(join(work.dir, 'all.hdf5'))).datasets;
  for (const mode of ['top', 'average']) {
    const out = join(work.dir, `${mode}.hdf5`);
    const r = await elmoWasm('embed', input, out, '--model', modelDir, `--${mode}`);
    assert.equal(r.code, 0, r.stderr);
    const { datasets } = await readOutput(out);
    for (let i = 0; i < 5; i++) {
      const [layers, n, dim] = all[String(i)].shape;
      const got = datasets[String(i)];
      assert.deepEqual(got.shape, [n, dim]);
      const size = n * dim;
      const want = new Float32Array(size);
      for (let j = 0; j < size; j++) {
        if (mode === 'top') want[j] = all[String(i)].data[(layers - 1) * size + j];
        else for (let l = 0; l < layers; l++) want[j] += all[String(i)].data[l * size + j] / layers;
      }
      assert.ok(maxAbsDiff(got.data, want) <= 1e-6, `${mode} sentence ${i}`);
    }
  }
});

test('embed --stateful continues each batch row from the previous batch', async () => {
  const out = join(work.dir, 'stateful.hdf5');
  const r = await elmoWasm('embed', input, out, '--model', modelDir, '--stateful', '--batch-size', '2');
  assert.equal(r.code, 0, r.stderr);
  const { datasets } = await readOutput(out);
  const elmo = await Elmo.load(modelDir);
  try {
    const batches = [[0, 1], [2, 3], [4]];
    for (const rows of batches) {
      const outs = await elmo.embed(rows.map((i) => sentences[i].split(' ')), { stateful: true });
      rows.forEach((i, r) => assert.ok(maxAbsDiff(datasets[String(i)].data, outs[r].data) <= 1e-6));
    }
    const stateless = (await readOutput(join(work.dir, 'all.hdf5'))).datasets;
    assert.ok(maxAbsDiff(datasets['2'].data, stateless['2'].data) > 1e-4, 'carried state changes batch 2');
  } finally {
    elmo.dispose();
  }
});

test('blank lines are refused with their line numbers', async () => {
  const bad = join(work.dir, 'blank.txt');
  await writeFile(bad, 'one line\n\nthree\n   \nfive\n');
  const r = await elmoWasm('embed', bad, join(work.dir, 'blank.hdf5'), '--model', modelDir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /blank lines at lines 2, 4/);
});

test('usage errors exit 2 with the usage text', async () => {
  const r = await elmoWasm('embed', input, join(work.dir, 'x.hdf5'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--model <model-dir> is required/);
  assert.match(r.stderr, /Usage:/);
  const both = await elmoWasm('embed', input, join(work.dir, 'x.hdf5'), '--model', modelDir, '--top', '--all');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /choose one of/);
});
