/**
 * `elmo-wasm perplexity` on a model trained a few steps, against the naive
 * reference (tests/js/perplexity-reference.js) over what `embed` gives for the
 * converted model: sentences longer than one unroll, rows left empty at the
 * end of a group, words outside the vocabulary.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { convertModel } from '../../js/node/convert/convert.js';
import { readSoftmax } from '../../js/node/train/bilm-hdf5.js';
import { MODEL_FILES, writeModelDescription, writeModelWeights } from '../../js/node/train/trained-model.js';
import { BatchStream } from '../../js/train/batches.js';
import { Corpus } from '../../js/train/corpus.js';
import { naivePerplexity } from './perplexity-reference.js';
import { addText } from '../../js/train/text.js';
import { Trainer } from '../../js/train/trainer.js';
import { buildVocabulary, parseVocabulary } from '../../js/train/vocab.js';
import { elmoWasm } from './run-cli.js';

const options = {
  char_cnn: { activation: 'tanh', embedding: { dim: 4 }, filters: [[1, 4], [2, 8]], max_characters_per_token: 10, n_characters: 261, n_highway: 1 },
  lstm: { cell_clip: 3, dim: 16, n_layers: 2, proj_clip: 3, projection_dim: 8, use_skip_connections: true },
};
const training = 'the cat sat on the mat\nthe dog sat on the log\na cat and a dog\n'.repeat(3);
const long = Array.from({ length: 26 }, (_, i) => ['the', 'cat', 'zebra', 'on'][i % 4]).join(' ');
const heldout = ['the cat sat', long, 'a dog on the unseen mat', 'dog'];

/** @type {string} */
let dir;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'elmo-perplexity-'));
  const corpus = new Corpus();
  addText(corpus, training, 'training');
  const vocab = buildVocabulary(corpus);
  const trainer = await Trainer.create({ options, vocabSize: vocab.size, params: { batchSize: 2, unroll: 5, negatives: 4, seed: 3 } });
  try {
    const stream = new BatchStream(corpus, vocab, { batchSize: 2, unroll: 5, epochs: 2 });
    for (const batch of stream) trainer.step(batch);
    await mkdir(join(dir, 'model'));
    await writeModelDescription(join(dir, 'model'), options, vocab);
    await writeModelWeights(join(dir, 'model'), trainer, options);
  } finally {
    trainer.dispose();
  }
  await writeFile(join(dir, 'heldout.txt'), `${heldout.join('\n')}\n`);
});
after(() => rm(dir, { recursive: true, force: true }));

test('perplexity matches the naive full-softmax reference over embed\'s top layer', async () => {
  const model = join(dir, 'model');
  await convertModel(join(model, MODEL_FILES.options), join(model, MODEL_FILES.weights), join(dir, 'converted'));
  const elmo = await Elmo.load(join(dir, 'converted'));
  const sentences = heldout.map((s) => s.split(' '));
  let want;
  try {
    const topLayers = await elmo.embed(sentences, { layers: 'top', keepBoundaries: true });
    const vocab = parseVocabulary(await readFile(join(model, MODEL_FILES.vocab), 'utf8'));
    want = naivePerplexity({ sentences, vocab, topLayers, softmax: await readSoftmax(join(model, MODEL_FILES.softmax)) });
  } finally {
    elmo.dispose();
  }
  for (const batchSize of ['3', '1']) {
    const { code, stdout, stderr } = await elmoWasm('perplexity', model, join(dir, 'heldout.txt'), '--batch-size', batchSize);
    assert.equal(code, 0, stderr);
    const last = stdout.trim().split('\n').at(-1) ?? '';
    const m = /^perplexity forward (\S+) backward (\S+) average (\S+) \((\d+) predictions\)$/.exec(last);
    assert.ok(m, last);
    assert.equal(Number(m[4]), want.predictions);
    assert.equal(want.predictions, 2 * (3 + 26 + 6 + 1 + 4));
    const close = (/** @type {string} */ got, /** @type {number} */ ref) => Math.abs(Number(got) - ref) <= 1e-3 * ref + 1e-3;
    assert.ok(close(m[1], want.forward) && close(m[2], want.backward) && close(m[3], want.average), `${last} vs ${JSON.stringify(want)}`);
    assert.ok(want.average > 1.5, 'a perplexity that says something');
  }
});

test('a converted model directory with its softmax gives the trained folder\'s perplexity, in the CLI and as Elmo.perplexity', async () => {
  const model = join(dir, 'model');
  const converted = join(dir, 'converted-ft');
  await convertModel(join(model, MODEL_FILES.options), join(model, MODEL_FILES.weights), converted, {
    softmaxPath: join(model, MODEL_FILES.softmax),
    vocabPath: join(model, MODEL_FILES.vocab),
  });
  const lastLine = async (/** @type {string} */ from) => {
    const { code, stdout, stderr } = await elmoWasm('perplexity', from, join(dir, 'heldout.txt'), '--batch-size', '3', '--threads', '1');
    assert.equal(code, 0, stderr);
    return stdout.trim().split('\n').at(-1);
  };
  const want = await lastLine(model);
  assert.equal(await lastLine(converted), want);
  const elmo = await Elmo.load(converted);
  try {
    const p = await elmo.perplexity(heldout);
    assert.match(want ?? '', new RegExp(`^perplexity forward ${p.forward.toFixed(3)} backward ${p.backward.toFixed(3)} average ${p.average.toFixed(3)} \\(${p.predictions} predictions\\)$`));
    await assert.rejects(elmo.perplexity(heldout, { batchSize: 0 }), /batchSize must be an integer/);
    await assert.rejects(elmo.perplexity([]), /sentences/);
    assert.equal((await elmo.perplexity(heldout)).average, p.average, 'still usable after refused calls');
  } finally {
    elmo.dispose();
  }
  const plain = await Elmo.load(join(dir, 'converted'));
  try {
    await assert.rejects(plain.perplexity(heldout), /^Error: perplexity needs a model that carries its softmax/);
  } finally {
    plain.dispose();
  }
});

test('perplexity refuses a model folder without its files, naming the file', async () => {
  const { code, stderr } = await elmoWasm('perplexity', join(dir, 'heldout.txt.missing'), join(dir, 'heldout.txt'));
  assert.equal(code, 1);
  assert.match(stderr, /options\.json: no such file/);
});
