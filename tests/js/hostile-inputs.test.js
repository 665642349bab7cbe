/**
 * Hostile input, row by row (the README's "Bad input" table): each row has a
 * defined outcome — a correct result or an error naming what was wrong —
 * and after each the engine embeds a normal sentence exactly as a fresh
 * engine does.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { convertFixture, fixtureSentences } from './fixture.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {string[][]} */
let sentences;
/** @type {Elmo} */
let elmo;
/** @type {Float32Array} a fresh engine's vectors of NORMAL */
let reference;
const NORMAL = ['The', 'bank', 'closed', 'early', '.'];

before(async () => {
  converted = await convertFixture();
  sentences = (await fixtureSentences()).flat().map((s) => s.split(' '));
  elmo = await Elmo.load(converted.modelDir, { numThreads: 1 });
  const fresh = await Elmo.load(converted.modelDir, { numThreads: 1 });
  [{ data: reference }] = await fresh.embed([NORMAL]);
  fresh.dispose();
});
after(async () => {
  elmo?.dispose();
  await converted?.cleanup();
});

/** @param {string[]} tokens @returns {Promise<Float32Array>} */
async function vectors(tokens) {
  const [r] = await elmo.embed([tokens]);
  return r.data;
}

/** @param {Float32Array} data */
const allFinite = (data) => data.every(Number.isFinite);

/**
 * A row: runs `check`, then the engine must still give the reference's bits.
 * @param {string} name
 * @param {() => Promise<void>} check
 */
function row(name, check) {
  test(name, async () => {
    await check();
    assert.deepEqual(await vectors(NORMAL), reference, 'the engine is not the same afterwards');
  });
}

row('not an array: a number, null, an object, undefined → TypeError naming what it got', async () => {
  for (const [input, got] of [[42, 'number'], [null, 'null'], [{ length: 1 }, 'object'], [undefined, 'undefined']]) {
    await assert.rejects(elmo.embed(/** @type {any} */ (input)), { name: 'TypeError', message: `sentences must be an array of token arrays, got ${got}` });
  }
});

row('null, numbers, objects, arrays as tokens → TypeError naming the sentence and token', async () => {
  for (const [token, got] of [[null, 'null'], [7, 'number'], [{}, 'object'], [['a'], 'an array'], [undefined, 'undefined']]) {
    await assert.rejects(elmo.embed(/** @type {any} */ ([['ok'], ['a', token]])), {
      name: 'TypeError',
      message: `sentence 1, token 1 must be a string, got ${got}`,
    });
  }
});

row('an empty-string token → RangeError naming the sentence and token', async () => {
  await assert.rejects(elmo.embed([['a', 'b', '']]), { name: 'RangeError', message: 'sentence 0, token 2 is an empty string' });
});

row('whitespace-only tokens are embedded as their bytes, like any token', async () => {
  const [r] = await elmo.embed([[' ', '\t', '\n \u00a0']]);
  assert.deepEqual(r.shape, [3, 3, 32]);
  assert.ok(allFinite(r.data));
  assert.notDeepEqual(r.data.subarray(0, 32), r.data.subarray(32, 64), "' ' and '\\t' are different tokens");
});

row('an empty sentence → shape (3, 0, 32); an empty batch → []', async () => {
  const [r] = await elmo.embed([[]]);
  assert.deepEqual(r.shape, [3, 0, 32]);
  assert.equal(r.data.length, 0);
  assert.deepEqual(await elmo.embed([]), []);
});

row('a 10,000-token sentence → (3, 10000, 32), its token layer equal to short sentences\'', async () => {
  const words = ['a', 'bank', 'river', 'of', 'the', 'green', 'water', '.'];
  const long = Array.from({ length: 10_000 }, (_, i) => words[i % words.length]);
  const [r] = await elmo.embed([long]);
  assert.deepEqual(r.shape, [3, 10_000, 32]);
  assert.ok(allFinite(r.data));
  const [short] = await elmo.embed([['bank']]);
  assert.deepEqual(r.data.subarray(9 * 32, 10 * 32), short.data.subarray(0, 32), 'layer 0 is context-free');
});

row('a 1 MB token is cut at 48 UTF-8 bytes, as bilm-tf does', async () => {
  const huge = 'x'.repeat(1 << 20);
  assert.deepEqual(await vectors(['so', huge]), await vectors(['so', 'x'.repeat(48)]));
  assert.notDeepEqual(await vectors(['so', huge]), await vectors(['so', 'x'.repeat(47)]));
});

row('lone UTF-16 surrogates become U+FFFD, as TextEncoder writes them', async () => {
  assert.deepEqual(await vectors(['\ud800', 'a\udfffb']), await vectors(['\ufffd', 'a\ufffdb']));
});

row('NUL is a byte like any other', async () => {
  const withNul = await vectors(['a\0b', '\0']);
  assert.ok(allFinite(withNul));
  assert.notDeepEqual(withNul, await vectors(['ab', ' ']));
});

row('combining marks and right-to-left text are embedded as their bytes, unnormalized', async () => {
  const decomposed = await vectors(['cafe\u0301', 'שלום', 'مرحبا', '\u202eevil']);
  assert.ok(allFinite(decomposed));
  assert.notDeepEqual(decomposed, await vectors(['caf\u00e9', 'שלום', 'مرحبا', '\u202eevil']), 'NFD and NFC differ');
});

row('10,000 sentences in one call → 10,000 results equal to embedding them one by one', async () => {
  const batch = Array.from({ length: 10_000 }, (_, i) => sentences[i % sentences.length]);
  const out = await elmo.embed(batch);
  assert.equal(out.length, 10_000);
  for (const i of [0, 1, 4_999, 9_999]) {
    assert.deepEqual(out[i].data, await vectors(batch[i]), `sentence ${i}`);
  }
});

row('strings mixed with token arrays → TypeError', async () => {
  await assert.rejects(elmo.embed(/** @type {any} */ (['raw text', ['tokens']])), TypeError);
});
