/**
 * Models from anywhere, in headless Chromium: a model archive as a File
 * (Elmo in the page) and as a Blob (ElmoWorker), the folder's files as a
 * Map of Blobs, all with Node's numbers; a broken archive refused across the
 * worker boundary; listCachedModels() listing the model loaded from its URL
 * and nothing for the others, then nothing after clearCache().
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { convertFixture, fixtureSentences } from '../js/fixture.js';
import { archiveOf } from '../js/model-forms.js';
import { launchBrowser, openTestPage } from './test-page.js';
import { startServer } from './static-server.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {Awaited<ReturnType<typeof launchBrowser>>} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** @type {string[][]} */
let sentences;
/** @type {number[][]} Node's embeddings of `sentences` */
let expected;
/** @type {any} */
let manifest;

before(async () => {
  converted = await convertFixture({ shardBytes: 128 * 1024 });
  manifest = JSON.parse(await readFile(join(converted.modelDir, 'manifest.json'), 'utf8'));
  sentences = (await fixtureSentences())[0].slice(0, 3).map((s) => s.split(' '));
  const elmo = await Elmo.load(converted.modelDir, { numThreads: 1 });
  expected = (await elmo.embed(sentences)).map((e) => Array.from(e.data));
  elmo.dispose();
  const archives = join(converted.dir, 'archives');
  await mkdir(archives);
  await writeFile(join(archives, 'tiny.elmo'), await archiveOf(converted.modelDir));
  await writeFile(join(archives, 'bad.elmo'), 'not a model');
  server = await startServer({ models: { m: converted.modelDir, archives } });
  browser = await launchBrowser();
  ({ page } = await openTestPage(browser.context, server.origin));
});
after(async () => {
  await browser?.close();
  await server?.close();
  await converted?.cleanup();
});

test('an archive as a File (Elmo), as a Blob (ElmoWorker) and the files as a Map of Blobs (ElmoWorker): Node\'s numbers', async () => {
  const names = await readdir(converted.modelDir);
  const got = await page.evaluate(async ({ archiveUrl, modelUrl, names, sentences }) => {
    const { Elmo, ElmoWorker } = window.lib;
    const blob = await (await fetch(archiveUrl)).blob();
    /** @param {any} engine */
    const run = async (engine) => {
      try {
        return (await engine.embed(sentences)).map((/** @type {any} */ r) => Array.from(r.data));
      } finally {
        engine.dispose();
      }
    };
    const files = new Map(await Promise.all(names.map(async (/** @type {string} */ n) => [n, await (await fetch(modelUrl + n)).blob()])));
    return {
      file: await run(await Elmo.load(new File([blob], 'tiny.elmo'), { numThreads: 1 })),
      blob: await run(await ElmoWorker.load(blob, { numThreads: 1 })),
      files: await run(await ElmoWorker.load(files, { numThreads: 1 })),
    };
  }, { archiveUrl: server.modelUrl('archives') + 'tiny.elmo', modelUrl: server.modelUrl('m'), names, sentences });
  for (const [form, embeddings] of Object.entries(got)) {
    embeddings.forEach((/** @type {number[]} */ e, /** @type {number} */ i) => {
      assert.ok(e.every((x, j) => Math.abs(x - expected[i][j]) < 1e-6), `${form}, sentence ${i}`);
    });
  }
});

test('a broken archive is refused across the worker boundary, naming it', async () => {
  const message = await page.evaluate(async (url) => {
    const file = new File([await (await fetch(url)).blob()], 'bad.elmo');
    try {
      (await window.lib.ElmoWorker.load(file)).dispose();
      return 'loaded';
    } catch (e) {
      return `${e.name}: ${e.message}`;
    }
  }, server.modelUrl('archives') + 'bad.elmo');
  assert.match(message, /^Error: model archive bad\.elmo: not an elmo-wasm model archive \(it does not start with "ELMOWASM"/);
});

test('listCachedModels lists the model loaded from its URL, with its shards and bytes, and nothing after clearCache', async () => {
  const { listed, cleared } = await page.evaluate(async (url) => {
    const { ElmoWorker, listCachedModels, clearCache } = window.lib;
    await clearCache();
    (await ElmoWorker.load(url, { numThreads: 1 })).dispose();
    const listed = await listCachedModels();
    await clearCache();
    return { listed, cleared: await listCachedModels() };
  }, server.modelUrl('m'));
  assert.deepEqual(listed, [{ url: server.modelUrl('m'), shards: manifest.shards.length, bytes: manifest.weights.byteLength }]);
  assert.deepEqual(cleared, []);
});
