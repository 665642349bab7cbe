/**
 * What users make of a sentence's layers: AllenNLP's layer choices and scalar
 * mix, TensorFlow Hub ELMo's named outputs, pooled sentence vectors, cosine.
 * Pure functions over `{ shape, data }`; nothing here touches wasm memory.
 */

/**
 * @typedef {object} Tensor
 * @property {number[]} shape
 * @property {Float32Array} data row-major
 */

/** @typedef {'all' | 'top' | 'average' | number[]} LayerChoice */

/**
 * @typedef {object} ScalarMix AllenNLP's `ScalarMix`: gamma * sum_k softmax(weights)_k * layer_k
 * @property {number[]} [weights] one per layer (n_layers + 1); default all 0, i.e. equal
 * @property {number} [gamma] default 1
 * @property {boolean} [layerNorm] normalize each layer first (mean 0, variance 1 over the
 *   sentence's values; AllenNLP takes these statistics over the unmasked values of the whole
 *   batch, which for a batch of one sentence is the same)
 */

/**
 * @param {Tensor} embedding (layers, n, dim)
 * @param {number} l
 */
function layer(embedding, l) {
  const [, n, dim] = embedding.shape;
  return embedding.data.subarray(l * n * dim, (l + 1) * n * dim);
}

/**
 * @param {Tensor} embedding (layers, n, dim)
 * @param {LayerChoice} choice 'all' (layers, n, dim); 'top' or 'average' (n, dim);
 *   a list of layer indices (k, n, dim)
 * @returns {Tensor}
 */
export function selectLayers(embedding, choice) {
  const [layers, n, dim] = embedding.shape;
  if (choice === 'all') return embedding;
  if (choice === 'top') return { shape: [n, dim], data: layer(embedding, layers - 1).slice() };
  if (choice === 'average') return scalarMix(embedding, {});
  if (!Array.isArray(choice) || choice.length === 0) {
    throw new RangeError(`layers must be 'all', 'top', 'average' or a non-empty list of layer indices, got ${JSON.stringify(choice)}`);
  }
  const data = new Float32Array(choice.length * n * dim);
  choice.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l >= layers) {
      throw new RangeError(`layer index ${JSON.stringify(l)} is not in 0..${layers - 1}`);
    }
    data.set(layer(embedding, l), i * n * dim);
  });
  return { shape: [choice.length, n, dim], data };
}

/**
 * Mean 0, variance 1 over all values of a layer (AllenNLP's `_do_layer_norm`).
 * @param {Float32Array} values
 */
function layerNormed(values) {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length || 1;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  variance /= values.length || 1;
  const scale = 1 / Math.sqrt(variance + 1e-12);
  return values.map((v) => (v - mean) * scale);
}

/**
 * @param {Tensor} embedding (layers, n, dim)
 * @param {ScalarMix} mix
 * @returns {Tensor} (n, dim)
 */
export function scalarMix(embedding, { weights, gamma = 1, layerNorm = false }) {
  const [layers, n, dim] = embedding.shape;
  const w = weights ?? new Array(layers).fill(0);
  if (!Array.isArray(w) || w.length !== layers || !w.every(Number.isFinite)) {
    throw new RangeError(`mix.weights must be ${layers} finite numbers (one per layer), got ${JSON.stringify(weights)}`);
  }
  if (!Number.isFinite(gamma)) throw new RangeError(`mix.gamma must be a finite number, got ${gamma}`);
  const top = Math.max(...w);
  const exp = w.map((x) => Math.exp(x - top));
  const sum = exp.reduce((a, b) => a + b, 0);
  const out = new Float32Array(n * dim);
  for (let l = 0; l < layers; l++) {
    const values = layerNorm ? layerNormed(layer(embedding, l)) : layer(embedding, l);
    const k = (gamma * exp[l]) / sum;
    for (let i = 0; i < out.length; i++) out[i] += k * values[i];
  }
  return { shape: [n, dim], data: out };
}

/**
 * @param {Tensor} tokens (n, dim)
 * @param {'mean' | 'max'} how
 * @returns {Float32Array} (dim); zeros for an empty sentence
 */
export function pool(tokens, how) {
  const [n, dim] = tokens.shape;
  if (how !== 'mean' && how !== 'max') throw new RangeError(`pooling must be 'mean', 'max' or 'none', got ${JSON.stringify(how)}`);
  const out = new Float32Array(dim);
  if (n === 0) return out;
  if (how === 'max') out.fill(-Infinity);
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < dim; i++) {
      const v = tokens.data[t * dim + i];
      out[i] = how === 'max' ? Math.max(out[i], v) : out[i] + v / n;
    }
  }
  return out;
}

/**
 * @param {Float32Array} vector
 * @returns {Float32Array} a copy of unit length (zeros stay zeros)
 */
export function normalize(vector) {
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  return vector.map((v) => (norm > 0 ? v / norm : 0));
}

/**
 * @param {ArrayLike<number>} a
 * @param {ArrayLike<number>} b
 * @returns {number} cosine similarity; 0 when either is all zeros
 */
export function cosine(a, b) {
  if (a.length !== b.length) throw new RangeError(`cosine of vectors of lengths ${a.length} and ${b.length}`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * Cosine of every row of `a` with every row of `b`.
 * @param {Tensor} a (n, dim)
 * @param {Tensor} b (m, dim)
 * @returns {Tensor} (n, m)
 */
export function similarity(a, b) {
  const [n, dim] = a.shape;
  const [m, dimB] = b.shape;
  if (dim !== dimB) throw new RangeError(`similarity of vectors of dims ${dim} and ${dimB}`);
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    const u = a.data.subarray(i * dim, (i + 1) * dim);
    for (let j = 0; j < m; j++) out[i * m + j] = cosine(u, b.data.subarray(j * dim, (j + 1) * dim));
  }
  return { shape: [n, m], data: out };
}

/**
 * TensorFlow Hub ELMo's outputs for one sentence, by name.
 * @param {Tensor} embedding (n_layers + 1, n, 2P)
 * @param {ScalarMix} [mix] the `elmo` output's weights (default equal weights, gamma 1)
 * @returns {{ word_emb: Tensor, lstm_outputs1: Tensor, lstm_outputs2: Tensor | undefined,
 *   elmo: Tensor, default: Float32Array }}
 */
export function tfHubOutputs(embedding, mix = {}) {
  const elmo = scalarMix(embedding, mix);
  return {
    word_emb: /** @type {Tensor} */ (tfHubOutput(embedding, 'word_emb')),
    lstm_outputs1: /** @type {Tensor} */ (tfHubOutput(embedding, 'lstm_outputs1')),
    lstm_outputs2: tfHubOutput(embedding, 'lstm_outputs2'),
    elmo,
    default: pool(elmo, 'mean'),
  };
}

/**
 * One of the tensor outputs of tfHubOutputs(), built alone ('default' is
 * 'elmo' mean-pooled).
 * @param {Tensor} embedding (n_layers + 1, n, 2P)
 * @param {'word_emb' | 'lstm_outputs1' | 'lstm_outputs2' | 'elmo'} name
 * @param {ScalarMix} [mix] the `elmo` output's weights
 * @returns {Tensor | undefined} undefined for an LSTM layer the model does not have
 */
export function tfHubOutput(embedding, name, mix = {}) {
  const [layers, n, dim] = embedding.shape;
  if (name === 'word_emb') {
    const half = dim / 2;
    const word = new Float32Array(n * half);
    const layer0 = layer(embedding, 0);
    for (let t = 0; t < n; t++) word.set(layer0.subarray(t * dim, t * dim + half), t * half);
    return { shape: [n, half], data: word };
  }
  if (name === 'lstm_outputs1' || name === 'lstm_outputs2') {
    const l = name === 'lstm_outputs1' ? 1 : 2;
    return l < layers ? { shape: [n, dim], data: layer(embedding, l).slice() } : undefined;
  }
  return scalarMix(embedding, mix);
}
