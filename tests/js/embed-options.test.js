/**
 * Elmo.embed beyond token arrays: raw text with offsets, state modes, and the
 * output options (layers, mix, output, pooling, normalize), each checked
 * against the plain all-layers result and the helpers of outputs.js.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Elmo, pool, scalarMix, selectLayers, tokenize } from '../../js/index.js';
import { shapeOutputs } from '../../js/api/embed-options.js';
import { convertFixture, maxAbsDiff } from './fixture.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {Elmo} */
let elmo;
before(async () => {
  converted = await convertFixture();
  elmo = await Elmo.load(converted.modelDir);
});
after(async () => {
  elmo.dispose();
  await converted.cleanup();
});

const TOKENS = ['The', 'bank', 'closed', 'early', '.'];
const OTHER = ['Rates', 'rose', 'again', '.'];
/** @returns {Promise<{ shape: number[], data: Float32Array }>} all layers of TOKENS, stateless */
const plain = async () => (await elmo.embed([TOKENS]))[0];

describe('input', () => {
  test('token arrays with only the engine options give exactly { shape, data }', async () => {
    const [out] = await elmo.embed([TOKENS], { stateful: false, keepBoundaries: false });
    assert.deepEqual(Object.keys(out).sort(), ['data', 'shape']);
    assert.deepEqual(out.shape, [3, 5, 32]);
  });

  test('a string is one sentence, tokenized, with tokens and character offsets', async () => {
    const text = 'The bank closed early.';
    const out = await elmo.embed(text);
    assert.equal(out.length, 1);
    assert.deepEqual(out[0].tokens, TOKENS);
    assert.deepEqual(out[0].offsets, tokenize(text).offsets);
    assert.deepEqual(out[0].offsets.map(([a, b]) => text.slice(a, b)), TOKENS);
    assert.deepEqual(out[0].data, (await plain()).data);
  });

  test('an array of strings is one sentence each; mixing strings and token arrays is refused', async () => {
    const out = await elmo.embed(['The bank closed early.', 'Rates rose again.']);
    assert.deepEqual(out.map((o) => o.tokens), [TOKENS, OTHER]);
    assert.deepEqual(out[1].data, (await elmo.embed([OTHER]))[0].data);
    await assert.rejects(elmo.embed(['Fine.', ['Not', 'fine']]), /all strings \(raw text\) or all token arrays; sentence 1 is an array/);
  });

  test('blank text is an empty sentence', async () => {
    const [out] = await elmo.embed('   ');
    assert.deepEqual(out.shape, [3, 0, 32]);
    assert.deepEqual(out.tokens, []);
  });
});

describe('outputs', () => {
  test("layers: 'top', 'average' and index lists are outputs.js's selectLayers", async () => {
    const all = await plain();
    for (const layers of /** @type {const} */ (['top', 'average'])) {
      const [out] = await elmo.embed([TOKENS], { layers });
      assert.deepEqual(out, selectLayers(all, layers));
    }
    const [picked] = await elmo.embed([TOKENS], { layers: [2, 0] });
    assert.deepEqual(picked.shape, [2, 5, 32]);
    assert.deepEqual(picked.data.subarray(5 * 32), all.data.subarray(0, 5 * 32));
    await assert.rejects(elmo.embed([TOKENS], { layers: [3] }), /layer index 3 is not in 0..2/);
  });

  test('mix is a scalar mix of all layers', async () => {
    const mix = { weights: [1, 0, -1], gamma: 0.5, layerNorm: true };
    const [out] = await elmo.embed([TOKENS], { mix });
    assert.deepEqual(out, scalarMix(await plain(), mix));
    await assert.rejects(elmo.embed([TOKENS], { mix: { weights: [1, 2] } }), /3 finite numbers/);
  });

  test('TF Hub outputs: word_emb (n, P), lstm_outputs1/2 (n, 2P), elmo (n, 2P), default (2P)', async () => {
    const all = await plain();
    const size = 5 * 32;
    const get = async (/** @type {any} */ output, extra = {}) => (await elmo.embed([TOKENS], { output, ...extra }))[0];
    const word = await get('word_emb');
    assert.deepEqual(word.shape, [5, 16]);
    for (let t = 0; t < 5; t++) assert.deepEqual(word.data.subarray(t * 16, t * 16 + 16), all.data.subarray(t * 32, t * 32 + 16));
    assert.deepEqual((await get('lstm_outputs1')).data, all.data.slice(size, 2 * size));
    assert.deepEqual((await get('lstm_outputs2')).data, all.data.slice(2 * size));
    const mix = { weights: [0, 1, 2], gamma: 2 };
    assert.deepEqual(await get('elmo', { mix }), scalarMix(all, mix));
    const dflt = await get('default');
    assert.deepEqual(dflt.shape, [32]);
    assert.deepEqual(dflt.data, pool(scalarMix(all, {}), 'mean'));
  });

  test('pooling pools over tokens, per layer when there are layers; normalize makes unit vectors', async () => {
    const all = await plain();
    const [meanTop] = await elmo.embed([TOKENS], { layers: 'top', pooling: 'mean' });
    assert.deepEqual(meanTop.shape, [32]);
    assert.deepEqual(meanTop.data, pool(selectLayers(all, 'top'), 'mean'));
    const [maxAll] = await elmo.embed([TOKENS], { pooling: 'max' });
    assert.deepEqual(maxAll.shape, [3, 32]);
    const layer1 = { shape: [5, 32], data: all.data.subarray(5 * 32, 10 * 32) };
    assert.deepEqual(maxAll.data.subarray(32, 64), pool(layer1, 'max'));
    const [unit] = await elmo.embed([TOKENS], { layers: 'top', normalize: true });
    assert.deepEqual(unit.shape, [5, 32]);
    for (let t = 0; t < 5; t++) {
      const norm = Math.hypot(...unit.data.subarray(t * 32, t * 32 + 32));
      assert.ok(Math.abs(norm - 1) < 1e-5, `token ${t}: norm ${norm}`);
    }
    const [none] = await elmo.embed([TOKENS], { pooling: 'none' });
    assert.deepEqual(none, all);
  });

  test('contradictory or unknown options are refused, naming what was wrong', async () => {
    const bad = [
      [{ layers: 'top', output: 'elmo' }, /layers and output both choose/],
      [{ layers: 'top', mix: {} }, /layers and mix both choose/],
      [{ output: 'word_emb', mix: {} }, /mix weights only the 'elmo' and 'default' outputs/],
      [{ output: 'default', pooling: 'max' }, /already mean-pooled/],
      [{ output: 'pooled' }, /output must be one of word_emb, lstm_outputs1, lstm_outputs2, elmo, default/],
      [{ pooling: 'sum' }, /pooling must be 'mean', 'max' or 'none'/],
      [{ normalize: 'yes' }, /normalize must be true or false/],
      [{ layer: 'top' }, /unknown embed option "layer"/],
      [{ state: 'keep' }, /state must be 'none', 'carry' or 'reset'/],
      [{ state: 'carry', stateful: false }, /stateful: false contradicts state: 'carry'/],
    ];
    for (const [options, message] of bad) {
      await assert.rejects(elmo.embed([TOKENS], /** @type {any} */ (options)), message, JSON.stringify(options));
    }
  });

  test('shapeOutputs shapes engine results on its own', async () => {
    const all = await plain();
    const [top] = shapeOutputs([all], { layers: 'top', pooling: 'mean' });
    assert.deepEqual(top.data, pool(selectLayers(all, 'top'), 'mean'));
  });
});

describe('state', () => {
  test("'carry' is stateful: true, 'none' is stateless, 'reset' forgets first", async () => {
    elmo.resetState();
    const first = (await elmo.embed([OTHER], { state: 'carry' }))[0].data;
    const carried = (await elmo.embed([TOKENS], { state: 'carry' }))[0].data;
    assert.ok(maxAbsDiff(carried, (await plain()).data) > 1e-4, 'carried state changes the vectors');
    assert.deepEqual((await elmo.embed([TOKENS], { state: 'none' }))[0].data, (await plain()).data);

    assert.deepEqual((await elmo.embed([OTHER], { state: 'reset' }))[0].data, first, 'reset: as from zeros');
    elmo.resetState();
    await elmo.embed([OTHER], { stateful: true });
    assert.deepEqual((await elmo.embed([TOKENS], { stateful: true }))[0].data, carried, "same numbers as 'carry'");
  });

  test("bad input with state 'reset' leaves the kept state alone", async () => {
    elmo.resetState();
    await elmo.embed([OTHER], { state: 'carry' });
    await assert.rejects(elmo.embed([['ok', '']], { state: 'reset' }), /sentence 0, token 1 is an empty string/);
    const [after] = await elmo.embed([TOKENS], { state: 'carry' });
    elmo.resetState();
    await elmo.embed([OTHER], { state: 'carry' });
    const [want] = await elmo.embed([TOKENS], { state: 'carry' });
    assert.deepEqual(after.data, want.data);
  });
});
