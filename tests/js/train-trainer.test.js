/**
 * The Trainer (js/train/trainer.js) over the wasm C trainer: tensors by
 * bilm-tf name, steps that lower the loss, evaluation, checkpoint state
 * (weights, accumulators, carried state, generator) restored bit-identically,
 * C errors as ElmoError, and a trainer still usable after a refused call.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ElmoError } from '../../js/core/wasm-core.js';
import { BatchStream } from '../../js/train/batches.js';
import { Corpus } from '../../js/train/corpus.js';
import { addText } from '../../js/train/text.js';
import { perplexity } from '../../js/train/perplexity.js';
import { Trainer } from '../../js/train/trainer.js';
import { buildVocabulary } from '../../js/train/vocab.js';

const options = {
  char_cnn: { activation: 'relu', embedding: { dim: 4 }, filters: [[1, 4], [2, 8]], max_characters_per_token: 10, n_characters: 261, n_highway: 1 },
  lstm: { cell_clip: 3, dim: 16, n_layers: 2, proj_clip: 3, projection_dim: 8, use_skip_connections: true },
};
const params = { batchSize: 4, unroll: 5, negatives: 8, seed: 7 };
const text = 'the cat sat on the mat\nthe dog sat on the log\na cat and a dog\nthe mat and the log\n'.repeat(4);

function data() {
  const corpus = new Corpus();
  addText(corpus, text, 'text');
  const vocab = buildVocabulary(corpus);
  return { corpus, vocab };
}

test('tensors by bilm-tf name; the loss falls over steps; eval counts every target', async () => {
  const { corpus, vocab } = data();
  const trainer = await Trainer.create({ options, vocabSize: vocab.size, params });
  try {
    const names = trainer.tensors.map((t) => t.name);
    assert.ok(names.includes('char_embed') && names.includes('softmax/W') && names.includes('RNN_1/RNN/MultiRNNCell/Cell1/LSTMCell/W_P_0'), names.join(' '));
    assert.deepEqual(trainer.tensors.find((t) => t.name === 'softmax/W')?.shape, [vocab.size, 8]);
    assert.equal(trainer.params.batchSize, 4);
    assert.ok(Math.abs(trainer.params.learningRate - 0.2) < 1e-7, 'the C default learning rate');
    const accum = trainer.read('softmax/b', 'accumulators');
    assert.ok(accum.every((x) => x === 1), 'Adagrad accumulators start at 1');

    const stream = new BatchStream(corpus, vocab, { batchSize: 4, unroll: 5, epochs: 30, seed: 1 });
    const first = /** @type {any} */ (stream.next());
    const before = trainer.eval(first);
    assert.equal(before.count[0], 20);
    assert.equal(before.count[1], 20);
    const losses = [];
    for (let batch = first; batch !== null; batch = stream.next()) losses.push(trainer.step(batch));
    assert.ok(losses.length > 50, `${losses.length} steps`);
    const mean = (/** @type {number[]} */ xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(losses.slice(-10)) < 0.8 * mean(losses.slice(0, 10)), `loss ${mean(losses.slice(0, 10))} -> ${mean(losses.slice(-10))}`);
    const after = trainer.eval(first);
    assert.ok(after.nll[0] + after.nll[1] < before.nll[0] + before.nll[1]);
    assert.ok(trainer.read('softmax/b', 'accumulators').some((x) => x > 1));
  } finally {
    trainer.dispose();
  }
  trainer.dispose();
  assert.throws(() => trainer.read('softmax/b'), /disposed/);
});

test('weights, accumulators, carried state and generator state restore a run bit-identically', async () => {
  const { corpus, vocab } = data();
  const a = await Trainer.create({ options, vocabSize: vocab.size, params });
  const b = await Trainer.create({ options, vocabSize: vocab.size, params: { ...params, seed: 99 } });
  try {
    const stream = new BatchStream(corpus, vocab, { batchSize: 4, unroll: 5, epochs: 3 });
    for (let i = 0; i < 5; i++) a.step(/** @type {any} */ (stream.next()));
    const position = stream.position();
    for (const { name } of a.tensors) for (const buffer of /** @type {const} */ (['weights', 'accumulators'])) b.write(name, a.read(name, buffer), buffer);
    b.setState(a.state());
    b.setRngState(a.rngState().map(String));
    assert.deepEqual(b.rngState(), a.rngState());
    const resumed = BatchStream.resume(corpus, vocab, { batchSize: 4, unroll: 5, epochs: 3 }, position);
    for (let i = 0; i < 5; i++) {
      assert.equal(b.step(/** @type {any} */ (resumed.next())), a.step(/** @type {any} */ (stream.next())), `step ${i}`);
    }
    for (const { name } of a.tensors) assert.deepEqual(b.read(name), a.read(name), name);
  } finally {
    a.dispose();
    b.dispose();
  }
});

test('C errors become ElmoError with the C message; bad calls leave the trainer usable', async () => {
  const { corpus, vocab } = data();
  await assert.rejects(
    Trainer.create({ options: { ...options, lstm: { ...options.lstm, projection_dim: 16 } }, vocabSize: vocab.size, params }),
    (e) => e instanceof ElmoError && /projection_dim/.test(e.message),
  );
  await assert.rejects(Trainer.create({ options, vocabSize: 2, params }), /at least 3/);
  const trainer = await Trainer.create({ options, vocabSize: vocab.size, params });
  try {
    const batch = /** @type {any} */ (new BatchStream(corpus, vocab, { batchSize: 4, unroll: 5 }).next());
    const bad = { ...batch, forward: { ...batch.forward, targets: batch.forward.targets.map(() => vocab.size + 5) } };
    assert.throws(() => trainer.step(bad), (e) => e instanceof ElmoError && e.message.length > 0);
    assert.throws(() => trainer.write('softmax/b', new Float32Array(1)), /takes a Float32Array of/);
    assert.throws(() => trainer.read('nope'), /no tensor "nope"/);
    assert.throws(() => trainer.setRngState([0, 0, 0, 0]), ElmoError);
    assert.ok(Number.isFinite(trainer.step(batch)));
  } finally {
    trainer.dispose();
  }
});

test('threads: 2 runs the directions side by side and gives the same bits as 1', async () => {
  const { corpus, vocab } = data();
  const wide = { ...params, batchSize: 8, dropout: 0.2 }; // a token table of more than 16 words: the token layer splits its rows
  const one = await Trainer.create({ options, vocabSize: vocab.size, params: wide });
  const two = await Trainer.create({ options, vocabSize: vocab.size, params: wide, threads: 2 });
  try {
    assert.equal(one.threads, 1);
    assert.equal(two.threads, 2);
    const a = new BatchStream(corpus, vocab, { batchSize: 8, unroll: 5, epochs: 4, seed: 2 });
    const b = new BatchStream(corpus, vocab, { batchSize: 8, unroll: 5, epochs: 4, seed: 2 });
    let steps = 0;
    for (let batch = a.next(); batch !== null; batch = a.next(), steps++) {
      assert.equal(two.step(/** @type {any} */ (b.next())), one.step(batch), `step ${steps}`);
    }
    assert.ok(steps >= 5, `${steps} steps`);
    for (const { name } of one.tensors) {
      for (const buffer of /** @type {const} */ (['weights', 'accumulators'])) assert.deepEqual(two.read(name, buffer), one.read(name, buffer), `${name} ${buffer}`);
    }
    const batch = /** @type {any} */ (new BatchStream(corpus, vocab, { batchSize: 8, unroll: 5, epochs: 1 }).next());
    assert.deepEqual(two.eval(batch), one.eval(batch));
  } finally {
    one.dispose();
    two.dispose();
  }
  await assert.rejects(Trainer.create({ options, vocabSize: vocab.size, params, threads: /** @type {any} */ (3) }), /threads must be 1 or 2/);
});

test('a perplexity on the training trainer (as at a checkpoint) leaves its training state alone', async () => {
  const { corpus, vocab } = data();
  const trainer = await Trainer.create({ options, vocabSize: vocab.size, params });
  try {
    const stream = new BatchStream(corpus, vocab, { batchSize: 4, unroll: 5, epochs: 2 });
    for (let i = 0; i < 3; i++) trainer.step(/** @type {any} */ (stream.next()));
    const before = Float32Array.from(trainer.state());
    assert.ok(before.some((x) => x !== 0), 'training carries a state');
    const first = perplexity(trainer, corpus, vocab);
    assert.deepEqual(Float32Array.from(trainer.state()), before);
    assert.deepEqual(perplexity(trainer, corpus, vocab), first, 'each evaluation starts from zeros');
  } finally {
    trainer.dispose();
  }
});

/**
 * One row of `<S> p.. </S> <S> s.. </S>` (unroll = its length - 1) as a
 * Batch, the backward direction reading it reversed.
 * @param {import('../../js/train/vocab.js').Vocabulary} vocab
 * @param {string[]} words the row's tokens, boundaries included
 */
function rowBatch(vocab, words) {
  const table = ['<S>', '</S>', ...new Set(words.filter((w) => w !== '<S>' && w !== '</S>'))];
  const encoded = table.map((w, i) => (i < 2 ? new Uint8Array(0) : new TextEncoder().encode(w)));
  const offsets = new Uint32Array(table.length + 1);
  encoded.forEach((b, i) => (offsets[i + 1] = offsets[i] + b.length));
  const bytes = new Uint8Array(offsets[table.length]);
  encoded.forEach((b, i) => bytes.set(b, offsets[i]));
  const direction = (/** @type {string[]} */ seq) => ({
    inputs: Int32Array.from(seq.slice(0, -1), (w) => table.indexOf(w)),
    targets: Int32Array.from(seq.slice(1), (w) => vocab.idOf(w)),
  });
  return /** @type {any} */ ({ index: 0, epoch: 1, tokens: { bytes, offsets, count: table.length }, forward: direction(words), backward: direction([...words].reverse()) });
}

test('a sentence starts from a zero state (each direction at its first boundary) unless carrySentences', async () => {
  const { vocab } = data();
  const prefixes = [['<S>', 'the', 'cat', '</S>'], ['<S>', 'a', 'log', '</S>']];
  const sentences = [['<S>', 'the', 'dog', 'sat', '</S>'], ['<S>', 'on', 'a', 'mat', '</S>']];
  for (const carrySentences of [false, true]) {
    const trainer = await Trainer.create({ options, vocabSize: vocab.size, params: { ...params, batchSize: 1, unroll: 8, carrySentences } });
    try {
      assert.equal(trainer.params.carrySentences, carrySentences);
      // With sentence restarts a row's NLL is its first sentence's part plus its second's, per direction.
      const nll = (/** @type {number} */ p, /** @type {number} */ s) => trainer.eval(rowBatch(vocab, [...prefixes[p], ...sentences[s]])).nll;
      for (const d of [0, 1]) {
        const gap = Math.abs(nll(0, 0)[d] - nll(1, 0)[d] - (nll(0, 1)[d] - nll(1, 1)[d]));
        if (carrySentences) assert.ok(gap > 1e-4, `direction ${d}: the state crosses the boundary, gap ${gap}`);
        else assert.ok(gap < 1e-5, `direction ${d}: the second sentence ignores the first, gap ${gap}`);
      }
    } finally {
      trainer.dispose();
    }
  }
  await assert.rejects(Trainer.create({ options, vocabSize: vocab.size, params: { carrySentences: /** @type {any} */ (1) } }), /carrySentences must be a boolean/);
});
