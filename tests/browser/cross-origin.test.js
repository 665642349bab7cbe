/**
 * The library from another origin, as from a CDN: a cross-origin isolated
 * page of one server imports js/index.js from a second server (another port,
 * so another origin) that allows it with CORS. Its worker and helper threads
 * start through a same-origin blob: module (the same-origin worker rule), its
 * .wasm comes from the second server, and it embeds on 2 threads as Node does.
 * A page whose CSP forbids blob: workers runs the same through worker
 * scripts of its own origin (workerUrl, threadWorkerUrl) if its worker-src
 * allows the CDN: the imports of a module worker are worker scripts too.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { convertFixture, maxAbsDiff, nodeEmbeddings } from '../js/fixture.js';
import { embedInPage, launchBrowser, openTestPage } from './test-page.js';
import { startServer } from './static-server.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {Record<'page' | 'cdn' | 'strict' | 'selfOnly', Awaited<ReturnType<typeof startServer>>>} */
const servers = /** @type {any} */ ({});
/** @type {Awaited<ReturnType<typeof launchBrowser>>} */
let browser;
/** @type {string} the strict page's own worker scripts */
let shims;
/** @type {string[][]} */
let sentences;
/** @type {Float32Array[]} */
let expected;

before(async () => {
  converted = await convertFixture();
  ({ sentences, expected } = await nodeEmbeddings(converted.modelDir));
  servers.cdn = await startServer({ headers: { 'access-control-allow-origin': '*' } });
  // What a page hosts when its CSP forbids blob: workers: one-line workers importing the CDN's.
  shims = await mkdtemp(join(tmpdir(), 'elmo-wasm-shims-'));
  await writeFile(join(shims, 'elmo-worker.js'), `import '${servers.cdn.origin}/web/elmo-worker.js';\n`);
  await writeFile(join(shims, 'thread-helper-worker.js'), `import '${servers.cdn.origin}/js/core/thread-helper-worker.js';\n`);
  const models = { m: converted.modelDir, shims };
  servers.page = await startServer({ models, isolated: true });
  /** @param {string} workers the CSP's worker-src */
  const strict = (workers) => startServer({
    models,
    isolated: true,
    headers: { 'content-security-policy': `script-src 'self' ${servers.cdn.origin} 'wasm-unsafe-eval'; worker-src ${workers}` },
  });
  servers.strict = await strict(`'self' ${servers.cdn.origin}`);
  servers.selfOnly = await strict(`'self'`);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  for (const server of Object.values(servers)) await server.close();
  await converted?.cleanup();
  if (shims) await rm(shims, { recursive: true, force: true });
});

/**
 * @param {keyof typeof servers} name the page's server
 * @param {'Elmo' | 'ElmoWorker'} kind
 * @param {Record<string, unknown>} [options]
 */
async function runFromCdn(name, kind, options = {}) {
  const server = servers[name];
  const { page, errors } = await openTestPage(browser.context, server.origin, `${servers.cdn.origin}/js/index.js`);
  try {
    const result = await embedInPage(page, { kind, url: server.modelUrl('m'), sentences, options: { numThreads: 2, ...options } });
    assert.deepEqual(errors, []);
    return result;
  } finally {
    await page.close();
  }
}

/**
 * @param {import('node:test').TestContext} t
 * @param {Awaited<ReturnType<typeof runFromCdn>>} result
 */
function expectTwoThreadsAsNode(t, { isolated, info, data, violations }) {
  assert.equal(isolated, true);
  t.diagnostic(`threads: ${info.threads}`);
  assert.equal(info.threads, 2);
  assert.equal(Math.max(...data.map((d, i) => maxAbsDiff(d, expected[i]))), 0);
  assert.deepEqual(violations, []);
}

describe('the library from another origin', () => {
  for (const kind of /** @type {const} */ (['ElmoWorker', 'Elmo'])) {
    test(`${kind}: its worker and helpers start, its .wasm loads from the CDN, 2 threads as Node`, async (t) => {
      const before = servers.cdn.count(/elmo-simd-threads\.wasm$/);
      expectTwoThreadsAsNode(t, await runFromCdn('page', kind));
      assert.equal(servers.cdn.count(/elmo-simd-threads\.wasm$/) - before, 1);
      assert.equal(servers.page.count(/\.wasm$|^\/js\//), 0, 'nothing of the library from the page origin');
    });
  }

  test('a page whose CSP forbids blob: workers: worker scripts of its own origin import the CDN\'s', async (t) => {
    const own = servers.strict.modelUrl('shims');
    const result = await runFromCdn('strict', 'ElmoWorker', { workerUrl: `${own}elmo-worker.js`, threadWorkerUrl: `${own}thread-helper-worker.js` });
    expectTwoThreadsAsNode(t, result);
  });

  test("worker-src 'self' alone: a module worker's imports are worker scripts too, so the CDN's are refused", async () => {
    const own = servers.selfOnly.modelUrl('shims');
    await assert.rejects(runFromCdn('selfOnly', 'ElmoWorker', { workerUrl: `${own}elmo-worker.js` }), /the worker could not start from/);
  });
});
