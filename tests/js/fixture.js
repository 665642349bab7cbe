/**
 * The reference fixture in ../shared (never copied into the repo) and a
 * converted copy of it for the tests of one process.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { convertModel } from '../../js/node/convert/convert.js';
import { parseManifest } from '../../js/format/model-format.js';
import { openHdf5 } from '../../js/node/io/hdf5.js';
import { writeSoftmax } from '../../js/node/train/bilm-hdf5.js';
import { Corpus } from '../../js/train/corpus.js';
import { Prng } from '../../js/train/prng.js';
import { buildVocabulary, formatVocabulary } from '../../js/train/vocab.js';

export const fixtureDir = fileURLToPath(new URL('../../../shared/fixtures/bilm-tf-tiny/', import.meta.url));
export const optionsPath = join(fixtureDir, 'options.json');
export const weightsPath = join(fixtureDir, 'lm_weights.hdf5');

/** @returns {Promise<string[][]>} the 3 lists of 10 sentences */
export async function fixtureSentences() {
  return JSON.parse(await readFile(join(fixtureDir, 'lm_embeddings_sentences.json'), 'utf8'));
}

/**
 * The fixture's 30 sentences as token arrays, and Node's embeddings of them on
 * one thread from a converted model: what the browser tests compare with.
 * @param {string} modelDir
 * @returns {Promise<{ sentences: string[][], expected: Float32Array[] }>}
 */
export async function nodeEmbeddings(modelDir) {
  const { Elmo } = await import('../../js/index.js');
  const sentences = (await fixtureSentences()).flat().map((s) => s.split(' '));
  const elmo = await Elmo.load(modelDir, { numThreads: 1 });
  try {
    return { sentences, expected: (await elmo.embed(sentences)).map((e) => e.data) };
  } finally {
    elmo.dispose();
  }
}

/**
 * The reference's top layer for sentence i of list k: (2, n, P) as written by bilm-tf.
 * @param {number} k
 * @returns {Promise<{ shape: number[], data: Float32Array }[]>} the 10 sentences of list k
 */
export async function expectedTopLayers(k) {
  const file = await openHdf5(join(fixtureDir, `lm_embeddings_${k}.hdf5`), 'r');
  try {
    return Array.from({ length: 10 }, (_, i) => {
      const dataset = /** @type {any} */ (file.get(String(i)));
      return { shape: dataset.shape, data: Float32Array.from(dataset.value) };
    });
  } finally {
    file.close();
  }
}

/**
 * Converts the fixture into a fresh temporary folder.
 * @param {object} [options] passed to convertModel
 * @returns {Promise<{ dir: string, modelDir: string, cleanup: () => Promise<void> }>}
 */
export async function convertFixture(options = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'elmo-wasm-test-'));
  const modelDir = join(dir, 'model');
  await convertModel(optionsPath, weightsPath, modelDir, options);
  return { dir, modelDir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Largest absolute difference of two equally long arrays.
 * @param {ArrayLike<number>} a
 * @param {ArrayLike<number>} b
 */
export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/**
 * How close the top layers of two engines' results are: the smallest cosine
 * similarity of a token's vectors and the largest absolute difference of a value.
 * @param {Array<{ shape: number[], data: Float32Array }>} want per sentence, (layers, n, dim)
 * @param {Array<{ shape: number[], data: Float32Array }>} got the same sentences
 * @returns {{ minCosine: number, maxAbsError: number }}
 */
export function compareTopLayers(want, got) {
  let minCosine = 1;
  let maxAbsError = 0;
  want.forEach(({ shape: [layers, n, dim], data }, i) => {
    const top = (layers - 1) * n * dim;
    for (let tok = 0; tok < n; tok++) {
      let dot = 0, na = 0, nb = 0;
      for (let d = 0; d < dim; d++) {
        const x = data[top + tok * dim + d], y = got[i].data[top + tok * dim + d];
        dot += x * y;
        na += x * x;
        nb += y * y;
        maxAbsError = Math.max(maxAbsError, Math.abs(x - y));
      }
      minCosine = Math.min(minCosine, dot / Math.sqrt(na * nb));
    }
  });
  return { minCosine, maxAbsError };
}

/**
 * For a test file: converts the fixture before its tests and deletes it
 * after them. The returned object is filled in by then.
 * @param {object} [options] passed to convertModel
 * @returns {{ modelDir: string, sentences: string[][] }} sentences: the fixture's 30, tokenized
 */
export function fixtureForTests(options = {}) {
  const state = { modelDir: '', sentences: /** @type {string[][]} */ ([]) };
  /** @type {Awaited<ReturnType<typeof convertFixture>> | undefined} */
  let converted;
  before(async () => {
    converted = await convertFixture(options);
    state.modelDir = converted.modelDir;
    state.sentences = (await fixtureSentences()).flat().map((s) => s.split(' '));
  });
  after(() => converted?.cleanup());
  return state;
}

/**
 * A model folder's manifest and weight region, as its shard files hold them.
 * @param {string} modelDir
 * @returns {Promise<{ manifest: import('../../js/format/model-format.js').Manifest, region: Uint8Array }>}
 */
export async function modelRegion(modelDir) {
  const manifest = parseManifest(await readFile(join(modelDir, 'manifest.json'), 'utf8'));
  const parts = await Promise.all(manifest.shards.map((s) => readFile(join(modelDir, s.path))));
  return { manifest, region: new Uint8Array(Buffer.concat(parts)) };
}

/**
 * The fixture converted with a softmax and a vocabulary, so that it can be
 * fine-tuned: the vocabulary is every word of the fixture's sentences (by
 * count), the softmax small seeded random numbers (the fixture has none).
 * @param {object} [options] passed to convertModel
 * @returns {Promise<{ dir: string, modelDir: string, softmaxPath: string, vocabPath: string, vocab: import('../../js/train/vocab.js').Vocabulary, cleanup: () => Promise<void> }>}
 */
export async function convertFixtureForFineTune(options = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'elmo-wasm-finetune-'));
  const corpus = new Corpus();
  for (const sentence of (await fixtureSentences()).flat()) corpus.addSentence(sentence.split(' '));
  const vocab = buildVocabulary(corpus);
  const P = JSON.parse(await readFile(optionsPath, 'utf8')).lstm.projection_dim;
  const prng = new Prng(5);
  const W = Float32Array.from({ length: vocab.size * P }, () => (prng.nextUint32() / 2 ** 32 - 0.5) * 0.2);
  const softmaxPath = join(dir, 'softmax.hdf5');
  const vocabPath = join(dir, 'vocab.txt');
  await writeSoftmax(softmaxPath, { W: { shape: [vocab.size, P], data: W }, b: { shape: [vocab.size], data: new Float32Array(vocab.size) } });
  await writeFile(vocabPath, formatVocabulary(vocab));
  const modelDir = join(dir, 'model');
  await convertModel(optionsPath, weightsPath, modelDir, { softmaxPath, vocabPath, ...options });
  return { dir, modelDir, softmaxPath, vocabPath, vocab, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
