/**
 * A page under a strict Content-Security-Policy — `script-src 'self'
 * 'wasm-unsafe-eval'; worker-src 'self'`: no unsafe-eval, no inline script,
 * no blob: — on every response (pages and workers get their own policy
 * from their own response), cross-origin isolated: Elmo and ElmoWorker embed
 * on 2 threads as Node does, and nothing violates the policy. Without
 * 'wasm-unsafe-eval' the policy is seen to be enforced: the wasm cannot compile.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { convertFixture, maxAbsDiff, nodeEmbeddings } from '../js/fixture.js';
import { embedInPage, launchBrowser, openTestPage } from './test-page.js';
import { startServer } from './static-server.js';

const STRICT_CSP = "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {Awaited<ReturnType<typeof startServer>>[]} strict, then without wasm-unsafe-eval */
const servers = [];
/** @type {Awaited<ReturnType<typeof launchBrowser>>} */
let browser;
/** @type {Awaited<ReturnType<typeof nodeEmbeddings>>} */
let reference;

before(async () => {
  converted = await convertFixture();
  reference = await nodeEmbeddings(converted.modelDir);
  for (const csp of [STRICT_CSP, "script-src 'self'; worker-src 'self'"]) {
    servers.push(await startServer({ models: { m: converted.modelDir }, isolated: true, headers: { 'content-security-policy': csp } }));
  }
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
  await converted?.cleanup();
});

describe(`a page with ${STRICT_CSP}`, () => {
  for (const kind of /** @type {const} */ (['ElmoWorker', 'Elmo'])) {
    test(`${kind} embeds on 2 threads as Node does, without a violation`, async (t) => {
      const { page, errors } = await openTestPage(browser.context, servers[0].origin);
      try {
        const { isolated, info, data, violations } = await embedInPage(page, { kind, url: servers[0].modelUrl('m'), sentences: reference.sentences, options: { numThreads: 2 } });
        t.diagnostic(`threads: ${info.threads}`);
        assert.equal(isolated, true);
        assert.equal(info.threads, 2);
        assert.equal(Math.max(...data.map((d, i) => maxAbsDiff(d, reference.expected[i]))), 0);
        assert.deepEqual(violations, []);
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    });
  }

  test("without 'wasm-unsafe-eval' the wasm cannot compile: the policy is enforced", async (t) => {
    const { page } = await openTestPage(browser.context, servers[1].origin);
    try {
      const error = await page.evaluate(async (url) => {
        try {
          (await window.lib.Elmo.load(url)).dispose();
          return 'loaded';
        } catch (e) {
          return `${e.name}: ${e.message}`;
        }
      }, servers[1].modelUrl('m'));
      t.diagnostic(error);
      assert.match(error, /^CompileError: .*(wasm-unsafe-eval|Content Security Policy|CSP)/i);
    } finally {
      await page.close();
    }
  });
});
