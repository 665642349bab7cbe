// The embeddings writer must produce what AllenNLP's `allennlp elmo` writes:
// float32 datasets named by sentence index and a one-element variable-length
// string dataset `sentence_to_index` holding JSON.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createEmbeddingsFile } from '../../js/node/output/allennlp-hdf5.js';
import { getDataset, openHdf5 } from '../../js/node/io/hdf5.js';

let root = '';
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'elmo-embeddings-file-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** @param {number} n */
const ramp = (n) => Float32Array.from({ length: n }, (_, i) => (i - n / 2) / 3);

test('writes float32 datasets and sentence_to_index as AllenNLP does', async () => {
  const path = join(root, 'all.hdf5');
  const out = await createEmbeddingsFile(path);
  out.write('0', ramp(3 * 5 * 8), [3, 5, 8]);
  out.write('1', ramp(2 * 8), [2, 8]);
  out.write('2', new Float32Array(0), [3, 0, 8]);
  const index = { 'The cat sat .': '0', 'Ça va , 東京 🙂': '1', '': '2' };
  out.close(index);

  const f = await openHdf5(path, 'r');
  try {
    assert.deepEqual(f.keys().sort(), ['0', '1', '2', 'sentence_to_index']);
    for (const [key, shape] of /** @type {Array<[string, number[]]>} */ ([['0', [3, 5, 8]], ['1', [2, 8]], ['2', [3, 0, 8]]])) {
      const d = getDataset(f, key);
      assert.ok(d, key);
      assert.deepEqual(d.shape, shape, `${key} shape`);
      assert.equal(d.metadata.type, 1, `${key} is float`);
      assert.equal(d.metadata.size, 4, `${key} is float32`);
      const n = shape.reduce((a, b) => a * b, 1);
      assert.deepEqual(d.value, ramp(n), `${key} values`);
    }
    const s = getDataset(f, 'sentence_to_index');
    assert.ok(s);
    assert.deepEqual(s.shape, [1]);
    assert.equal(s.metadata.type, 3, 'a string');
    assert.equal(s.metadata.vlen, true, 'variable-length, as h5py.special_dtype(vlen=str)');
    assert.equal(s.metadata.cset, 1, 'UTF-8');
    const value = /** @type {string[]} */ (s.value);
    assert.equal(value.length, 1);
    assert.deepEqual(JSON.parse(value[0]), index);
  } finally {
    f.close();
  }
});

test('refuses bad writes with a message naming the dataset, and keeps the file usable', async () => {
  const path = join(root, 'bad.hdf5');
  const out = await createEmbeddingsFile(path);
  assert.throws(() => out.write('0', ramp(10), [3, 4]), /dataset "0": shape \[3,4\] holds 12 values but data has 10/);
  assert.throws(() => out.write('0', /** @type {any} */ (new Float64Array(4)), [4]), /dataset "0": data must be a Float32Array/);
  assert.throws(() => out.write('0', ramp(4), [2, -2]), /dataset "0": shape must be a list of non-negative integers/);
  assert.throws(() => out.write('a/b', ramp(4), [4]), /key must be a non-empty name without "\/"/);
  assert.throws(() => out.write('sentence_to_index', ramp(4), [4]), /reserved/);
  out.write('0', ramp(4), [4]);
  assert.throws(() => out.write('0', ramp(4), [4]), /dataset "0" written twice/);
  out.close({ a: '0' });
  assert.throws(() => out.write('1', ramp(4), [4]), /write after close/);
  assert.throws(() => out.close({}), /close after close/);

  const f = await openHdf5(path, 'r');
  try {
    assert.deepEqual(f.keys().sort(), ['0', 'sentence_to_index']);
  } finally {
    f.close();
  }
});

test('abandon closes the file without sentence_to_index', async () => {
  const path = join(root, 'abandoned.hdf5');
  const out = await createEmbeddingsFile(path);
  out.write('0', ramp(4), [4]);
  out.abandon();
  out.abandon();
  const f = await openHdf5(path, 'r');
  try {
    assert.deepEqual(f.keys(), ['0']);
  } finally {
    f.close();
  }
});

test('the file starts with the HDF5 signature and an unwritable path fails clearly', async () => {
  const path = join(root, 'sig.hdf5');
  const out = await createEmbeddingsFile(path);
  out.close({});
  const head = (await readFile(path)).subarray(0, 8);
  assert.deepEqual([...head], [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
  await assert.rejects(createEmbeddingsFile(join(root, 'no', 'such', 'dir', 'x.hdf5')), /cannot create HDF5 file .*x\.hdf5: /);
});
