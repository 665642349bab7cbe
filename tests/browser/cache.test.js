/**
 * The shard loader in real headless Chromium (or Firefox ESR: ELMO_BROWSER=firefox, see test-page.js): concurrent shard downloads, the
 * Cache API (a second visit without shard requests, `cache: false`,
 * `clearCache()`, a damaged entry), a corrupted shard and an abort that leave
 * nothing in the cache.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { convertFixture } from '../js/fixture.js';
import { browserName, launchBrowser, openTestPage, workerLoadError } from './test-page.js';
import { startServer } from './static-server.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {Awaited<ReturnType<typeof launchBrowser>>} */
let browser;
/** @type {any} */
let manifest;
const WORDS = [['The', 'bank', 'closed', '.']];

// Each test loads the same model under its own name, so its cache entries are its own.
const NAMES = ['visit', 'uncached', 'cleared', 'corrupt', 'healed', 'aborted', 'aborted-main'];

before(async () => {
  converted = await convertFixture({ shardBytes: 64 * 1024 });
  manifest = JSON.parse(await readFile(join(converted.modelDir, 'manifest.json'), 'utf8'));
  server = await startServer({ models: Object.fromEntries(NAMES.map((n) => [n, converted.modelDir])) });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await converted?.cleanup();
});

/** @param {string} name @returns {number} shard requests for model `name` so far */
const shardRequests = (name) => server.count(new RegExp(`^/models/${name}/.*\\.bin$`));
/** @param {string} name @param {number} i */
const shardPath = (name, i) => `/models/${name}/${manifest.shards[i].path}`;

/**
 * Loads model `name` in a page, embeds WORDS and returns the numbers.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {object} [options] for ElmoWorker.load (JSON only)
 * @returns {Promise<number[]>}
 */
function loadAndEmbed(page, name, options = {}) {
  return page.evaluate(
    async ({ url, options, words }) => {
      const elmo = await window.lib.ElmoWorker.load(url, options);
      try {
        return Array.from((await elmo.embed(words))[0].data);
      } finally {
        elmo.dispose();
      }
    },
    { url: server.modelUrl(name), options, words: WORDS },
  );
}

/**
 * The cache entries of model `name`, as shard file names.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @returns {Promise<string[]>}
 */
function cachedShards(page, name) {
  return page.evaluate(async (name) => {
    const { CACHE_NAME } = await import('/js/load/shard-cache.js');
    const cache = await caches.open(CACHE_NAME);
    const keys = (await cache.keys()).map((r) => new URL(r.url));
    return keys.filter((u) => u.pathname.startsWith(`/models/${name}/`)).map((u) => u.pathname.split('/').pop()).sort();
  }, name);
}

const allShards = () => manifest.shards.map((/** @type {any} */ s) => s.path).sort();

describe(`shards in ${browserName}`, () => {
  test('are read 4 at once; a second visit loads from the Cache API with zero shard requests', async (t) => {
    const first = await openTestPage(browser.context, server.origin);
    manifest.shards.forEach((/** @type {any} */ _, /** @type {number} */ i) => server.fault(shardPath('visit', i), { delayMs: 60 }));
    server.shardsInFlight.max = 0;
    const fromNetwork = await loadAndEmbed(first.page, 'visit');
    server.clearFaults();
    assert.equal(shardRequests('visit'), manifest.shards.length);
    assert.equal(server.shardsInFlight.max, 4, 'shards in flight at once');
    assert.deepEqual(await cachedShards(first.page, 'visit'), allShards());
    await first.page.close();

    const second = await openTestPage(browser.context, server.origin);
    const manifests = server.count(/^\/models\/visit\/manifest\.json$/);
    const fromCache = await loadAndEmbed(second.page, 'visit');
    t.diagnostic(`first visit: ${manifest.shards.length} shard requests, at most ${server.shardsInFlight.max} at once; second visit: ${shardRequests('visit') - manifest.shards.length}`);
    assert.equal(shardRequests('visit'), manifest.shards.length, 'no shard requested again');
    assert.equal(server.count(/^\/models\/visit\/manifest\.json$/) - manifests, 1);
    assert.deepEqual(fromCache, fromNetwork);
    assert.deepEqual([...first.errors, ...second.errors], []);
    await second.page.close();
  });

  test('cache: false downloads every time and stores nothing', async () => {
    const { page } = await openTestPage(browser.context, server.origin);
    await loadAndEmbed(page, 'uncached', { cache: false });
    await loadAndEmbed(page, 'uncached', { cache: false });
    assert.equal(shardRequests('uncached'), 2 * manifest.shards.length);
    assert.deepEqual(await cachedShards(page, 'uncached'), []);
    await page.close();
  });

  test('clearCache() empties the cache: the next load downloads again', async () => {
    const { page } = await openTestPage(browser.context, server.origin);
    await loadAndEmbed(page, 'cleared');
    assert.equal(await page.evaluate(() => window.lib.clearCache()), true);
    assert.deepEqual(await cachedShards(page, 'cleared'), []);
    await loadAndEmbed(page, 'cleared');
    assert.equal(shardRequests('cleared'), 2 * manifest.shards.length);
    assert.deepEqual(await cachedShards(page, 'cleared'), allShards());
    await page.close();
  });

  test('a corrupted shard rejects naming it, and is not cached', async () => {
    const { page } = await openTestPage(browser.context, server.origin);
    server.fault(shardPath('corrupt', 2), { corrupt: true });
    const message = await workerLoadError(page, server.modelUrl('corrupt'));
    server.clearFaults();
    assert.match(message, new RegExp(`^Error: ${manifest.shards[2].path.replace(/\./g, '\\.')}: sha256 mismatch`));
    assert.ok(!(await cachedShards(page, 'corrupt')).includes(manifest.shards[2].path));
    // Shards that did verify may stay; the next load fetches only what is missing.
    const before = shardRequests('corrupt');
    const cachedBefore = (await cachedShards(page, 'corrupt')).length;
    await loadAndEmbed(page, 'corrupt');
    assert.equal(shardRequests('corrupt') - before, manifest.shards.length - cachedBefore);
    await page.close();
  });

  test('a cached shard that fails its hash is deleted and fetched again', async () => {
    const { page } = await openTestPage(browser.context, server.origin);
    const expected = await loadAndEmbed(page, 'healed');
    const shard = manifest.shards[3];
    await page.evaluate(
      async ({ url, sha256 }) => {
        const { CACHE_NAME, shardCacheKey } = await import('/js/load/shard-cache.js');
        const cache = await caches.open(CACHE_NAME);
        const bytes = new Uint8Array(await (await cache.match(shardCacheKey(url, sha256))).arrayBuffer());
        bytes[12345] ^= 0xff;
        await cache.put(shardCacheKey(url, sha256), new Response(bytes));
      },
      { url: server.modelUrl('healed') + shard.path, sha256: shard.sha256 },
    );
    const before = shardRequests('healed');
    assert.deepEqual(await loadAndEmbed(page, 'healed'), expected);
    assert.deepEqual(server.requests.filter((p) => p.startsWith('/models/healed/')).slice(-1), [`/models/healed/${shard.path}`]);
    assert.equal(shardRequests('healed') - before, 1, 'only the damaged shard is fetched');
    const healed = await page.evaluate(
      async ({ url, sha256 }) => {
        const { CACHE_NAME, shardCacheKey } = await import('/js/load/shard-cache.js');
        const cache = await caches.open(CACHE_NAME);
        const bytes = await (await cache.match(shardCacheKey(url, sha256))).arrayBuffer();
        return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
      },
      { url: server.modelUrl('healed') + shard.path, sha256: shard.sha256 },
    );
    assert.equal(healed, shard.sha256);
    await page.close();
  });

  for (const [where, name, entry] of [
    ['in an ElmoWorker', 'aborted', 'ElmoWorker'],
    ['on the main thread (Elmo)', 'aborted-main', 'Elmo'],
  ]) {
    test(`an abort mid-download ${where} rejects with AbortError and caches nothing`, async (t) => {
      const { page } = await openTestPage(browser.context, server.origin);
      manifest.shards.forEach((/** @type {any} */ _, /** @type {number} */ i) => server.fault(shardPath(name, i), { stallAfter: 1000 }));
      const stalled = server.nextStall();
      const loading = page.evaluate(
        async ({ url, entry }) => {
          window.controller = new AbortController();
          try {
            await window.lib[entry].load(url, { signal: window.controller.signal });
            return { outcome: 'loaded' };
          } catch (e) {
            const ms = performance.now() - window.abortedAt;
            return { outcome: `${e.name}: ${e.message}`, isDomException: e instanceof DOMException, ms };
          }
        },
        { url: server.modelUrl(name), entry },
      );
      await stalled;
      await page.evaluate(() => {
        window.abortedAt = performance.now();
        window.controller.abort();
      });
      const result = await loading;
      server.clearFaults();
      t.diagnostic(`${shardRequests(name)} shard requests started; rejected ${result.outcome} ${result.ms?.toFixed(1)} ms after the abort`);
      assert.match(result.outcome, /^AbortError: /);
      assert.equal(result.isDomException, true);
      // The shards are stalled for good: any rejection proves the abort; the bound only catches a hang.
      assert.ok(result.ms < 5000, `${result.ms} ms from abort to rejection`);
      assert.deepEqual(await cachedShards(page, name), []);
      // Nothing half-loaded lingers: the same page loads the model afresh.
      await loadAndEmbed(page, name);
      assert.deepEqual(await cachedShards(page, name), allShards());
      await page.close();
    });
  }
});
