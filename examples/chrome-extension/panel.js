// The side panel: the model the extension ships (model/), in an ElmoWorker,
// on 2 threads (the manifest makes extension pages cross-origin isolated).
// For each token of the text it shows the nearest other token in context.
// The library is the package's own files, unbundled (elmo-wasm/). The shards
// are already on disk: no Cache API copy (it takes http(s) URLs only anyway).
import { ElmoWorker, cosine } from './elmo-wasm/js/index.js';

const out = /** @type {HTMLElement} */ (document.getElementById('out'));
const run = /** @type {HTMLButtonElement} */ (document.getElementById('run'));
const text = /** @type {HTMLInputElement} */ (document.getElementById('text'));

/**
 * @param {string[]} tokens
 * @param {Float32Array[]} vectors one per token
 * @returns {string[]} "token → nearest (cosine)" lines
 */
function nearestLines(tokens, vectors) {
  return tokens.map((token, i) => {
    let best = -1;
    let bestCos = -Infinity;
    vectors.forEach((v, j) => {
      const c = j === i ? -Infinity : cosine(vectors[i], v);
      if (c > bestCos) [best, bestCos] = [j, c];
    });
    return best < 0 ? token : `${token} → ${tokens[best]} (${bestCos.toFixed(3)})`;
  });
}

try {
  const elmo = await ElmoWorker.load(new URL('./model/', location.href), { numThreads: 2, cache: false });
  run.onclick = async () => {
    const [r] = await elmo.embed(text.value, { layers: 'top' });
    const dim = r.shape[1];
    const vectors = r.tokens.map((_, i) => r.data.subarray(i * dim, (i + 1) * dim));
    out.textContent = [`${elmo.info.name}, ${elmo.info.threads} thread(s): ${r.tokens.length} tokens`, ...nearestLines(r.tokens, vectors)].join('\n');
  };
  run.disabled = false;
  run.click();
} catch (e) {
  out.textContent = `failed: ${e}`;
}
