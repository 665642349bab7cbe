/**
 * `elmo-wasm vocab-embeddings`: the context-free vector of each word of a
 * list — ELMo's token layer (char CNN, highways, projection; projection_dim
 * wide, the token vector once), as bilm-tf's `dump_token_embeddings` writes
 * it — for use as static word vectors or to speed up a fixed vocabulary.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { extname } from 'node:path';
import { Elmo } from '../../api/elmo.js';
import { readSentences } from './embed-file.js';
import { openHdf5 } from '../io/hdf5.js';

/** @typedef {'glove' | 'hdf5'} VocabFormat */

/**
 * bilm-tf gives its vocabulary's boundary words the boundary characters, not
 * the characters of the strings "<S>" and "</S>"; so do we.
 */
const BOUNDARY_ROW = new Map([
  ['<S>', 0],
  ['</S>', 1],
]);

/**
 * @param {string} path
 * @returns {VocabFormat}
 */
export function vocabFormat(path) {
  const ext = extname(path).toLowerCase();
  if (ext === '.txt' || ext === '.vec') return 'glove';
  if (ext === '.hdf5' || ext === '.h5') return 'hdf5';
  throw new RangeError(`cannot tell the output format of "${path}": name it .txt or .vec (GloVe text) or .hdf5 / .h5 (dataset "embedding")`);
}

/**
 * One word per line, as bilm-tf's vocabulary files; no blank lines, no spaces in a word.
 * @param {string} path
 * @returns {Promise<string[]>}
 */
export async function readWordList(path) {
  const words = await readSentences(path);
  const spaced = words.findIndex((w) => /\s/.test(w));
  if (spaced >= 0) throw new Error(`${path}: line ${spaced + 1} (${JSON.stringify(words[spaced])}) holds more than one word; one word per line`);
  return words;
}

/**
 * Layer 0's first half (the token vector; the second half repeats it) of each word.
 * @param {Pick<Elmo, 'embed' | 'info'>} elmo
 * @param {string[]} words
 * @param {{ batchSize?: number, onBatch?: (done: number, total: number) => void }} [options]
 * @returns {Promise<Float32Array>} (words.length, projection_dim), row-major
 */
export async function tokenVectors(elmo, words, { batchSize = 256, onBatch } = {}) {
  const dim = elmo.info.outputDim / 2;
  const out = new Float32Array(words.length * dim);
  const [boundaries] = await elmo.embed([[]], { keepBoundaries: true }); // layer 0 rows: <S>, </S>
  for (let first = 0; first < words.length; first += batchSize) {
    const batch = words.slice(first, first + batchSize);
    const embeddings = await elmo.embed(batch.map((w) => (BOUNDARY_ROW.has(w) ? [] : [w])));
    batch.forEach((word, i) => {
      const boundary = BOUNDARY_ROW.get(word);
      const source = boundary === undefined ? embeddings[i].data : boundaries.data.subarray(boundary * 2 * dim);
      out.set(source.subarray(0, dim), (first + i) * dim);
    });
    onBatch?.(first + batch.length, words.length);
  }
  return out;
}

/**
 * @param {string} path
 * @param {string[]} words
 * @param {Float32Array} vectors (words.length, dim)
 * @param {number} dim
 */
async function writeGlove(path, words, vectors, dim) {
  const stream = createWriteStream(path);
  for (const [i, word] of words.entries()) {
    const values = Array.from(vectors.subarray(i * dim, (i + 1) * dim), (v) => Number(v.toPrecision(9)));
    if (!stream.write(`${word} ${values.join(' ')}\n`)) await once(stream, 'drain');
  }
  stream.end();
  await once(stream, 'finish');
}

/**
 * @param {string} path
 * @param {string[]} words
 * @param {Float32Array} vectors (words.length, dim)
 * @param {number} dim
 */
async function writeHdf5(path, words, vectors, dim) {
  const file = await openHdf5(path, 'w');
  try {
    file.create_dataset({ name: 'embedding', data: vectors, shape: [words.length, dim], dtype: '<f' });
  } finally {
    file.close();
  }
}

/**
 * Reads the word list, computes the vectors, writes them in the format the
 * output's extension names.
 * @param {string} modelDir
 * @param {string} vocabPath
 * @param {string} outPath
 * @param {{ batchSize?: number, onBatch?: (done: number, total: number) => void }} [options]
 * @returns {Promise<{ words: number, dim: number, format: VocabFormat }>}
 */
export async function writeVocabEmbeddings(modelDir, vocabPath, outPath, options = {}) {
  const format = vocabFormat(outPath);
  const words = await readWordList(vocabPath);
  const elmo = await Elmo.load(modelDir);
  const dim = elmo.info.outputDim / 2;
  let vectors;
  try {
    vectors = await tokenVectors(elmo, words, options);
  } finally {
    elmo.dispose();
  }
  try {
    await (format === 'glove' ? writeGlove : writeHdf5)(outPath, words, vectors, dim);
  } catch (e) {
    await rm(outPath, { force: true });
    throw e;
  }
  return { words: words.length, dim, format };
}
