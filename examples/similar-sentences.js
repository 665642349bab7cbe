// Embeds the lines of a text file and prints, for each one, the most similar
// other line (cosine of mean-pooled top-layer vectors).
//
//   node examples/similar-sentences.js <model-dir> [file.txt]
import { readFile } from 'node:fs/promises';
import { Elmo } from '../js/index.js';

const [modelDir, file = new URL('./sentences.txt', import.meta.url)] = process.argv.slice(2);
if (!modelDir) {
  console.error('usage: node examples/similar-sentences.js <model-dir> [file.txt]');
  process.exit(2);
}
const lines = (await readFile(file, 'utf8')).split('\n').map((l) => l.trim()).filter(Boolean);
const elmo = await Elmo.load(modelDir);
try {
  const outputs = await elmo.embed(lines.map((l) => l.split(/\s+/)));
  const vectors = outputs.map(({ shape: [layers, n, dim], data }) => {
    const mean = new Float32Array(dim);
    const top = data.subarray((layers - 1) * n * dim);
    for (let t = 0; t < n; t++) for (let i = 0; i < dim; i++) mean[i] += top[t * dim + i] / n;
    return mean;
  });
  const cosine = (a, b) => {
    let ab = 0, aa = 0, bb = 0;
    for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
    return ab / Math.sqrt(aa * bb);
  };
  lines.forEach((line, i) => {
    let best = -1, score = -Infinity;
    vectors.forEach((v, j) => { if (j !== i && cosine(vectors[i], v) > score) { best = j; score = cosine(vectors[i], v); } });
    console.log(`${line}\n  ~ ${lines[best]}  (cosine ${score.toFixed(3)})`);
  });
} finally {
  elmo.dispose();
}
