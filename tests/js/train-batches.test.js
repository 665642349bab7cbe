/**
 * The trainer's batch stream (js/train/batches.js): bilm-tf's packing, both
 * directions, the token table, epochs and budgets, and bit-identical resume.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchStream } from '../../js/train/batches.js';
import { Corpus } from '../../js/train/corpus.js';
import { Prng } from '../../js/train/prng.js';
import { buildVocabulary, Vocabulary } from '../../js/train/vocab.js';

/** @param {string[]} lines */
function corpusOf(lines) {
  const corpus = new Corpus();
  for (const line of lines) corpus.addSentence(line.split(' ').filter(Boolean));
  return corpus;
}

const decoder = new TextDecoder();

/**
 * The tokens a direction reads, as strings, row by row.
 * @param {import('../../js/train/batches.js').Batch} batch
 * @param {'forward' | 'backward'} dir
 * @param {number} unroll
 */
function inputWords(batch, dir, unroll) {
  const { bytes, offsets } = batch.tokens;
  const word = (/** @type {number} */ e) => (e === 0 ? '<S>' : e === 1 ? '</S>' : decoder.decode(bytes.subarray(offsets[e], offsets[e + 1])));
  const rows = [];
  for (let r = 0; r < batch[dir].inputs.length / unroll; r++) rows.push(Array.from(batch[dir].inputs.subarray(r * unroll, (r + 1) * unroll), word));
  return rows;
}

/**
 * @param {Int32Array} values
 * @param {number} unroll
 */
const rowsOf = (values, unroll) => Array.from({ length: values.length / unroll }, (_, r) => [...values.subarray(r * unroll, (r + 1) * unroll)]);

test("bilm-tf's own LMDataset test (tests/test_data.py): the same inputs and targets, both directions", () => {
  const corpus = corpusOf(['the unknown .', 'th .', 'the']);
  const vocab = new Vocabulary(['<S>', '</S>', '<UNK>', 'the', '.', 'āt']);
  // Unshuffled, looping over the text as bilm-tf's training dataset does.
  const stream = new BatchStream(corpus, vocab, { batchSize: 2, unroll: 3, shuffle: false, maxTokens: 12 });
  const [b1, b2, none] = [stream.next(), stream.next(), stream.next()];
  assert.equal(none, null);
  assert.ok(b1 && b2);
  const ids = (/** @type {import('../../js/train/batches.js').Batch} */ b, /** @type {'forward' | 'backward'} */ dir) =>
    inputWords(b, dir, 3).map((row) => row.map((w) => vocab.idOf(w)));
  assert.deepEqual(ids(b1, 'forward'), [[0, 3, 2], [0, 2, 4]]);
  assert.deepEqual(rowsOf(b1.forward.targets, 3), [[3, 2, 4], [2, 4, 1]]);
  assert.deepEqual(ids(b2, 'forward'), [[4, 0, 3], [0, 3, 2]]);
  assert.deepEqual(rowsOf(b2.forward.targets, 3), [[1, 3, 1], [3, 2, 4]]);
  assert.deepEqual(ids(b1, 'backward'), [[1, 4, 2], [1, 4, 2]]);
  assert.deepEqual(rowsOf(b1.backward.targets, 3), [[4, 2, 3], [4, 2, 0]]);
  assert.deepEqual(ids(b2, 'backward'), [[3, 1, 3], [1, 4, 2]]);
  assert.deepEqual(rowsOf(b2.backward.targets, 3), [[0, 3, 0], [4, 2, 3]]);
  // Inputs are characters, not vocabulary ids: "unknown" and "th" enter as themselves.
  assert.deepEqual(inputWords(b1, 'forward', 3), [['<S>', 'the', 'unknown'], ['<S>', 'th', '.']]);
  assert.deepEqual(inputWords(b1, 'backward', 3), [['</S>', '.', 'unknown'], ['</S>', '.', 'th']]);
});

test('the token table: <S> and </S> at 0 and 1 without bytes, each other token once, literal boundaries mapped to them', () => {
  const corpus = corpusOf(['a b a <S> c', 'b </S> é']);
  const vocab = buildVocabulary(corpus);
  const stream = new BatchStream(corpus, vocab, { batchSize: 2, unroll: 5, shuffle: false, epochs: 2 });
  const batch = stream.next();
  assert.ok(batch);
  const { bytes, offsets, count } = batch.tokens;
  assert.equal(offsets.length, count + 1);
  assert.deepEqual([offsets[0], offsets[1], offsets[2]], [0, 0, 0]);
  const words = Array.from({ length: count - 2 }, (_, i) => decoder.decode(bytes.subarray(offsets[i + 2], offsets[i + 3])));
  // In order of first use, forward inputs before backward ones: only the backward rows read "c" here.
  assert.deepEqual(words, ['a', 'b', 'é', 'c']);
  assert.equal(offsets[count], bytes.length);
  assert.deepEqual(inputWords(batch, 'forward', 5), [['<S>', 'a', 'b', 'a', '<S>'], ['<S>', 'b', '</S>', 'é', '<S>']]);
  for (const dir of /** @type {const} */ (['forward', 'backward'])) {
    assert.ok(batch[dir].inputs.every((e) => e >= 0 && e < count));
  }
});

test('targets: vocabulary ids, <UNK> outside it; every sentence gives n + 1 steps in each direction', () => {
  const corpus = corpusOf(['x y z', 'y q']);
  const vocab = buildVocabulary(corpus, { maxSize: 4 }); // <S> </S> <UNK> y
  assert.deepEqual(vocab.words, ['<S>', '</S>', '<UNK>', 'y']);
  // One row holding exactly the two sentences: 4 + 3 steps.
  const batch = new BatchStream(corpus, vocab, { batchSize: 1, unroll: 7, shuffle: false }).next();
  assert.ok(batch);
  assert.deepEqual(inputWords(batch, 'forward', 7), [['<S>', 'x', 'y', 'z', '<S>', 'y', 'q']]);
  assert.deepEqual([...batch.forward.targets], [2, 3, 2, 1, 3, 2, 1]);
  assert.deepEqual(inputWords(batch, 'backward', 7), [['</S>', 'z', 'y', 'x', '</S>', 'q', 'y']]);
  assert.deepEqual([...batch.backward.targets], [2, 3, 2, 0, 2, 3, 0]);
});

/** A seeded random text of `n` sentences of 0..11 tokens from a 40-word list. */
function randomCorpus(n, seed) {
  const prng = new Prng(seed);
  const lines = Array.from({ length: n }, () => Array.from({ length: prng.below(12) }, () => `w${prng.below(40)}`).join(' '));
  return corpusOf(lines);
}

test('epochs: each is a fresh permutation of all sentences, packed without gaps; the unfillable last batch is dropped', () => {
  const corpus = randomCorpus(30, 1);
  const vocab = buildVocabulary(corpus);
  const stream = new BatchStream(corpus, vocab, { batchSize: 1, unroll: 4, seed: 9, epochs: 2 });
  const steps = corpus.tokenCount + corpus.sentenceCount;
  assert.equal(stream.plannedBatches(), Math.floor((2 * steps) / 4));
  const inputs = [];
  const epochs = [];
  for (const batch of stream) {
    inputs.push(...inputWords(batch, 'forward', 4)[0]);
    epochs.push(batch.epoch);
  }
  assert.equal(inputs.length, 4 * Math.floor((2 * steps) / 4));
  assert.equal(stream.next(), null);
  assert.deepEqual(epochs, [...epochs].sort((a, b) => a - b));
  assert.deepEqual([epochs[0], epochs[epochs.length - 1]], [1, 2]);
  // Cut the stream at <S>: whole sentences, epoch 1 then epoch 2 (less what the last batch dropped).
  const sentences = inputs.join(' ').split('<S>').slice(1).map((s) => s.trim());
  const text = Array.from({ length: corpus.sentenceCount }, (_, i) => Array.from(corpus.sentence(i), (w) => corpus.words[w]).join(' '));
  const first = sentences.slice(0, text.length);
  assert.deepEqual([...first].sort(), [...text].sort());
  assert.notDeepEqual(first, text, 'shuffled');
  const second = sentences.slice(text.length);
  assert.notDeepEqual(second, first.slice(0, second.length), 'reshuffled');
  assert.ok(second.slice(0, -1).every((s) => text.includes(s)));
});

test('a token budget: floor(maxTokens / (batch × unroll)) batches, looping over the text', () => {
  const corpus = randomCorpus(5, 2);
  const vocab = buildVocabulary(corpus);
  const stream = new BatchStream(corpus, vocab, { batchSize: 3, unroll: 5, maxTokens: 1000 });
  assert.equal(stream.plannedBatches(), 66);
  assert.equal([...stream].length, 66);
  assert.throws(() => new BatchStream(corpus, vocab, { batchSize: 3, unroll: 5, maxTokens: 14 }), /maxTokens 14 is less than one batch \(batchSize × unroll = 15 tokens\)/);
});

test('resume: from the position after any batch, the rest of the stream is bit-identical (across epochs, JSON round trip)', () => {
  const corpus = randomCorpus(25, 3);
  const vocab = buildVocabulary(corpus, { maxSize: 20 });
  const options = { batchSize: 3, unroll: 5, seed: 12345, epochs: 3 };
  const whole = [...new BatchStream(corpus, vocab, options)];
  assert.ok(whole.length > 20 && whole[whole.length - 1].epoch === 3);
  for (let k = 0; k <= whole.length; k++) {
    const first = new BatchStream(corpus, vocab, options);
    for (let i = 0; i < k; i++) first.next();
    const position = JSON.parse(JSON.stringify(first.position()));
    const rest = [...BatchStream.resume(corpus, vocab, options, position)];
    assert.deepEqual(rest, whole.slice(k), `resumed after batch ${k}`);
  }
  // A longer run may resume the shorter one's last position.
  const stream = new BatchStream(corpus, vocab, options);
  while (stream.next() !== null);
  const longer = [...BatchStream.resume(corpus, vocab, { ...options, epochs: 4 }, stream.position())];
  assert.ok(longer.length > 0 && longer[0].epoch >= 3);
});

test('resume refuses another text, other settings, or a damaged position, saying which', () => {
  const corpus = randomCorpus(10, 4);
  const vocab = buildVocabulary(corpus);
  const options = { batchSize: 2, unroll: 4, seed: 5 };
  const stream = new BatchStream(corpus, vocab, options);
  stream.next();
  const position = stream.position();
  assert.throws(() => BatchStream.resume(randomCorpus(10, 5), vocab, options, position), /cannot resume the data stream: it was saved for another text/);
  assert.throws(() => BatchStream.resume(corpus, vocab, { ...options, batchSize: 3 }, position), /saved with batchSize 2, not 3/);
  assert.throws(() => BatchStream.resume(corpus, vocab, { ...options, seed: 6 }, position), /saved with seed 5, not 6/);
  assert.throws(() => BatchStream.resume(corpus, vocab, options, { ...position, rows: [[99, 0], null] }), /row 0 is \[99,0\]/);
  assert.throws(() => BatchStream.resume(corpus, vocab, options, { ...position, rng: [0, 0, 0, 0] }), /generator state/);
  assert.throws(() => BatchStream.resume(corpus, vocab, options, /** @type {any} */ ({ version: 2 })), /not a version 1 data position/);
  assert.throws(() => new BatchStream(new Corpus(), vocab, options), /no sentences/);
  assert.throws(() => new BatchStream(corpus, vocab, { ...options, unroll: 0 }), /unroll must be a positive integer/);
});
