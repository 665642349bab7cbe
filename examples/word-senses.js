// How well each layer of a model tells word senses apart, on the sentences of
// examples/word-senses.json (our own: ten words, two senses each, the word
// marked *like this*).
//
//   node examples/word-senses.js <model-dir> [senses.json]
//
// For each layer, the marked words' vectors are mean-centred (the mean over
// every marked word of the set is subtracted: ELMo's upper layers give
// uniformly high raw cosines) and each is compared with the centroids of its
// word's two senses, itself left out. Accuracy counts the times its own
// sense's centroid is the nearer one (a tie counts one half: the token layer
// gives one vector per word, so it can only tie); separation is the mean
// cosine between same-sense pairs minus that between other-sense pairs.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cosine, Elmo } from '../js/index.js';

/**
 * @typedef {{ word: string, sense: string, tokens: string[], at: number }} SenseExample
 */

/**
 * The examples of a senses file: tokens split on spaces, the marked one's index.
 * @param {{ words: Record<string, Record<string, string[]>> }} data
 * @returns {SenseExample[]}
 */
export function senseExamples(data) {
  const out = [];
  for (const [word, senses] of Object.entries(data.words)) {
    for (const [sense, sentences] of Object.entries(senses)) {
      for (const sentence of sentences) {
        const tokens = sentence.split(/\s+/).filter(Boolean);
        const at = tokens.findIndex((t) => /^\*.+\*$/.test(t));
        if (at < 0) throw new Error(`"${sentence}": no *marked* word`);
        tokens[at] = tokens[at].slice(1, -1);
        out.push({ word, sense, tokens, at });
      }
    }
  }
  return out;
}

/**
 * Per layer: sense accuracy and separation (see the file's comment).
 * @param {Elmo} elmo
 * @param {SenseExample[]} examples
 * @returns {Promise<Array<{ layer: number, accuracy: number, separation: number }>>}
 */
export async function measureSenses(elmo, examples) {
  const embeddings = await elmo.embed(examples.map((e) => e.tokens), { layers: 'all' });
  const [layers, , dim] = embeddings[0].shape;
  const results = [];
  for (let layer = 0; layer < layers; layer++) {
    const vectors = examples.map((e, i) => {
      const { data, shape } = embeddings[i];
      return Float32Array.from(data.subarray((layer * shape[1] + e.at) * dim, (layer * shape[1] + e.at + 1) * dim));
    });
    const mean = new Float32Array(dim);
    for (const v of vectors) for (let k = 0; k < dim; k++) mean[k] += v[k] / vectors.length;
    for (const v of vectors) for (let k = 0; k < dim; k++) v[k] -= mean[k];
    let correct = 0;
    let same = 0, sameN = 0, other = 0, otherN = 0;
    examples.forEach((e, i) => {
      /** @type {Map<string, Float32Array>} */
      const centroids = new Map();
      examples.forEach((f, j) => {
        if (f.word !== e.word) return;
        if (j > i) {
          const c = cosine(vectors[i], vectors[j]);
          if (f.sense === e.sense) (same += c), sameN++;
          else (other += c), otherN++;
        }
        if (j === i) return;
        const c = centroids.get(f.sense) ?? new Float32Array(dim);
        for (let k = 0; k < dim; k++) c[k] += vectors[j][k];
        centroids.set(f.sense, c);
      });
      const mine = cosine(vectors[i], /** @type {Float32Array} */ (centroids.get(e.sense)));
      const rivals = [...centroids].filter(([s]) => s !== e.sense).map(([, c]) => cosine(vectors[i], c));
      const best = Math.max(...rivals);
      // Equal within float rounding: the token layer's vectors of one word are the same.
      correct += Math.abs(mine - best) < 1e-6 ? 0.5 : mine > best ? 1 : 0;
    });
    results.push({ layer, accuracy: correct / examples.length, separation: same / sameN - other / otherN });
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [modelDir, file = new URL('./word-senses.json', import.meta.url)] = process.argv.slice(2);
  if (!modelDir) {
    console.error('usage: node examples/word-senses.js <model-dir> [senses.json]');
    process.exit(2);
  }
  const examples = senseExamples(JSON.parse(await readFile(file, 'utf8')));
  const elmo = await Elmo.load(modelDir);
  try {
    const words = new Set(examples.map((e) => e.word)).size;
    console.log(`${examples.length} sentences, ${words} words, 2 senses each (${modelDir})\n`);
    console.log('| layer | sense accuracy | separation (same − other sense, mean-centred cosine) |');
    console.log('| --- | --- | --- |');
    for (const r of await measureSenses(elmo, examples)) {
      const name = r.layer === 0 ? '0 (token)' : `${r.layer} (LSTM ${r.layer})`;
      console.log(`| ${name} | ${(100 * r.accuracy).toFixed(1)}% | ${r.separation.toFixed(3)} |`);
    }
  } finally {
    elmo.dispose();
  }
}
