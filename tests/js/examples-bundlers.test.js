/**
 * examples/bundler-app, built by Vite, webpack 5 and esbuild and served by
 * the Vite dev server: each bundle holds the library, its worker and helper
 * thread are emitted and its .wasm builds too (unchanged); then each app runs
 * in Chromium on a cross-origin isolated page against the fixture, reaches
 * 2 threads and embeds. Each test reports the threads its app reached.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchChromium } from '../browser/chromium.js';
import { startServer } from '../browser/static-server.js';
import { fixtureForTests } from './fixture.js';
import { buildEsbuildApp, buildWithVite, buildWithWebpack, repo, startViteDev } from './bundler-builds.js';

const fixture = fixtureForTests({ name: 'bilm-tf-tiny' });
const BUILDS = ['elmo-simd', 'elmo-simd-threads', 'elmo-scalar'];
/** @type {string} */
let dir;
/** @type {Awaited<ReturnType<typeof launchChromium>>} */
let browser;
/** @type {Awaited<ReturnType<typeof startServer>>} the built apps, isolated, and the model (with CORS, for the dev server's page) */
let server;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'elmo-wasm-bundlers-'));
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** @param {string} name @returns {string} an output folder, served at /models/<name>/ */
function outDir(name) {
  return join(dir, name);
}

/** @returns {Promise<typeof server>} the server of every built app and the model */
async function appServer() {
  server ??= await startServer({
    isolated: true,
    headers: { 'access-control-allow-origin': '*' },
    models: { m: fixture.modelDir, vite: outDir('vite'), webpack: outDir('webpack'), esbuild: outDir('esbuild') },
  });
  return server;
}

/**
 * Opens an app's page with ?model=<the fixture>, waits for its first
 * embedding and returns the first line it printed ("<model>, <n> thread(s): …").
 * @param {string} url the app's index.html
 */
async function runApp(url) {
  const { origin } = await appServer();
  const page = await browser.context.newPage();
  /** @type {string[]} */
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${url}?model=${encodeURIComponent(`${origin}/models/m/`)}`);
    await page.waitForFunction(() => /tokens ×|failed/.test(document.getElementById('out')?.textContent ?? ''), null, { timeout: 30000 });
    const out = (await page.textContent('#out')) ?? '';
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.deepEqual(errors, []);
    return out.split('\n')[0];
  } finally {
    await page.close();
  }
}

/**
 * @param {import('node:test').TestContext} t
 * @param {string} line the app's first line
 */
function expectTwoThreads(t, line) {
  const threads = /(\d+) thread\(s\)/.exec(line)?.[1];
  t.diagnostic(`threads reached: ${threads ?? 'none'} (${line})`);
  assert.match(line, /^bilm-tf-tiny, 2 thread\(s\): 6 tokens × 32 dims/);
}

/**
 * The emitted .wasm files of a build, each byte for byte the repository's and named in the code.
 * @param {string} folder where the build put them
 * @param {string} code the bundled code that names them
 */
async function expectWasmEmitted(folder, code) {
  const files = await readdir(folder);
  for (const build of BUILDS) {
    const emitted = files.find((f) => new RegExp(`^${build}[-.][\\w-]*\\.?wasm$`).test(f) || f === `${build}.wasm`);
    assert.ok(emitted, `${build}.wasm emitted in ${files.join(', ')}`);
    assert.ok(code.includes(emitted), `the code refers to ${emitted}`);
    assert.deepEqual(await readFile(join(folder, emitted)), await readFile(join(repo, 'js', 'wasm', `${build}.wasm`)));
  }
}

test('the package exports the worker script an app may import', () => {
  assert.equal(import.meta.resolve('elmo-wasm/web/elmo-worker.js'), new URL('web/elmo-worker.js', `file://${repo}/`).href);
});

describe('Vite build', () => {
  let ms = 0;
  before(async () => {
    const started = Date.now();
    await buildWithVite(outDir('vite'), join(dir, 'vite-cache'));
    ms = Date.now() - started;
  });

  test('the library in the bundle, the worker and its helper thread bundled, the .wasm files emitted and referenced', async (t) => {
    const assets = join(outDir('vite'), 'assets');
    const files = await readdir(assets);
    t.diagnostic(`built in ${ms} ms: ${files.join(', ')}`);
    const html = await readFile(join(outDir('vite'), 'index.html'), 'utf8');
    const entry = /src="\.\/assets\/(index-[\w-]+\.js)"/.exec(html)?.[1];
    assert.ok(entry && files.includes(entry), `index.html loads ${entry}`);
    const main = await readFile(join(assets, entry), 'utf8');
    assert.match(main, /this ElmoWorker instance has been disposed/); // ElmoWorker itself
    const worker = files.find((a) => /^elmo-worker-[\w-]+\.js$/.test(a));
    assert.ok(worker, 'a bundled worker');
    assert.ok(main.includes(worker), `the page refers to ${worker}`);
    const workerCode = await readFile(join(assets, worker), 'utf8');
    assert.match(workerCode, /this Elmo instance has been disposed/); // Elmo, inside the worker
    const helper = files.find((a) => /^thread-helper-worker-[\w-]+\.js$/.test(a));
    assert.ok(helper && workerCode.includes(helper), `the worker refers to its helper thread ${helper}`);
    await expectWasmEmitted(assets, workerCode);
    assert.ok(ms < 30000, `build took ${ms} ms`);
  });

  test('the built app runs on 2 threads in Chromium and embeds', async (t) => {
    const { origin } = await appServer();
    expectTwoThreads(t, await runApp(`${origin}/models/vite/index.html`));
  });
});

describe('Vite dev server', () => {
  test('the app, served unbundled by the dev server, runs on 2 threads and embeds', async (t) => {
    const dev = await startViteDev(join(dir, 'vite-dev-cache'));
    try {
      expectTwoThreads(t, await runApp(`${dev.origin}/index.html`));
    } finally {
      await dev.close();
    }
  });
});

describe('webpack 5', () => {
  before(() => buildWithWebpack(outDir('webpack')));

  test('the library, its worker chunk and helper thread chunk, the .wasm files emitted and referenced', async (t) => {
    const files = await readdir(outDir('webpack'));
    t.diagnostic(files.join(', '));
    const code = (await Promise.all(files.filter((f) => f.endsWith('.js')).map((f) => readFile(join(outDir('webpack'), f), 'utf8'))));
    assert.ok(code.some((c) => /this ElmoWorker instance has been disposed/.test(c)));
    assert.ok(code.some((c) => /this Elmo instance has been disposed/.test(c)));
    assert.ok(code.some((c) => /elmo_thread_pool_work/.test(c)), 'the helper thread chunk');
    await expectWasmEmitted(outDir('webpack'), code.join('\n'));
  });

  test('the built app runs on 2 threads in Chromium and embeds', async (t) => {
    const { origin } = await appServer();
    expectTwoThreads(t, await runApp(`${origin}/models/webpack/index.html`));
  });
});

describe('esbuild', () => {
  before(() => buildEsbuildApp(outDir('esbuild')));

  test('the app and the worker bundled, the helper thread and the .wasm files copied', async () => {
    const files = await readdir(outDir('esbuild'));
    assert.deepEqual(files.sort(), ['elmo-worker.js', 'index.html', 'main.js', 'thread-helper-worker.js', 'wasm']);
    assert.match(await readFile(join(outDir('esbuild'), 'elmo-worker.js'), 'utf8'), /this Elmo instance has been disposed/);
  });

  test('the built app runs on 2 threads in Chromium and embeds', async (t) => {
    const { origin } = await appServer();
    expectTwoThreads(t, await runApp(`${origin}/models/esbuild/index.html`));
  });
});
