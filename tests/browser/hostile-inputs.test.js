/**
 * The hostile-input rows of tests/js/hostile-inputs.test.js (the README's
 * "Bad input" table) through ElmoWorker in headless Chromium (or Firefox ESR: ELMO_BROWSER=firefox): every row
 * gives the same outcome as Elmo in Node — the same error kind and message,
 * or the same shapes and the same bits (compared by sha256) — and afterwards
 * the worker embeds a normal sentence exactly as before.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { browserFixture, openTestPage } from './test-page.js';

/** name → input; every input can cross postMessage. */
const ROWS = {
  'a number': 42,
  null: null,
  'an object': { length: 1 },
  'a null token': [['a', null]],
  'a number token': [['a', 5]],
  'an object token': [['a', {}]],
  'an empty token': [['a', '']],
  'whitespace-only tokens': [[' ', '\t']],
  'an empty sentence': [[]],
  'an empty batch': [],
  'a 10,000-token sentence': [Array.from({ length: 10_000 }, (_, i) => `w${i % 97}`)],
  'a 1 MB token': [['x'.repeat(1 << 20)]],
  'lone surrogates': [['\ud800a', 'b\udfff']],
  NUL: [['a\u0000b']],
  'combining marks and right-to-left text': [['e\u0301', 'שלום', 'مرحبا']],
  '10,000 sentences': Array.from({ length: 10_000 }, (_, i) => [`s${i % 31}`]),
};
const NORMAL = [['The', 'bank', 'closed', 'early', '.']];

const fixture = browserFixture();

/**
 * What a call gave, comparable across engines: the error's kind and message,
 * or every result's shape and the sha256 of all its numbers.
 * @param {any} input
 * @param {Elmo} elmo
 */
async function outcomeInNode(input, elmo) {
  try {
    const out = await elmo.embed(input);
    const hash = createHash('sha256');
    for (const r of out) hash.update(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength));
    return { shapes: out.map((r) => r.shape), sha256: hash.digest('hex') };
  } catch (e) {
    return { error: `${/** @type {Error} */ (e).name}: ${/** @type {Error} */ (e).message}` };
  }
}

test('every hostile row gives ElmoWorker the outcome it gives Elmo in Node, and the worker stays exact', async (t) => {
  const elmo = await Elmo.load(fixture.converted.modelDir, { numThreads: 1 });
  /** @type {Record<string, any>} */
  const expected = {};
  for (const [name, input] of Object.entries(ROWS)) expected[name] = await outcomeInNode(input, elmo);
  const normal = await outcomeInNode(NORMAL, elmo);
  assert.ok(normal.sha256, 'the normal sentence embeds');
  elmo.dispose();

  const { page, errors } = await openTestPage(fixture.browser.context, fixture.server.origin);
  const got = await page.evaluate(
    async ({ url, rows, normal }) => {
      const toHex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
      const outcome = async (input) => {
        try {
          const out = await worker.embed(input);
          const bytes = new Uint8Array(out.reduce((n, r) => n + r.data.byteLength, 0));
          let at = 0;
          for (const r of out) {
            bytes.set(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength), at);
            at += r.data.byteLength;
          }
          return { shapes: out.map((r) => r.shape), sha256: toHex(await crypto.subtle.digest('SHA-256', bytes)) };
        } catch (e) {
          return { error: `${e.name}: ${e.message}` };
        }
      };
      const worker = await window.lib.ElmoWorker.load(url, { numThreads: 1 });
      const results = {};
      const normalAfter = {};
      for (const [name, input] of Object.entries(rows)) {
        results[name] = await outcome(input);
        normalAfter[name] = await outcome(normal);
      }
      worker.dispose();
      return { results, normalAfter };
    },
    { url: fixture.server.modelUrl('m'), rows: ROWS, normal: NORMAL },
  );
  await page.close();
  assert.deepEqual(errors, []);
  for (const name of Object.keys(ROWS)) {
    assert.deepEqual(got.results[name], expected[name], name);
    assert.deepEqual(got.normalAfter[name], normal, `a normal sentence after ${name}`);
  }
  const refused = Object.values(expected).filter((o) => o.error).length;
  t.diagnostic(`${Object.keys(ROWS).length} rows: ${refused} refused with the same error, the rest the same bits`);
  assert.ok(refused >= 5 && refused < Object.keys(ROWS).length, 'both kinds of outcome are exercised');
});
