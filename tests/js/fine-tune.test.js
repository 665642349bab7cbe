/**
 * Elmo.fineTune and exportWeights in Node, on the bilm-tf fixture converted
 * with a softmax and a vocabulary: a load that never reads them, the loss falling, embeddings that change and are
 * reproducible, export → convert → load giving the same embeddings, abort
 * and every refusal leaving the engine with its weights and usable, and the
 * trainer held to maxMemoryMB.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Elmo, ElmoError, Status } from '../../js/index.js';
import { convertModel } from '../../js/node/convert/convert.js';
import { readBilmWeights } from '../../js/node/train/bilm-hdf5.js';
import { bilmWeightDatasets } from '../../js/format/bilm-layout.js';
import { parseManifest } from '../../js/format/model-format.js';
import { convertFixture, convertFixtureForFineTune, fixtureSentences, maxAbsDiff, optionsPath, weightsPath } from './fixture.js';

/** @type {Awaited<ReturnType<typeof convertFixtureForFineTune>>} */
let fixture;
/** @type {string[][]} */
let sentences;
/** @type {string[][]} a few sentences to compare embeddings on */
let probe;
/** @type {Float32Array[]} the probe's embeddings before any fine-tuning */
let original;

before(async () => {
  fixture = await convertFixtureForFineTune();
  sentences = (await fixtureSentences()).flat().map((s) => s.split(' '));
  probe = sentences.slice(0, 4);
  const elmo = await Elmo.load(fixture.modelDir);
  original = (await elmo.embed(probe)).map((e) => e.data);
  elmo.dispose();
});
after(() => fixture?.cleanup());

/** @param {Elmo} elmo */
const embedProbe = async (elmo) => (await elmo.embed(probe)).map((e) => e.data);

/**
 * @param {Float32Array[]} a
 * @param {Float32Array[]} b
 */
const largestDiff = (a, b) => Math.max(...a.map((x, i) => maxAbsDiff(x, b[i])));

/** @param {number[]} xs */
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('Elmo.fineTune', () => {
  test('a load never reads the softmax or the vocabulary: without them the model loads and embeds the same', async () => {
    const copy = await convertFixtureForFineTune();
    try {
      const manifest = JSON.parse(await readFile(join(copy.modelDir, 'manifest.json'), 'utf8'));
      for (const file of [...manifest.softmax.shards, manifest.vocab]) await rm(join(copy.modelDir, file.path));
      const elmo = await Elmo.load(copy.modelDir);
      try {
        assert.equal(largestDiff(await embedProbe(elmo), original), 0);
        // fineTune is what reads them, and it says which file is missing.
        await assert.rejects(elmo.fineTune(sentences, { steps: 1 }), /vocab\.txt/);
        assert.equal(largestDiff(await embedProbe(elmo), original), 0);
      } finally {
        elmo.dispose();
      }
    } finally {
      await copy.cleanup();
    }
  });

  test('the loss falls over the steps, one progress event a step; the embeddings change, the same for the same settings', async (t) => {
    const elmo = await Elmo.load(fixture.modelDir);
    const twin = await Elmo.load(fixture.modelDir);
    try {
      /** @type {any[]} */
      const events = [];
      const result = await elmo.fineTune(sentences, { steps: 40, onProgress: (e) => events.push(e) });
      assert.equal(result.steps, 40);
      assert.equal(result.tokens, 40 * 16 * 20);
      assert.deepEqual(events.map((e) => e.step), Array.from({ length: 40 }, (_, i) => i + 1));
      assert.ok(events.every((e, i) => e.steps === 40 && e.tokens === (i + 1) * 320 && e.loss === result.losses[i] && e.tokensPerSecond > 0));
      const first = mean(result.losses.slice(0, 10));
      const last = mean(result.losses.slice(-10));
      t.diagnostic(`loss ${first.toFixed(3)} over the first 10 steps, ${last.toFixed(3)} over the last 10; ${result.seconds.toFixed(2)} s`);
      assert.ok(last < first - 0.3, `loss ${first} -> ${last}`);

      const tuned = await embedProbe(elmo);
      const change = largestDiff(tuned, original);
      t.diagnostic(`largest change of an embedding value: ${change}`);
      assert.ok(change > 1e-2, `embeddings moved by ${change}`);
      await twin.fineTune(sentences, { steps: 40 });
      assert.equal(largestDiff(await embedProbe(twin), tuned), 0, 'the same settings give the same weights');
      // Another seed gives other weights.
      const other = await Elmo.load(fixture.modelDir);
      await other.fineTune(sentences, { steps: 40, seed: 1 });
      assert.ok(largestDiff(await embedProbe(other), tuned) > 1e-4);
      other.dispose();
    } finally {
      elmo.dispose();
      twin.dispose();
    }
  });

  test('raw text, tokens instead of steps, one pass by default, and a second call continues from the adapted weights', async () => {
    const elmo = await Elmo.load(fixture.modelDir);
    try {
      const text = sentences.map((s) => s.join(' '));
      const byTokens = await elmo.fineTune(text, { tokens: 5 * 320 + 100, batchSize: 16, unroll: 20 });
      assert.equal(byTokens.steps, 5);
      const once = await embedProbe(elmo);
      // One pass over the 30 sentences: 30 + their tokens positions, in whole batches of 4 × 10.
      const positions = sentences.reduce((n, s) => n + s.length + 1, 0);
      const pass = await elmo.fineTune(sentences, { batchSize: 4, unroll: 10 });
      assert.ok(pass.steps >= 1 && pass.steps <= Math.floor(positions / 40), `${pass.steps} steps for ${positions} positions`);
      assert.ok(largestDiff(await embedProbe(elmo), once) > 0);
    } finally {
      elmo.dispose();
    }
  });

  test('exportWeights: the HDF5 bytes convert, load and embed as the fine-tuned engine does (1e-5)', async (t) => {
    const elmo = await Elmo.load(fixture.modelDir);
    try {
      // Before fine-tuning, the export is the fixture's weight file, value for value.
      const untouched = join(fixture.dir, 'untouched.hdf5');
      await writeFile(untouched, await elmo.exportWeights());
      const released = await readBilmWeights(weightsPath);
      const exported = await readBilmWeights(untouched);
      assert.deepEqual([...exported.keys()].sort(), bilmWeightDatasets(parseManifest(await readFile(join(fixture.modelDir, 'manifest.json'), 'utf8')).options).map((d) => d.name).sort());
      for (const [name, tensor] of released) assert.deepEqual(exported.get(name)?.data, tensor.data, name);

      await elmo.fineTune(sentences, { steps: 20 });
      const tuned = await embedProbe(elmo);
      const bytes = await elmo.exportWeights();
      assert.ok(bytes instanceof Uint8Array);
      const path = join(fixture.dir, 'tuned.hdf5');
      await writeFile(path, bytes);
      const converted = join(fixture.dir, 'tuned-model');
      await convertModel(optionsPath, path, converted);
      const reloaded = await Elmo.load(converted);
      const again = await embedProbe(reloaded);
      reloaded.dispose();
      const diff = largestDiff(again, tuned);
      t.diagnostic(`export → convert → load: max |diff| ${diff} (the fine-tuning moved values by ${largestDiff(tuned, original)})`);
      assert.ok(diff <= 1e-5, `max abs diff ${diff}`);
    } finally {
      elmo.dispose();
    }
  });

  test('an abort mid-run rejects with an AbortError; the engine keeps the weights it had and stays usable', async () => {
    const elmo = await Elmo.load(fixture.modelDir);
    try {
      const controller = new AbortController();
      let last = 0;
      const run = elmo.fineTune(sentences, { steps: 1000, signal: controller.signal, onProgress: (e) => {
        last = e.step;
        if (e.step === 3) controller.abort();
      } });
      await assert.rejects(run, (e) => e instanceof DOMException && e.name === 'AbortError');
      assert.equal(last, 3, 'no step after the abort');
      assert.equal(largestDiff(await embedProbe(elmo), original), 0, 'the weights from before the call');
      // A custom reason is what it rejects with; an already aborted signal rejects at once.
      const reason = new Error('stop here');
      await assert.rejects(elmo.fineTune(sentences, { steps: 5, signal: AbortSignal.abort(reason) }), (e) => e === reason);
      // An abort while the softmax is still being read.
      const early = new AbortController();
      const reading = elmo.fineTune(sentences, { steps: 5, signal: early.signal });
      early.abort();
      await assert.rejects(reading, /abort/i);
      const done = await elmo.fineTune(sentences, { steps: 2 });
      assert.equal(done.steps, 2);
      assert.ok(largestDiff(await embedProbe(elmo), original) > 0);
    } finally {
      elmo.dispose();
    }
  });

  test('bad input: a clear error, the engine unchanged and usable after each', async () => {
    const elmo = await Elmo.load(fixture.modelDir);
    /** @type {Array<[string, unknown, any, RegExp, Function]>} */
    const cases = [
      ['an empty list', [], { steps: 1 }, /needs sentences to train on, got an empty list/, RangeError],
      ['only empty sentences', [[], []], { steps: 1 }, /all 2 given are empty/, RangeError],
      ['not an array', 42, { steps: 1 }, /sentences must be an array/, TypeError],
      ['a token that is not a string', [['a', 7]], { steps: 1 }, /sentence 0, token 1 must be a string/, TypeError],
      ['steps 0', sentences, { steps: 0 }, /steps must be a positive integer, got 0/, RangeError],
      ['steps -3', sentences, { steps: -3 }, /steps must be a positive integer, got -3/, RangeError],
      ['steps 1.5', sentences, { steps: 1.5 }, /steps must be a positive integer, got 1\.5/, RangeError],
      ['steps and tokens', sentences, { steps: 1, tokens: 1000 }, /give one of them/, RangeError],
      ['tokens under one step', sentences, { tokens: 100 }, /tokens 100 is less than one step \(batchSize × unroll = 320 positions\)/, RangeError],
      ['lr 0', sentences, { steps: 1, lr: 0 }, /lr must be a number above 0, got 0/, RangeError],
      ['lr NaN', sentences, { steps: 1, lr: NaN }, /lr must be a number above 0/, RangeError],
      ['dropout 1', sentences, { steps: 1, dropout: 1 }, /dropout must be a number in \[0, 1\), got 1/, RangeError],
      ['batchSize 0', sentences, { steps: 1, batchSize: 0 }, /batchSize must be a positive integer, got 0/, RangeError],
      ['an unknown option', sentences, { step: 1 }, /unknown fineTune option "step"/, TypeError],
      ['options not an object', sentences, 5, /fineTune options must be an object, got number/, TypeError],
      ['onProgress not a function', sentences, { steps: 1, onProgress: 'yes' }, /onProgress must be a function/, TypeError],
      ['signal not an AbortSignal', sentences, { steps: 1, signal: {} }, /signal must be an AbortSignal/, TypeError],
      ['too little text for one batch', [['a', 'b']], {}, /the sentences give no full batch: batchSize × unroll = 320 positions, they have 3/, RangeError],
      ['a diverging rate', sentences, { steps: 20, lr: 1e30 }, /weights diverged; use a lower lr than 1e\+30|holds (NaN|-?Infinity)/, Error],
    ];
    try {
      for (const [what, input, options, message, kind] of cases) {
        await assert.rejects(elmo.fineTune(/** @type {any} */ (input), options), (e) => e instanceof kind && message.test(e.message), what);
        assert.equal(largestDiff(await embedProbe(elmo), original), 0, `${what}: weights unchanged`);
      }
      // One call at a time.
      const first = elmo.fineTune(sentences, { steps: 2 });
      await assert.rejects(elmo.fineTune(sentences, { steps: 2 }), /already fine-tuning/);
      await first;
      // dispose() during a run: it rejects, nothing is left allocated.
      const run = elmo.fineTune(sentences, { steps: 50 });
      await new Promise((r) => setTimeout(r, 30));
      elmo.dispose();
      await assert.rejects(run, /this Elmo instance has been disposed/);
      await assert.rejects(elmo.fineTune(sentences, { steps: 1 }), /this Elmo instance has been disposed/);
      await assert.rejects(elmo.exportWeights(), /this Elmo instance has been disposed/);
    } finally {
      elmo.dispose();
    }
  });

  test('a model without a softmax, and an int8 one, are refused naming what to convert; both stay usable', async () => {
    const plain = await convertFixture();
    const int8 = await convertFixtureForFineTune({ dtype: 'int8' });
    try {
      const a = await Elmo.load(plain.modelDir);
      await assert.rejects(a.fineTune(sentences, { steps: 1 }), /fineTune needs a model that carries its softmax and vocabulary, and .* has none: convert it with `elmo-wasm convert .* --softmax softmax\.hdf5 --vocab vocab\.txt`/);
      assert.equal(largestDiff(await embedProbe(a), original), 0);
      a.dispose();
      const b = await Elmo.load(int8.modelDir);
      const before = await embedProbe(b);
      await assert.rejects(b.fineTune(sentences, { steps: 1 }), /fineTune needs float32 weights, and .* stores its matrices as int8 \(tensor "cnn\/W_0"\): convert the model with --dtype float32/);
      assert.equal(largestDiff(await embedProbe(b), before), 0);
      // Its export is the weights the engine holds, dequantized.
      const exported = join(int8.dir, 'int8-export.hdf5');
      await writeFile(exported, await b.exportWeights());
      const released = await readBilmWeights(weightsPath);
      const tensors = await readBilmWeights(exported);
      const w = /** @type {any} */ (tensors.get('CNN_high_0/W_carry')).data;
      assert.ok(maxAbsDiff(w, /** @type {any} */ (released.get('CNN_high_0/W_carry')).data) < 1e-2);
      b.dispose();
    } finally {
      await plain.cleanup();
      await int8.cleanup();
    }
  });

  test('a corrupted softmax shard is refused by its sha256; the engine stays usable and a good copy trains', async () => {
    const copy = await convertFixtureForFineTune();
    try {
      const manifest = JSON.parse(await readFile(join(copy.modelDir, 'manifest.json'), 'utf8'));
      const shard = join(copy.modelDir, manifest.softmax.shards[0].path);
      const good = await readFile(shard);
      const bad = Buffer.from(good);
      bad[100] ^= 0xff;
      await writeFile(shard, bad);
      const elmo = await Elmo.load(copy.modelDir);
      try {
        await assert.rejects(elmo.fineTune(sentences, { steps: 1 }), /softmax-00001-of-00001\.bin: sha256 mismatch/);
        assert.equal(largestDiff(await embedProbe(elmo), original), 0);
        await writeFile(shard, good);
        assert.equal((await elmo.fineTune(sentences, { steps: 1 })).steps, 1);
      } finally {
        elmo.dispose();
      }
    } finally {
      await copy.cleanup();
    }
  });

  test('the trainer is held to maxMemoryMB, and repeated calls leave wasm memory where it was', async () => {
    const tiny = await Elmo.load(fixture.modelDir, { maxMemoryMB: 1 });
    await assert.rejects(tiny.fineTune(sentences, { steps: 1 }), (e) => e instanceof ElmoError && e.status === Status.OUT_OF_MEMORY && /maxMemoryMB \(1\.0 MB\) is too small to fine-tune this model: its \d+ weights .* alone take 1\.\d MB/.test(e.message));
    assert.equal(largestDiff(await embedProbe(tiny), original), 0);
    tiny.dispose();
    // Past that bound the trainer's whole instance counts (one batch's activations, the module's own memory).
    const small = await Elmo.load(fixture.modelDir, { maxMemoryMB: 4 });
    await assert.rejects(small.fineTune(sentences, { steps: 1 }), (e) => e instanceof ElmoError && e.status === Status.OUT_OF_MEMORY && /the trainer takes \d+\.\d MB; lower batchSize, unroll or negatives, or raise maxMemoryMB/.test(e.message));
    small.dispose();

    const elmo = await Elmo.load(fixture.modelDir);
    try {
      const sizes = [];
      for (let i = 0; i < 4; i++) {
        await elmo.fineTune(sentences, { steps: 1 });
        await elmo.embed(probe);
        sizes.push(elmo.wasmMemoryBytes);
      }
      assert.equal(sizes[3], sizes[1], `wasm memory after each call: ${sizes.join(', ')}`);
    } finally {
      elmo.dispose();
    }
  });
});
