/**
 * The model this package ships (models/mini, written by
 * models/mini/ship.js): its files are exactly the ones SHA256SUMS
 * names, byte for byte; it loads as the demo and `npm start` load it; its
 * perplexity on the fixed held-out slice and its sense accuracies are the
 * ones model-card.json (and the README's model card) give; and its
 * contextual layers tell senses apart where the token layer cannot.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Elmo } from '../../js/index.js';
import { SHIPPED_MODEL } from '../../js/node/demo/demo-server.js';
import { measureSenses, senseExamples } from '../../examples/word-senses.js';

const mini = fileURLToPath(new URL('../../models/mini/', import.meta.url));
/** @type {any} */
let card;
/** @type {Elmo} */
let elmo;
before(async () => {
  card = JSON.parse(await readFile(join(mini, 'model-card.json'), 'utf8'));
  elmo = await Elmo.load(SHIPPED_MODEL.dir);
});
after(() => elmo?.dispose());

test('every file of the shipped model is in SHA256SUMS, and each matches', async () => {
  const listed = new Map(
    (await readFile(join(mini, 'SHA256SUMS'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => /** @type {[string, string]} */ (line.split('  ').reverse())),
  );
  const entries = await readdir(SHIPPED_MODEL.dir, { withFileTypes: true, recursive: true });
  const present = entries.filter((e) => e.isFile()).map((e) => relative(mini, join(e.parentPath ?? e.path, e.name)));
  assert.deepEqual([...present, 'heldout-slice.txt'].sort(), [...listed.keys()].sort());
  for (const [file, sum] of listed) assert.equal(createHash('sha256').update(await readFile(join(mini, file))).digest('hex'), sum, file);
});

test('it loads as the demo does: the shape of its model card, its softmax and vocabulary', async () => {
  assert.equal(SHIPPED_MODEL.name, 'mini');
  assert.equal(elmo.info.name, 'elmo-wasm-mini');
  assert.equal(elmo.info.nLayers, card.options.lstm.n_layers);
  assert.equal(elmo.info.outputDim, 2 * card.options.lstm.projection_dim);
  const manifest = JSON.parse(await readFile(join(SHIPPED_MODEL.dir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.vocab.words, card.vocabularySize);
});

test('its perplexity on the held-out slice is the model card\'s', async () => {
  const text = await readFile(join(mini, 'heldout-slice.txt'), 'utf8');
  const sentences = text.split('\n').map((l) => l.split(' ').filter(Boolean)).filter((s) => s.length > 0);
  const got = await elmo.perplexity(sentences);
  const want = card.perplexity.heldoutSlice;
  assert.equal(got.predictions, want.predictions);
  for (const key of /** @type {const} */ (['forward', 'backward', 'average'])) {
    assert.ok(Math.abs(got[key] - want[key]) <= 1e-3 * want[key], `${key}: ${got[key]} vs the card's ${want[key]}`);
  }
  assert.ok(want.average < card.perplexity.heldout.average * 1.5 && want.average > card.perplexity.heldout.average / 1.5, 'the slice is like the whole split');
});

test('its contextual layers tell word senses apart; the token layer cannot', async () => {
  const data = JSON.parse(await readFile(fileURLToPath(new URL('../../examples/word-senses.json', import.meta.url)), 'utf8'));
  const layers = await measureSenses(elmo, senseExamples(data));
  layers.forEach(({ layer, accuracy }) => assert.ok(Math.abs(accuracy - card.senses[layer].accuracy) < 1e-3, `layer ${layer}: ${accuracy} vs the card's ${card.senses[layer].accuracy}`));
  assert.equal(layers[0].accuracy, 0.5, 'one vector per word: every comparison ties');
  assert.ok(layers.at(-1).accuracy >= 0.75, `top layer sense accuracy ${layers.at(-1).accuracy}`);
});
