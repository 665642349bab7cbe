/**
 * Perplexity of a text under a trained biLM, with the trainer's full softmax:
 * stateless, each sentence alone from a zero LSTM state. The forward LM reads
 * `<S> w1 .. wn` and predicts `w1 .. wn </S>`, the backward one reads
 * `</S> wn .. w1` and predicts `wn .. w1 <S>`; a word outside the vocabulary
 * is predicted as `<UNK>` and counts.
 *
 * Each sentence gets a batch row of its own. A group of batchSize sentences
 * of like length (the text sorted by length) runs in chunks of unroll steps,
 * the evaluation state carried from chunk to chunk and zeroed before each group; a row whose sentence has ended reads
 * `<S>` and predicts nothing (target -1). The trainer's carried training
 * state is put back afterwards, so a run can measure itself mid-way.
 */
import { packTokenTable } from './batches.js';

/**
 * @typedef {object} Perplexity
 * @property {number} forward exp(mean NLL of the forward predictions)
 * @property {number} backward
 * @property {number} average exp(mean NLL over both directions' predictions)
 * @property {number} predictions of both directions
 */

/**
 * @param {import('./trainer.js').Trainer} trainer its weights the model's
 * @param {import('./corpus.js').Corpus} corpus the text
 * @param {import('./vocab.js').Vocabulary} vocab the softmax's vocabulary
 * @param {{ onProgress?: (sentencesDone: number, total: number) => void }} [options]
 * @returns {Perplexity}
 */
export function perplexity(trainer, corpus, vocab, { onProgress } = {}) {
  if (vocab.size !== trainer.vocabSize) throw new Error(`the vocabulary has ${vocab.size} words but the model's softmax ${trainer.vocabSize}`);
  const carried = trainer.state();
  let sums;
  try {
    sums = sumNll(trainer, corpus, vocab, onProgress);
  } finally {
    trainer.setState(carried);
  }
  const { nll, count } = sums;
  if (count[0] === 0) throw new Error('the text has no sentences');
  return {
    forward: Math.exp(nll[0] / count[0]),
    backward: Math.exp(nll[1] / count[1]),
    average: Math.exp((nll[0] + nll[1]) / (count[0] + count[1])),
    predictions: count[0] + count[1],
  };
}

/**
 * Per direction, the summed NLL of the text's predictions and their count.
 * @param {import('./trainer.js').Trainer} trainer
 * @param {import('./corpus.js').Corpus} corpus
 * @param {import('./vocab.js').Vocabulary} vocab
 * @param {((sentencesDone: number, total: number) => void) | undefined} onProgress
 */
function sumNll(trainer, corpus, vocab, onProgress) {
  const { batchSize: B, unroll: U } = trainer.params;
  const utf8 = corpus.utf8();
  const targetOf = Int32Array.from(corpus.words, (w) => vocab.idOf(w));
  // Table entries 0 and 1 are the boundaries; a literal <S> or </S> in the text is one too.
  const fixedEntry = Int32Array.from(corpus.words, (w) => (w === '<S>' ? 0 : w === '</S>' ? 1 : -1));
  const nll = [0, 0];
  const count = [0, 0];
  const total = corpus.sentenceCount;
  // Sentences of like length side by side: a group runs as long as its longest, and the
  // rows that ended meanwhile are computed for nothing. The sums do not depend on the order.
  const order = Array.from({ length: total }, (_, s) => s).sort((a, b) => corpus.sentence(a).length - corpus.sentence(b).length);
  for (let first = 0; first < total; first += B) {
    const rows = order.slice(first, first + B).map((s) => corpus.sentence(s));
    const steps = Math.max(...rows.map((words) => words.length + 1));
    for (let start = 0; start < steps; start += U) {
      // The evaluation's own state, zeroed per group: a checkpoint's perplexity leaves the training state alone.
      const result = trainer.eval(chunk(rows, start, B, U, { utf8, targetOf, fixedEntry, vocab }), { carry: true, reset: start === 0 });
      for (const d of [0, 1]) {
        nll[d] += result.nll[d];
        count[d] += result.count[d];
      }
    }
    onProgress?.(Math.min(first + B, total), total);
  }
  return { nll, count };
}

/**
 * Steps start .. start + U of each row's sentence, as a batch (batches.js's form).
 * @param {Int32Array[]} rows corpus word indices of each row's sentence
 * @param {number} start
 * @param {number} B
 * @param {number} U
 * @param {{ utf8: { bytes: Uint8Array, offsets: Uint32Array }, targetOf: Int32Array, fixedEntry: Int32Array, vocab: import('./vocab.js').Vocabulary }} words
 * @returns {import('./batches.js').Batch}
 */
function chunk(rows, start, B, U, { utf8, targetOf, fixedEntry, vocab }) {
  /** @type {Map<number, number>} corpus word → table entry */
  const entries = new Map();
  /** @type {number[]} */
  const tableWords = [];
  const entryOf = (/** @type {number} */ w) => {
    if (fixedEntry[w] >= 0) return fixedEntry[w];
    let e = entries.get(w);
    if (e === undefined) {
      e = 2 + tableWords.length;
      entries.set(w, e);
      tableWords.push(w);
    }
    return e;
  };
  const inputs = [new Int32Array(B * U), new Int32Array(B * U)];
  const targets = [new Int32Array(B * U).fill(-1), new Int32Array(B * U).fill(-1)];
  rows.forEach((words, r) => {
    const n = words.length;
    // Stream position p: 0 is <S>, 1..n the words, n + 1 </S>; -1 and -2 stand for the boundaries.
    const at = (/** @type {number} */ p) => (p === 0 ? -1 : p === n + 1 ? -2 : words[p - 1]);
    const input = (/** @type {number} */ v) => (v === -1 ? 0 : v === -2 ? 1 : entryOf(v));
    const target = (/** @type {number} */ v) => (v === -1 ? vocab.bos : v === -2 ? vocab.eos : targetOf[v]);
    for (let t = 0; t < U && start + t <= n; t++) {
      const p = start + t;
      const i = r * U + t;
      inputs[0][i] = input(at(p));
      targets[0][i] = target(at(p + 1));
      inputs[1][i] = input(at(n + 1 - p));
      targets[1][i] = target(at(n - p));
    }
  });
  return {
    index: 0,
    epoch: 0,
    tokens: packTokenTable(tableWords, utf8),
    forward: { inputs: inputs[0], targets: targets[0] },
    backward: { inputs: inputs[1], targets: targets[1] },
  };
}

/**
 * The line `elmo-wasm perplexity` ends with.
 * @param {Perplexity} p
 */
export function formatPerplexity(p) {
  const f = (/** @type {number} */ x) => x.toFixed(3);
  return `perplexity forward ${f(p.forward)} backward ${f(p.backward)} average ${f(p.average)} (${p.predictions} predictions)`;
}
