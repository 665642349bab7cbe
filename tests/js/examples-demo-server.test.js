/**
 * js/node/demo/demo-server.js, what `npm start` serves: the model it picks (a
 * cached official one, else `fetch small`, else the local ones), and what it
 * serves — web/, js/, examples/ and the models, cross-origin isolated, and
 * nothing else of the package.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chooseModels, startDemoServer } from '../../js/node/demo/demo-server.js';
import { fixtureForTests } from './fixture.js';

const fixture = fixtureForTests({ name: 'bilm-tf-tiny' });
/** @type {string} */
let cacheDir;
before(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), 'elmo-wasm-demo-cache-'));
});
after(() => rm(cacheDir, { recursive: true, force: true }));

describe('chooseModels', () => {
  test('an empty cache and a failing fetch: the local model, and the reason said', async () => {
    /** @type {string[]} */
    const log = [];
    const models = await chooseModels({
      dirs: [fixture.modelDir, join(cacheDir, 'not-a-model')],
      cacheDir,
      shipped: null,
      fetchModel: async () => {
        throw new Error('cannot download the small model: getaddrinfo ENOTFOUND\nDownload these two files by hand: …');
      },
      log: (line) => log.push(line),
    });
    assert.deepEqual(models, [{ name: 'model', dir: fixture.modelDir, official: false }]);
    assert.match(log.join('\n'), /ENOTFOUND\nDownload these two files by hand/);
    assert.match(log.join('\n'), /npx elmo-wasm fetch small/);
  });

  test('a fetch that works puts the released model first', async () => {
    const models = await chooseModels({ dirs: [fixture.modelDir], cacheDir, shipped: null, fetchModel: async () => ({ modelDir: '/x/small' }) });
    assert.deepEqual(models.map((m) => [m.name, m.official]), [['small', true], ['model', false]]);
  });

  test('a released model already in the cache is taken without fetching', async () => {
    await cp(fixture.modelDir, join(cacheDir, 'models', 'medium'), { recursive: true });
    const models = await chooseModels({
      dirs: [fixture.modelDir],
      cacheDir,
      shipped: null,
      fetchModel: () => assert.fail('fetched although the cache has a model'),
    });
    assert.deepEqual(models.map((m) => [m.name, m.official]), [['medium', true], ['model', false]]);
  });

  test('the shipped model comes after a cached official one, before the local ones, and stops the fetch', async () => {
    const shipped = { name: 'mini', dir: fixture.modelDir };
    const alone = await chooseModels({ dirs: [], cacheDir: join(cacheDir, 'empty'), shipped, fetchModel: () => assert.fail('fetched although a shipped model is there') });
    assert.deepEqual(alone.map((m) => [m.name, m.official, m.shipped]), [['mini', false, true]]);
    const other = join(cacheDir, 'other-model');
    await cp(fixture.modelDir, other, { recursive: true });
    const all = await chooseModels({ dirs: [fixture.modelDir, other], cacheDir, shipped });
    assert.deepEqual(all.map((m) => [m.name, m.official]), [['medium', true], ['mini', false], ['other-model', false]], 'the shipped folder is not listed twice');
    const missing = await chooseModels({ dirs: [], cacheDir, shipped: { name: 'mini', dir: join(cacheDir, 'nowhere') } });
    assert.deepEqual(missing.map((m) => m.name), ['medium']);
  });
});

describe('startDemoServer', () => {
  /** @type {Awaited<ReturnType<typeof startDemoServer>>} */
  let server;
  /** @type {string} */
  let origin;
  before(async () => {
    server = await startDemoServer({ models: [{ name: 'tiny', dir: fixture.modelDir, official: false }], port: 0 });
    origin = new URL(server.url).origin;
  });
  after(() => server?.close());

  test('serves the demo cross-origin isolated, lists and serves the model', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/web\/$/);
    const page = await fetch(server.url);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(await page.text(), /<script type="module" src="\.\/demo\.js">/);
    assert.deepEqual(await (await fetch(`${origin}/models/index.json`)).json(), [{ name: 'tiny', url: '/models/tiny/', official: false, shipped: false }]);
    const manifest = JSON.parse(await readFile(join(fixture.modelDir, 'manifest.json'), 'utf8'));
    const shard = await fetch(`${origin}/models/tiny/${manifest.shards[0].path}`);
    assert.equal((await shard.arrayBuffer()).byteLength, manifest.shards[0].byteLength);
    const wasm = await fetch(`${origin}/js/wasm/elmo-simd-threads.wasm`);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    await wasm.arrayBuffer();
  });

  test('redirects folders to their slash, and serves nothing outside web/, js/, examples/ and the models', async () => {
    const root = await fetch(`${origin}/`, { redirect: 'manual' });
    assert.equal(root.headers.get('location'), '/web/');
    const folder = await fetch(`${origin}/examples/worker`, { redirect: 'manual' });
    assert.deepEqual([folder.status, folder.headers.get('location')], [301, '/examples/worker/']);
    for (const path of ['/package.json', '/src/elmo.c', '/js/%2e%2e/package.json', '/models/tiny/%2e%2e/%2e%2e/etc/passwd', '/models/other/manifest.json']) {
      const response = await fetch(`${origin}${path}`);
      await response.arrayBuffer();
      assert.equal(response.status, 404, path);
    }
  });
});
