// Embeds the lines of a text file and prints, for each one, the most similar
// other line: the cosine of the mean-pooled top-layer vectors, mean-centred
// (the mean over all the lines subtracted first: ELMo's top layer gives every
// pair of sentences a high raw cosine, and what tells them apart sits on top).
//
//   node examples/similar-sentences.js <model-dir> [file.txt]
//
// Lines are raw text: the library's tokenizer splits off punctuation and
// clitics the way ELMo's training data was tokenized.
import { readFile } from 'node:fs/promises';
import { Elmo, similarity } from '../js/index.js';

const [modelDir, file = new URL('./sentences.txt', import.meta.url)] = process.argv.slice(2);
if (!modelDir) {
  console.error('usage: node examples/similar-sentences.js <model-dir> [file.txt]');
  process.exit(2);
}
const lines = (await readFile(file, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean);
if (lines.length < 2) {
  console.error(`${file}: needs at least two non-blank lines to compare`);
  process.exit(1);
}
const elmo = await Elmo.load(modelDir);
try {
  // One vector per line: the top biLSTM layer, averaged over the tokens.
  const vectors = await elmo.embed(lines, { layers: 'top', pooling: 'mean' });
  const dim = vectors[0].data.length;
  const mean = new Float32Array(dim);
  for (const v of vectors) v.data.forEach((x, k) => (mean[k] += x / lines.length));
  const stacked = new Float32Array(lines.length * dim);
  vectors.forEach((v, i) => stacked.set(v.data.map((x, k) => x - mean[k]), i * dim));
  const matrix = { shape: [lines.length, dim], data: stacked };
  const scores = similarity(matrix, matrix).data; // (n, n) mean-centred cosines

  lines.forEach((line, i) => {
    let best = -1;
    for (let j = 0; j < lines.length; j++) {
      if (j !== i && (best < 0 || scores[i * lines.length + j] > scores[i * lines.length + best])) best = j;
    }
    console.log(`${line}\n  ~ ${lines[best]}  (cosine ${scores[i * lines.length + best].toFixed(3)})`);
  });
} finally {
  elmo.dispose();
}
