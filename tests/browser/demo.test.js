/**
 * The demo (web/) and the example pages in headless Chromium, on a
 * cross-origin isolated server with the converted fixture: the demo loads,
 * embeds its default text, draws the heatmap and the PCA map, runs on 2
 * threads with SIMD, makes no request at all while embedding new text, and
 * loads again from the Cache API alone. Saves out/screenshots/demo.png.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SHIPPED_MODEL, chooseModels, startDemoServer } from '../../js/node/demo/demo-server.js';
import { convertFixture, convertFixtureForFineTune } from '../js/fixture.js';
import { launchChromium } from './chromium.js';
import { repoRoot, startServer } from './static-server.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {Awaited<ReturnType<typeof convertFixtureForFineTune>>} */
let tunable;
/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {Awaited<ReturnType<typeof launchChromium>>} */
let browser;

before(async () => {
  converted = await convertFixture({ name: 'bilm-tf-tiny' });
  tunable = await convertFixtureForFineTune();
  server = await startServer({ models: { m: converted.modelDir, ft: tunable.modelDir }, isolated: true });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await converted?.cleanup();
  await tunable?.cleanup();
});

/**
 * A new page that records its requests (the page's and its workers', as
 * Playwright reports them) and the errors it does not catch.
 */
async function newPage() {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  /** @type {string[]} */
  const requests = [];
  /** @type {string[]} */
  const errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('worker', (worker) => worker.on('console', () => {}));
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, requests, errors };
}

/** @param {import('playwright-core').Page} page @param {number} runs */
async function waitForRuns(page, runs) {
  await page.waitForFunction(
    (runs) => document.body.dataset.state === 'error' || Number(document.body.dataset.runs ?? 0) >= runs,
    runs,
    { timeout: 30000 },
  );
  assert.equal(await page.evaluate(() => document.body.dataset.error ?? null), null);
}

/**
 * What the demo shows: labels, cells, and how many canvas pixels are not the background.
 * @param {import('playwright-core').Page} page
 */
function readDemo(page) {
  return page.evaluate(() => {
    const text = (/** @type {string} */ id) => document.getElementById(id)?.textContent ?? '';
    const canvas = /** @type {HTMLCanvasElement} */ (document.getElementById('scatter'));
    const pixels = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d')).getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    const colors = new Set();
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i] < 250 || pixels[i + 1] < 250 || pixels[i + 2] < 250) {
        inked++;
        colors.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
      }
    }
    const cell = (/** @type {string} */ a, /** @type {string} */ b) =>
      [...document.querySelectorAll('#heatmap .cell.same-word')].find((c) => c.getAttribute('title')?.startsWith(`${a} `) && c.getAttribute('title')?.includes(`· ${b} `));
    return {
      rowLabels: [...document.querySelectorAll('#heatmap .row-label')].map((l) => l.textContent),
      cells: document.querySelectorAll('#heatmap .cell').length,
      bankCell: Number(cell('bank', 'bank')?.getAttribute('data-value') ?? NaN),
      neighbours: document.querySelectorAll('#neighbours li').length,
      inked,
      colors: colors.size,
      canvasSize: [canvas.width, canvas.height],
      simd: text('pill-simd'),
      threads: text('pill-threads'),
      load: text('pill-load'),
      model: text('pill-model'),
      tinyNote: !(/** @type {HTMLElement} */ (document.getElementById('tiny-note')).hidden),
      isolated: crossOriginIsolated,
    };
  });
}

describe('demo page', () => {
  test('loads, embeds the default text, draws heatmap and map, 2 threads + SIMD, no request while embedding new text, cached reload', async (t) => {
    const { page, requests, errors } = await newPage();
    try {
      const started = Date.now();
      await page.goto(`${server.origin}/web/index.html?model=/models/m/`);
      await waitForRuns(page, 1);
      const first = await readDemo(page);
      t.diagnostic(`ready in ${Date.now() - started} ms; ${JSON.stringify({ ...first, rowLabels: first.rowLabels.join(' ') })}`);
      const tokens = ['I', 'sat', 'on', 'the', 'bank', 'of', 'the', 'river', '.', 'The', 'bank', 'approved', 'my', 'loan', '.'];
      assert.deepEqual(first.rowLabels, tokens);
      assert.equal(first.cells, tokens.length ** 2);
      assert.ok(first.bankCell > -1 && first.bankCell < 0.9999, `contextual bank/bank cosine ${first.bankCell} must not be 1`);
      assert.equal(first.neighbours, 10);
      assert.ok(first.inked > 2000, `${first.inked} inked pixels in the scatter`);
      assert.ok(first.colors > 20, `${first.colors} colours in the scatter`);
      assert.equal(first.isolated, true);
      assert.equal(first.simd, 'SIMD on');
      assert.equal(first.threads, '2 threads');
      assert.equal(first.model, 'model: bilm-tf-tiny');
      assert.equal(first.tinyNote, true);
      await mkdir(join(repoRoot, 'out', 'screenshots'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'out', 'screenshots', 'demo.png'), fullPage: true });

      // The context-free token layer gives one word the same vector everywhere.
      await page.selectOption('#vectors', 'token');
      assert.equal((await readDemo(page)).bankCell, 1);
      await page.selectOption('#vectors', 'top');

      // New text, embedded: not one request, from the page, its workers or anything else.
      const [pageBefore, serverBefore] = [requests.length, server.requests.length];
      await page.fill('#text', 'He plays bass in a band.\nThey caught a bass in the lake.\nThe band played on.');
      await page.click('#run');
      await waitForRuns(page, 2);
      const second = await readDemo(page);
      t.diagnostic(`after new text: ${second.rowLabels.length} tokens, ${second.cells} cells; requests page +${requests.length - pageBefore}, server +${server.requests.length - serverBefore}`);
      assert.equal(second.rowLabels.length, 20);
      assert.equal(second.cells, 20 * 20);
      assert.deepEqual(requests.slice(pageBefore), []);
      assert.deepEqual(server.requests.slice(serverBefore), []);

      // A second visit reads every shard from the Cache API.
      const shardsBefore = server.count(/\.bin$/);
      await page.reload();
      await waitForRuns(page, 1);
      const again = await readDemo(page);
      t.diagnostic(`reload: ${again.load}; shard requests +${server.count(/\.bin$/) - shardsBefore}`);
      assert.match(again.load, /\(cached\)$/);
      assert.equal(server.count(/\.bin$/), shardsBefore);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
});

describe('fine-tuning in the demo', () => {
  test('trains in the worker with progress, embeds again with the adapted weights; Stop keeps the weights', async (t) => {
    const { page, errors } = await newPage();
    try {
      await page.goto(`${server.origin}/web/index.html?model=/models/ft/`);
      await waitForRuns(page, 1);
      const before = (await readDemo(page)).bankCell;
      await page.fill('#tune-steps', '6');
      await page.click('#tune-run');
      await page.waitForFunction(() => ['done', 'error', 'stopped'].includes(document.body.dataset.tune ?? ''), null, { timeout: 60000 });
      const status = (await page.textContent('#tune-status')) ?? '';
      t.diagnostic(status);
      assert.equal(await page.evaluate(() => document.body.dataset.tune), 'done', status);
      assert.match(status, /^Fine-tuned: 6 steps .* loss \d+\.\d{3} → \d+\.\d{3}\. The views show the adapted model\.$/);
      await waitForRuns(page, 2);
      const tuned = (await readDemo(page)).bankCell;
      assert.ok(Math.abs(tuned - before) > 1e-6, `bank/bank ${before} -> ${tuned}: the adapted weights change the vectors`);
      assert.equal(await page.evaluate(() => /** @type {HTMLProgressElement} */ (document.getElementById('tune-bar')).value), 1);

      // A long run stopped after its first step: the model keeps the weights it had.
      await page.fill('#tune-steps', '2000');
      await page.click('#tune-run');
      await page.waitForFunction(() => /^Step \d+ of 2000/.test(document.getElementById('tune-status')?.textContent ?? ''), null, { timeout: 60000 });
      assert.equal(await page.isDisabled('#tune-stop'), false);
      await page.click('#tune-stop');
      await page.waitForFunction(() => document.body.dataset.tune === 'stopped', null, { timeout: 60000 });
      assert.equal(await page.textContent('#tune-status'), 'Stopped: the model keeps the weights it had before.');
      await page.click('#run');
      await waitForRuns(page, 3);
      assert.equal((await readDemo(page)).bankCell, tuned);

      // A model without a softmax says why it cannot be fine-tuned.
      await page.goto(`${server.origin}/web/index.html?model=/models/m/`);
      await waitForRuns(page, 1);
      await page.click('#tune-run');
      await page.waitForFunction(() => document.body.dataset.tune === 'error', null, { timeout: 60000 });
      assert.match((await page.textContent('#tune-status')) ?? '', /^Could not fine-tune: .*softmax/);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
});

describe('the demo as `npm start` serves it (js/node/demo/demo-server.js)', () => {
  test('without ?model= it runs the model the server lists, on 2 threads', async () => {
    const demo = await startDemoServer({ models: [{ name: 'tiny', dir: converted.modelDir, official: false }], port: 0 });
    const { page, errors } = await newPage();
    try {
      await page.goto(demo.url);
      await waitForRuns(page, 1);
      const shown = await readDemo(page);
      assert.equal(shown.isolated, true);
      assert.equal(shown.threads, '2 threads');
      assert.equal(shown.model, 'model: bilm-tf-tiny');
      assert.equal(shown.cells, 15 * 15);
      assert.match((await page.textContent('#model-line')) ?? '', /from \/models\/tiny\/$/);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
      await demo.close();
    }
  });
});

describe('the demo on the model the package ships', () => {
  test('chosen first when no official model is cached; no test-model banner; says what it is', async (t) => {
    const models = await chooseModels({ dirs: [converted.modelDir], cacheDir: join(repoRoot, 'out', 'no-such-cache'), fetch: false });
    assert.deepEqual(models.map((m) => m.name), ['mini', 'model']);
    const demo = await startDemoServer({ models, port: 0 });
    const { page, errors } = await newPage();
    try {
      await page.goto(demo.url);
      await waitForRuns(page, 1);
      const shown = await readDemo(page);
      t.diagnostic(`bank/bank ${shown.bankCell}; ${await page.textContent('#model-line')}`);
      assert.equal(shown.model, 'model: elmo-wasm-mini');
      assert.equal(shown.tinyNote, false);
      assert.match((await page.textContent('#model-about')) ?? '', /^elmo-wasm's own small English ELMo/);
      assert.match((await page.textContent('#model-line')) ?? '', /from \/models\/mini\/$/);
      assert.equal(shown.threads, '2 threads');
      await mkdir(join(repoRoot, 'out', 'screenshots'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'out', 'screenshots', 'demo-mini.png'), fullPage: true });
      assert.equal(SHIPPED_MODEL.name, 'mini');
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
      await demo.close();
    }
  });
});

describe('example pages', () => {
  test('the minimal page (Elmo in the page) loads and embeds', async () => {
    const { page, errors } = await newPage();
    try {
      await page.goto(`${server.origin}/examples/browser/index.html?model=/models/m/`);
      await page.waitForFunction(() => document.getElementById('out')?.textContent?.startsWith('I '), null, { timeout: 20000 });
      const lines = (await page.textContent('#out'))?.split('\n') ?? [];
      assert.deepEqual(lines.map((l) => l.split(/\s+/)[0]), ['I', 'sat', 'on', 'the', 'bank', 'of', 'the', 'river', '.']);
      // 4 numbers per token, each printed with 3 decimals.
      assert.match(lines[4], /^bank\s+(-?\d\.\d{3} ){4}…$/);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  test('the worker page (ElmoWorker) loads and compares "bank" in its two sentences', async (t) => {
    const { page, errors } = await newPage();
    try {
      await page.goto(`${server.origin}/examples/worker/index.html?model=/models/m/`);
      await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 20000 });
      const out = (await page.textContent('#out')) ?? '';
      t.diagnostic(out.replace('\n', ' | '));
      const cos = Number(/= (-?\d\.\d{4})/.exec(out)?.[1]);
      assert.ok(cos > -1 && cos < 1, out);
      assert.match(out, /bilm-tf-tiny, SIMD on, 2 thread\(s\)/);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });
});
