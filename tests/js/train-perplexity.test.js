/**
 * The naive perplexity reference (tests/js/perplexity-reference.js): cases
 * whose answer is known by hand, then on the fixture model's own top layer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { Corpus } from '../../js/train/corpus.js';
import { Prng } from '../../js/train/prng.js';
import { naivePerplexity } from './perplexity-reference.js';
import { buildVocabulary, Vocabulary } from '../../js/train/vocab.js';
import { fixtureForTests } from './fixture.js';

const fixture = fixtureForTests();
const vocab = new Vocabulary(['<S>', '</S>', '<UNK>', 'a', 'b']);
const V = vocab.size;

/**
 * Top layers of P dims per half, filled by `fill(row, dir)` → P values.
 * @param {string[][]} sentences
 * @param {number} P
 * @param {(i: number, row: number, dir: number) => number[]} fill
 */
function topLayers(sentences, P, fill) {
  return sentences.map((s, i) => {
    const data = new Float32Array((s.length + 2) * 2 * P);
    for (let row = 0; row < s.length + 2; row++) for (const dir of [0, 1]) data.set(fill(i, row, dir), row * 2 * P + dir * P);
    return { shape: [s.length + 2, 2 * P], data };
  });
}

test('a uniform softmax (W = 0, b = 0): every perplexity is V; 2 (n + 1) predictions per sentence', () => {
  const sentences = [['a', 'b', 'zz'], ['b']];
  const r = naivePerplexity({
    sentences, vocab,
    topLayers: topLayers(sentences, 3, () => [1, -2, 3]),
    softmax: { W: { shape: [V, 3], data: new Float32Array(V * 3) }, b: { shape: [V], data: new Float32Array(V) } },
  });
  assert.equal(r.predictions, 2 * (4 + 2));
  for (const p of [r.forward, r.backward, r.average]) assert.ok(Math.abs(p - V) < 1e-12, `${p}`);
});

test('a fixed distribution (W = 0, b = log p): the targets are w1..wn </S> forward, wn..w1 <S> backward, <UNK> for unknown words', () => {
  const p = [0.05, 0.1, 0.15, 0.3, 0.4]; // <S> </S> <UNK> a b
  const sentences = [['a', 'zz']];
  const r = naivePerplexity({
    sentences, vocab,
    topLayers: topLayers(sentences, 2, () => [0.5, 0.25]),
    softmax: { W: { shape: [V, 2], data: new Float32Array(V * 2) }, b: { shape: [V], data: Float32Array.from(p, Math.log) } },
  });
  const lp = p.map((x) => Math.fround(Math.log(x)));
  // b holds float32 logs, so the exact NLL is log(sum exp b) - b[target].
  const lse = Math.log(lp.reduce((s, x) => s + Math.exp(x), 0));
  const mean = (/** @type {number[]} */ targets) => targets.reduce((s, t) => s + lse - lp[t], 0) / targets.length;
  assert.ok(Math.abs(r.forward - Math.exp(mean([3, 2, 1]))) < 1e-12); // a, <UNK>, </S>
  assert.ok(Math.abs(r.backward - Math.exp(mean([2, 3, 0]))) < 1e-12); // <UNK>, a, <S>
  assert.ok(Math.abs(r.average - Math.exp(mean([3, 2, 1, 2, 3, 0]))) < 1e-12);
});

test('alignment: forward rows 0..n predict rows 1..n+1 and backward rows n+1..1 predict rows n..0, each from its own half', () => {
  // W = 10 I: a half that is the one-hot of its target gives NLL log(1 + (V - 1) e^-10).
  const sentences = [['a', 'b', 'a'], ['zz']];
  const ids = sentences.map((s) => [vocab.bos, ...s.map((w) => vocab.idOf(w)), vocab.eos]);
  const onehot = (/** @type {number} */ k) => Array.from({ length: V }, (_, v) => (v === k ? 1 : 0));
  const layers = topLayers(sentences, V, (i, row, dir) => {
    const target = dir === 0 ? ids[i][row + 1] : ids[i][row - 1];
    // The rows that predict nothing (forward at </S>, backward at <S>) would give uniform scores.
    return target === undefined ? Array(V).fill(1) : onehot(target);
  });
  const W = new Float32Array(V * V);
  for (let v = 0; v < V; v++) W[v * V + v] = 10;
  const r = naivePerplexity({ sentences, vocab, topLayers: layers, softmax: { W: { shape: [V, V], data: W }, b: { shape: [V], data: new Float32Array(V) } } });
  const best = 1 + (V - 1) * Math.exp(-10);
  for (const p of [r.forward, r.backward, r.average]) assert.ok(Math.abs(p - best) < 1e-12, `${p} != ${best}`);
  // Swapping the halves (forward for backward) is far off.
  const swapped = layers.map(({ shape, data }) => {
    const out = new Float32Array(data.length);
    for (let row = 0; row < shape[0]; row++) {
      out.set(data.subarray(row * 2 * V + V, (row + 1) * 2 * V), row * 2 * V);
      out.set(data.subarray(row * 2 * V, row * 2 * V + V), row * 2 * V + V);
    }
    return { shape, data: out };
  });
  assert.ok(naivePerplexity({ sentences, vocab, topLayers: swapped, softmax: { W: { shape: [V, V], data: W }, b: { shape: [V], data: new Float32Array(V) } } }).average > 100);
});

test('on the fixture model: its top layer with boundaries feeds the reference; a wrong shape is refused naming the sentence', async () => {
  const sentences = fixture.sentences.slice(0, 6);
  const corpus = new Corpus();
  sentences.forEach((s) => corpus.addSentence(s));
  const v = buildVocabulary(corpus, { maxSize: 30 });
  const elmo = await Elmo.load(fixture.modelDir, { numThreads: 1 });
  try {
    const top = await elmo.embed(sentences, { layers: 'top', keepBoundaries: true });
    const P = top[0].shape[1] / 2;
    assert.deepEqual(top[0].shape, [sentences[0].length + 2, 2 * P]);
    const prng = new Prng(1);
    const W = Float32Array.from({ length: v.size * P }, () => prng.nextUint32() / 2 ** 32 - 0.5);
    const b = Float32Array.from({ length: v.size }, () => prng.nextUint32() / 2 ** 32 - 0.5);
    const softmax = { W: { shape: [v.size, P], data: W }, b: { shape: [v.size], data: b } };
    const r = naivePerplexity({ sentences, vocab: v, topLayers: top, softmax });
    assert.equal(r.predictions, 2 * sentences.reduce((n, s) => n + s.length + 1, 0));
    assert.ok(r.forward > 1 && r.backward > 1 && r.forward !== r.backward);
    assert.ok(Math.abs(Math.log(r.average) - (Math.log(r.forward) + Math.log(r.backward)) / 2) < 1e-12);
    // The same rows taken from the all-layers output (layer n_layers) give the same answer.
    const all = await elmo.embed(sentences, { keepBoundaries: true });
    const fromAll = all.map(({ shape: [L, rows, dim], data }) => ({ shape: [rows, dim], data: data.subarray((L - 1) * rows * dim) }));
    assert.equal(naivePerplexity({ sentences, vocab: v, topLayers: fromAll, softmax }).average, r.average);
    const withoutBoundaries = await elmo.embed(sentences, { layers: 'top' });
    assert.throws(() => naivePerplexity({ sentences, vocab: v, topLayers: withoutBoundaries, softmax }), /sentence 0: top layer has shape \[\d+,32\], expected \[\d+, 32\]/);
  } finally {
    elmo.dispose();
  }
});
