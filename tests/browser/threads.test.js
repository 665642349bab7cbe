/**
 * Threads in real headless Chromium (or Firefox ESR: ELMO_BROWSER=firefox, see test-page.js): a cross-origin isolated page runs the
 * threaded build (helpers in nested workers) with the same numbers as one
 * thread in Node; a page without isolation runs on one thread and says why,
 * once, in the console.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { convertFixture, maxAbsDiff, nodeEmbeddings } from '../js/fixture.js';
import { browserName, embedInPage, isWarning, launchBrowser, openTestPage } from './test-page.js';
import { startServer } from './static-server.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {Awaited<ReturnType<typeof startServer>>[]} */
const servers = [];
/** @type {Awaited<ReturnType<typeof launchBrowser>>} */
let browser;
/** @type {string[][]} */
let sentences;
/** @type {Float32Array[]} */
let expected;

before(async () => {
  converted = await convertFixture();
  ({ sentences, expected } = await nodeEmbeddings(converted.modelDir));
  for (const isolated of [true, false]) servers.push(await startServer({ models: { m: converted.modelDir }, isolated }));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
  await converted?.cleanup();
});

/**
 * Loads the model in a fresh page of `server` with `numThreads: 2`, in the
 * page (Elmo) or in a worker (ElmoWorker); returns what it saw.
 * @param {Awaited<ReturnType<typeof startServer>>} server
 * @param {'Elmo' | 'ElmoWorker'} kind
 */
async function runInPage(server, kind) {
  const { page, errors } = await openTestPage(browser.context, server.origin);
  /** @type {string[]} */
  const warnings = [];
  page.on('console', (/** @type {any} */ message) => isWarning(message) && warnings.push(message.text()));
  try {
    const result = await embedInPage(page, { kind, url: server.modelUrl('m'), sentences, options: { numThreads: 2 } });
    assert.deepEqual(errors, []);
    return { ...result, warnings };
  } finally {
    await page.close();
  }
}

describe(`threads in ${browserName}`, () => {
  for (const kind of /** @type {const} */ (['ElmoWorker', 'Elmo'])) {
    test(`${kind} on a cross-origin isolated page runs 2 threads, bit for bit as one thread in Node`, async (t) => {
      const { isolated, info, data, warnings } = await runInPage(servers[0], kind);
      assert.equal(isolated, true);
      assert.equal(info.threads, 2);
      assert.equal(info.simd, true);
      const diff = Math.max(...data.map((d, i) => maxAbsDiff(d, expected[i])));
      t.diagnostic(`max abs diff from Node (1 thread): ${diff}`);
      assert.equal(diff, 0);
      assert.deepEqual(warnings, []);
    });
  }

  test('a page without isolation runs on one thread and warns once, saying why', async () => {
    const { isolated, info, data, warnings } = await runInPage(servers[1], 'Elmo');
    assert.equal(isolated, false);
    assert.equal(info.threads, 1);
    assert.equal(Math.max(...data.map((d, i) => maxAbsDiff(d, expected[i]))), 0);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /^elmo-wasm: running on 1 thread instead of 2: .*cross-origin isolated/);
  });
});
