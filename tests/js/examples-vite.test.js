/**
 * examples/vite-app, built by Vite (a devDependency) into a temporary folder
 * with 'elmo-wasm' resolved to this repository, as `file:../..` would: the
 * bundle holds the library, the worker is bundled with it and the three
 * .wasm builds are emitted unchanged and referenced; then the built app runs
 * in Chromium against the fixture and embeds.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { launchChromium } from '../browser/chromium.js';
import { startServer } from '../browser/static-server.js';
import { fixtureForTests } from './fixture.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const app = join(repo, 'examples', 'vite-app');
const fixture = fixtureForTests({ name: 'bilm-tf-tiny' });
/** @type {string} */
let dir;
/** @type {string} */
let dist;
let buildMs = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'elmo-wasm-vite-'));
  dist = join(dir, 'dist');
  const started = Date.now();
  await build({
    root: app,
    configFile: join(app, 'vite.config.js'),
    cacheDir: join(dir, 'vite-cache'),
    // The library's Node-only branches import node: modules; Vite says so for each one.
    logLevel: 'error',
    resolve: { alias: [{ find: /^elmo-wasm(?=\/|$)/, replacement: repo.replace(/\/$/, '') }] },
    build: { outDir: dist, emptyOutDir: true },
  });
  buildMs = Date.now() - started;
});
after(() => rm(dir, { recursive: true, force: true }));

test('the package exports the worker script the app imports', () => {
  assert.equal(import.meta.resolve('elmo-wasm/web/elmo-worker.js'), new URL('web/elmo-worker.js', `file://${repo}`).href);
});

test('vite build: the library in the bundle, the worker bundled, the .wasm files emitted and referenced', async (t) => {
  const assets = await readdir(join(dist, 'assets'));
  t.diagnostic(`built in ${buildMs} ms: ${assets.join(', ')}`);
  const html = await readFile(join(dist, 'index.html'), 'utf8');
  const entry = /src="\.\/assets\/(index-[\w-]+\.js)"/.exec(html)?.[1];
  assert.ok(entry && assets.includes(entry), `index.html loads ${entry}`);
  const main = await readFile(join(dist, 'assets', entry), 'utf8');
  assert.match(main, /this ElmoWorker instance has been disposed/); // ElmoWorker itself
  const worker = assets.find((a) => /^elmo-worker-[\w-]+\.js$/.test(a));
  assert.ok(worker, 'a bundled worker');
  assert.ok(main.includes(worker), `the page refers to ${worker}`);
  const workerCode = await readFile(join(dist, 'assets', worker), 'utf8');
  assert.match(workerCode, /this Elmo instance has been disposed/); // Elmo, inside the worker
  for (const build of ['elmo-simd', 'elmo-simd-threads', 'elmo-scalar']) {
    const emitted = assets.find((a) => new RegExp(`^${build}-[\\w-]+\\.wasm$`).test(a));
    assert.ok(emitted, `${build}.wasm emitted`);
    assert.ok(workerCode.includes(emitted), `the worker refers to ${emitted}`);
    assert.deepEqual(await readFile(join(dist, 'assets', emitted)), await readFile(join(repo, 'js', 'wasm', `${build}.wasm`)));
  }
  assert.ok(buildMs < 20000, `build took ${buildMs} ms`);
});

test('the built app loads the fixture in Chromium and embeds', async (t) => {
  const server = await startServer({ models: { app: dist, m: fixture.modelDir } });
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    /** @type {string[]} */
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.origin}/models/app/index.html?model=/models/m/`);
    await page.waitForFunction(() => /tokens ×/.test(document.getElementById('out')?.textContent ?? ''), null, { timeout: 20000 });
    const out = (await page.textContent('#out')) ?? '';
    t.diagnostic(out.split('\n')[0]);
    assert.match(out, /^bilm-tf-tiny, 1 thread\(s\): 6 tokens × 32 dims/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
