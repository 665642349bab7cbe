/**
 * `elmo-wasm vocab-embeddings`: each word's vector is the engine's layer 0
 * (its first half: the token vector once), as GloVe text or bilm-tf's HDF5.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { openHdf5 } from '../../js/node/io/hdf5.js';
import { convertFixture, fixtureDir } from './fixture.js';
import { elmoWasm } from './run-cli.js';

const vocabPath = join(fixtureDir, 'vocab_test.txt');

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let work;
/** @type {Elmo} */
let elmo;
/** @type {string[]} */
let words;
before(async () => {
  work = await convertFixture();
  elmo = await Elmo.load(work.modelDir);
  words = (await readFile(vocabPath, 'utf8')).trim().split('\n');
});
after(async () => {
  elmo.dispose();
  await work.cleanup();
});

/**
 * The engine's layer 0 for `word` inside a sentence: context must not matter.
 * @param {string} word
 */
async function layer0(word) {
  const [out] = await elmo.embed([['Yesterday', word, 'happened']]);
  return out.data.subarray(32, 32 + 16);
}

test('GloVe text of vocab_test.txt: one line per word, each the token layer of that word', async () => {
  const path = join(work.dir, 'vocab.txt');
  const r = await elmoWasm('vocab-embeddings', work.modelDir, vocabPath, path, '--batch-size', '100');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /448 words x 16 \(GloVe text\)/);
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  assert.equal(lines.length, words.length);
  for (const [i, line] of lines.entries()) {
    const [word, ...values] = line.split(' ');
    assert.equal(word, words[i]);
    assert.equal(values.length, 16);
    if (i % 37 === 0 && !word.startsWith('<')) assert.deepEqual(Float32Array.from(values.map(Number)), await layer0(word), word);
  }
});

test('HDF5 "embedding" (n_words, projection_dim); <S> and </S> are the boundary tokens, as in bilm-tf', async () => {
  const path = join(work.dir, 'vocab.hdf5');
  const r = await elmoWasm('vocab-embeddings', work.modelDir, vocabPath, path);
  assert.equal(r.code, 0, r.stderr);
  const file = await openHdf5(path, 'r');
  let data;
  try {
    const dataset = /** @type {any} */ (file.get('embedding'));
    assert.deepEqual(dataset.shape, [448, 16]);
    data = Float32Array.from(dataset.value);
  } finally {
    file.close();
  }
  for (const word of ['Bournemouth', 'concept', 'Newsweek']) {
    const i = words.indexOf(word);
    assert.deepEqual(data.subarray(i * 16, (i + 1) * 16), await layer0(word), word);
  }
  const [bounds] = await elmo.embed([['x']], { keepBoundaries: true });
  const S = words.indexOf('<S>');
  const endS = words.indexOf('</S>');
  assert.deepEqual(data.subarray(S * 16, (S + 1) * 16), bounds.data.subarray(0, 16));
  assert.deepEqual(data.subarray(endS * 16, (endS + 1) * 16), bounds.data.subarray(2 * 32, 2 * 32 + 16));
});

test('a line with two words, or an unknown output extension, is refused by name', async () => {
  const bad = join(work.dir, 'bad-vocab.txt');
  await writeFile(bad, 'one\ntwo words\n');
  const r = await elmoWasm('vocab-embeddings', work.modelDir, bad, join(work.dir, 'bad.txt'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /line 2 \("two words"\) holds more than one word/);
  const ext = await elmoWasm('vocab-embeddings', work.modelDir, vocabPath, join(work.dir, 'vocab.csv'));
  assert.match(ext.stderr, /name it \.txt or \.vec \(GloVe text\) or \.hdf5 \/ \.h5/);
});
