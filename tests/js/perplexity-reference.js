/**
 * A naive perplexity, for tests: full softmax in double precision, each
 * sentence alone from a zero LSTM state (what `elmo.embed` computes by
 * default), so that the C trainer's `perplexity` can be checked against it.
 *
 * The forward LM reads `<S> w1 .. wn` and predicts `w1 .. wn </S>`; the
 * backward LM reads `</S> wn .. w1` and predicts `wn .. w1 <S>`. A word outside
 * the vocabulary is predicted as `<UNK>`, and those predictions count.
 *
 * What feeds the softmax (bilm/training.py, LanguageModel._build): each
 * direction's `lstm_output_flat`, the output sequence of its MultiRNNCell,
 * i.e. the top LSTM layer's projected, clipped `h` — plus that layer's input
 * when use_skip_connections is on (the top cell is wrapped in a
 * ResidualWrapper for every layer but the first), and, in training only,
 * dropout on it. That is exactly the top layer `elmo.embed` returns: with
 * `{ layers: 'top', keepBoundaries: true }`, row t of a sentence is
 * `[forward_t, backward_t]`, rows 0 and n + 1 being `<S>` and `</S>`. So the
 * forward half of rows 0..n predicts rows 1..n+1, and the backward half of
 * rows n+1..1 predicts rows n..0.
 */

/**
 * @typedef {object} PerplexityResult
 * @property {number} forward exp(mean NLL of the forward predictions)
 * @property {number} backward exp(mean NLL of the backward predictions)
 * @property {number} average exp(mean NLL over both directions' predictions)
 * @property {number} predictions of both directions: sum over sentences of 2 (n + 1)
 * @property {number} forwardNll sum, in nats
 * @property {number} backwardNll
 */

/**
 * -log softmax(W h + b)[target], in double precision.
 * @param {Float32Array} W [V, P]
 * @param {Float32Array} b [V]
 * @param {Float32Array} h P values
 * @param {number} target
 * @param {Float64Array} logits scratch of V
 */
function nll(W, b, h, target, logits) {
  const P = h.length;
  let max = -Infinity;
  for (let v = 0; v < b.length; v++) {
    let z = b[v];
    for (let k = 0; k < P; k++) z += W[v * P + k] * h[k];
    logits[v] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let v = 0; v < b.length; v++) sum += Math.exp(logits[v] - max);
  return max + Math.log(sum) - logits[target];
}

/**
 * @param {object} input
 * @param {readonly (readonly string[])[]} input.sentences tokens, without boundaries
 * @param {import('../../js/train/vocab.js').Vocabulary} input.vocab the softmax's vocabulary
 * @param {ReadonlyArray<{ shape: readonly number[], data: Float32Array }>} input.topLayers per sentence, (n + 2, 2P):
 *   the top layer with its boundary rows (`elmo.embed(sentences, { layers: 'top', keepBoundaries: true })`)
 * @param {{ W: { shape: readonly number[], data: Float32Array }, b: { shape: readonly number[], data: Float32Array } }} input.softmax W [V, P], b [V]
 * @returns {PerplexityResult}
 */
export function naivePerplexity({ sentences, vocab, topLayers, softmax }) {
  const [V, P] = softmax.W.shape;
  if (softmax.W.shape.length !== 2 || softmax.b.shape.length !== 1 || softmax.b.shape[0] !== V || V !== vocab.size) {
    throw new Error(`softmax W ${JSON.stringify(softmax.W.shape)} and b ${JSON.stringify(softmax.b.shape)} do not fit a vocabulary of ${vocab.size}`);
  }
  if (topLayers.length !== sentences.length) throw new Error(`${topLayers.length} top layers for ${sentences.length} sentences`);
  const logits = new Float64Array(V);
  let forwardNll = 0;
  let backwardNll = 0;
  let perDirection = 0;
  sentences.forEach((sentence, i) => {
    const n = sentence.length;
    const { shape, data } = topLayers[i];
    if (shape.length !== 2 || shape[0] !== n + 2 || shape[1] !== 2 * P) {
      throw new Error(`sentence ${i}: top layer has shape ${JSON.stringify(shape)}, expected [${n + 2}, ${2 * P}] (n + 2 rows with keepBoundaries, forward and backward halves of P = ${P})`);
    }
    const ids = [vocab.bos, ...sentence.map((w) => vocab.idOf(w)), vocab.eos];
    const half = (/** @type {number} */ row, /** @type {0 | 1} */ dir) => data.subarray(row * 2 * P + dir * P, row * 2 * P + (dir + 1) * P);
    for (let t = 0; t <= n; t++) {
      forwardNll += nll(softmax.W.data, softmax.b.data, half(t, 0), ids[t + 1], logits);
      backwardNll += nll(softmax.W.data, softmax.b.data, half(t + 1, 1), ids[t], logits);
    }
    perDirection += n + 1;
  });
  if (perDirection === 0) throw new Error('no sentences');
  return {
    forward: Math.exp(forwardNll / perDirection),
    backward: Math.exp(backwardNll / perDirection),
    average: Math.exp((forwardNll + backwardNll) / (2 * perDirection)),
    predictions: 2 * perDirection,
    forwardNll,
    backwardNll,
  };
}
