/**
 * fineTune and exportWeights in headless Chromium (or Firefox ESR: ELMO_BROWSER=firefox): through ElmoWorker (a
 * progress event a step, the same training as in Node, a page that stays
 * responsive, abort, the same refusals as Elmo) and with Elmo on the page's
 * main thread (the event loop runs between steps; h5wasm imports in the page).
 * The model's softmax and vocabulary are requested only when fineTune needs them.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { convertModel } from '../../js/node/convert/convert.js';
import { convertFixture, convertFixtureForFineTune, fixtureSentences, maxAbsDiff, optionsPath } from '../js/fixture.js';
import { browserName, launchBrowser, openTestPage } from './test-page.js';
import { startServer } from './static-server.js';

/** @type {Awaited<ReturnType<typeof convertFixtureForFineTune>>} */
let fixture;
/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let plain;
/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {Awaited<ReturnType<typeof launchBrowser>>} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** @type {string[]} */
let pageErrors;
/** @type {string[][]} */
let sentences;
/** @type {string[][]} */
let probe;
/** @type {{ losses: number[], embeddings: Float32Array[] }} Node's run of SETTINGS */
let node;

/** The run both sides make. */
const SETTINGS = { steps: 40, seed: 3 };

before(async () => {
  fixture = await convertFixtureForFineTune();
  plain = await convertFixture();
  sentences = (await fixtureSentences()).flat().map((s) => s.split(' '));
  probe = sentences.slice(0, 4);
  const elmo = await Elmo.load(fixture.modelDir);
  const { losses } = await elmo.fineTune(sentences, SETTINGS);
  node = { losses, embeddings: (await elmo.embed(probe)).map((e) => e.data) };
  elmo.dispose();
  server = await startServer({ models: { ft: fixture.modelDir, plain: plain.modelDir } });
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await openTestPage(browser.context, server.origin));
});
after(async () => {
  await browser?.close();
  await server?.close();
  await fixture?.cleanup();
  await plain?.cleanup();
});

/**
 * @param {Array<{ data: number[] }>} got
 * @param {Float32Array[]} want
 */
const largestDiff = (got, want) => Math.max(...got.map((e, i) => maxAbsDiff(e.data, want[i])));

/** Page code: largest gap between timer ticks and between animation frames while `work` runs. */
const WATCH = `window.watchWhile = async (work) => {
  const timers = [];
  const frames = [];
  let running = true;
  const onTimer = () => { timers.push(performance.now()); if (running) setTimeout(onTimer, 0); };
  const onFrame = () => { frames.push(performance.now()); if (running) requestAnimationFrame(onFrame); };
  onTimer();
  requestAnimationFrame(onFrame);
  await new Promise((r) => setTimeout(r, 50));
  const started = performance.now();
  const out = await work();
  const ms = performance.now() - started;
  await new Promise((r) => setTimeout(r, 50));
  running = false;
  const maxGap = (ticks) => Math.max(...ticks.slice(1).map((t, i) => t - ticks[i]));
  return { out, ms, timerGap: maxGap(timers), frameGap: maxGap(frames), timers: timers.length, frames: frames.length };
};
window.base64 = (bytes) => {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
};`;

describe(`fineTune in ${browserName}`, () => {
  test('ElmoWorker: no softmax request until fineTune; a progress event a step, the same training as Node, a responsive page; the export converts to the same embeddings', async (t) => {
    await page.addScriptTag({ content: WATCH });
    const loaded = await page.evaluate(async ({ url, probe }) => {
      window.worker = await window.lib.ElmoWorker.load(url);
      return (await window.worker.embed(probe)).length;
    }, { url: server.modelUrl('ft'), probe });
    assert.equal(loaded, probe.length);
    assert.equal(server.count(/\/models\/ft\/(softmax-|vocab\.txt)/), 0, 'load and embed read neither the softmax nor the vocabulary');

    const result = await page.evaluate(async ({ sentences, probe, settings }) => {
      const events = [];
      const watched = await window.watchWhile(() => window.worker.fineTune(sentences, { ...settings, onProgress: (e) => events.push(e) }));
      const embeddings = (await window.worker.embed(probe)).map((e) => ({ data: Array.from(e.data) }));
      const bytes = await window.worker.exportWeights();
      return { ...watched, events, embeddings, exported: window.base64(bytes), isBytes: bytes instanceof Uint8Array };
    }, { sentences, probe, settings: SETTINGS });
    assert.equal(server.count(/\/models\/ft\/softmax-00001-of-00001\.bin$/), 1);
    assert.equal(server.count(/\/models\/ft\/vocab\.txt$/), 1);

    assert.deepEqual(result.events.map((/** @type {any} */ e) => e.step), Array.from({ length: SETTINGS.steps }, (_, i) => i + 1));
    assert.ok(result.events.every((/** @type {any} */ e) => e.steps === SETTINGS.steps && e.tokens === e.step * 320));
    assert.deepEqual(result.out.losses, result.events.map((/** @type {any} */ e) => e.loss));
    const lossDiff = maxAbsDiff(result.out.losses, node.losses);
    const embedDiff = largestDiff(result.embeddings, node.embeddings);
    t.diagnostic(`${SETTINGS.steps} steps in ${result.ms.toFixed(0)} ms; max |loss - Node's| ${lossDiff}, max |embedding - Node's| ${embedDiff}; largest gap ${result.timerGap.toFixed(1)} ms between ${result.timers} timer ticks, ${result.frameGap.toFixed(1)} ms between ${result.frames} frames`);
    assert.ok(lossDiff <= 1e-6, `losses differ from Node's by ${lossDiff}`);
    assert.ok(embedDiff <= 1e-6, `embeddings differ from Node's by ${embedDiff}`);
    // Had the worker blocked the page, a gap would span the whole run.
    const bound = Math.max(100, result.ms / 4);
    assert.ok(result.timerGap < bound && result.frameGap < bound, `gaps ${result.timerGap} / ${result.frameGap} ms (bound ${bound} ms)`);

    assert.equal(result.isBytes, true);
    const path = join(fixture.dir, 'from-worker.hdf5');
    await writeFile(path, Buffer.from(result.exported, 'base64'));
    const converted = join(fixture.dir, 'from-worker-model');
    await convertModel(optionsPath, path, converted);
    const reloaded = await Elmo.load(converted);
    const again = (await reloaded.embed(probe)).map((e) => ({ data: Array.from(e.data) }));
    reloaded.dispose();
    const roundTrip = largestDiff(again, result.embeddings.map((/** @type {any} */ e) => Float32Array.from(e.data)));
    t.diagnostic(`worker export → convert → load in Node: max |diff| ${roundTrip}`);
    assert.ok(roundTrip <= 1e-5, `max abs diff ${roundTrip}`);
  });

  test('ElmoWorker: an abort mid-run rejects with an AbortError; the worker keeps its weights and serves the next call', async () => {
    const result = await page.evaluate(async ({ url, sentences, probe }) => {
      const elmo = await window.lib.ElmoWorker.load(url);
      const embed = async () => (await elmo.embed(probe)).map((e) => Array.from(e.data));
      try {
        const before = await embed();
        const controller = new AbortController();
        let last = 0;
        let error = '';
        try {
          await elmo.fineTune(sentences, { steps: 1000, signal: controller.signal, onProgress: (e) => {
            last = e.step;
            if (e.step === 3) controller.abort();
          } });
        } catch (e) {
          error = `${e.name}: ${e instanceof DOMException}`;
        }
        const same = JSON.stringify(await embed()) === JSON.stringify(before);
        // A fineTune still waiting behind an embed is aborted before it starts, with the signal's reason.
        const waiting = new AbortController();
        const queued = elmo.fineTune(sentences, { steps: 5, signal: waiting.signal });
        waiting.abort(new Error('not now'));
        const queuedError = await queued.then(() => 'resolved', (e) => e.message);
        const next = await elmo.fineTune(sentences, { steps: 2 });
        const moved = JSON.stringify(await embed()) !== JSON.stringify(before);
        return { error, last, same, queuedError, nextSteps: next.steps, moved };
      } finally {
        elmo.dispose();
      }
    }, { url: server.modelUrl('ft'), sentences, probe });
    assert.equal(result.error, 'AbortError: true');
    assert.ok(result.last >= 3 && result.last < 10, `the worker stopped at step ${result.last}`);
    assert.equal(result.same, true, 'the weights from before the call');
    assert.equal(result.queuedError, 'not now');
    assert.equal(result.nextSteps, 2);
    assert.equal(result.moved, true);
  });

  test('Elmo on the main thread: the event loop runs between steps; exportWeights imports h5wasm in the page', async (t) => {
    await page.addScriptTag({ content: WATCH });
    const result = await page.evaluate(async ({ url, sentences }) => {
      const elmo = await window.lib.Elmo.load(url, { numThreads: 1 });
      try {
        const stamps = [];
        const watched = await window.watchWhile(() => elmo.fineTune(sentences, { steps: 40, onProgress: () => stamps.push(performance.now()) }));
        const longestStep = Math.max(...stamps.slice(1).map((s, i) => s - stamps[i]));
        const bytes = await elmo.exportWeights();
        return { ...watched, longestStep, signature: Array.from(bytes.subarray(0, 8)), length: bytes.length };
      } finally {
        elmo.dispose();
      }
    }, { url: server.modelUrl('ft'), sentences });
    t.diagnostic(`40 steps on the page in ${result.ms.toFixed(0)} ms, longest step ${result.longestStep.toFixed(1)} ms; largest gap ${result.timerGap.toFixed(1)} ms between ${result.timers} timer ticks, ${result.frameGap.toFixed(1)} ms between ${result.frames} frames`);
    // A page blocked for the run would show one gap of the whole run. Here a gap spans a step or
    // two: a timer due during a step may wait for the next one too (the same with setTimeout or
    // scheduler.postTask yields, measured); the bound leaves room for a busy machine.
    const bound = Math.max(150, 4 * result.longestStep);
    assert.ok(result.ms > 2 * bound, `the run (${result.ms} ms) is long enough to tell`);
    assert.ok(result.timerGap < bound, `timer gap ${result.timerGap} ms (bound ${bound} ms)`);
    assert.ok(result.frameGap < bound, `frame gap ${result.frameGap} ms (bound ${bound} ms)`);
    assert.ok(result.timers > 40, `${result.timers} timer ticks: some between every two steps`);
    assert.deepEqual(result.signature, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 'an HDF5 file');
    assert.ok(result.length > 400000);
  });

  test('bad input through ElmoWorker gives the outcomes Elmo gives in Node; the worker stays usable', async () => {
    /** @type {Array<[string, unknown, any]>} */
    const cases = [
      ['an empty list', [], { steps: 1 }],
      ['steps 0', sentences, { steps: 0 }],
      ['steps and tokens', sentences, { steps: 1, tokens: 1000 }],
      ['an unknown option', sentences, { epochs: 1 }],
      ['a token that is not a string', [['a', null]], { steps: 1 }],
      ['onProgress not a function', sentences, { steps: 1, onProgress: 3 }],
    ];
    const elmo = await Elmo.load(fixture.modelDir);
    const want = [];
    for (const [, input, options] of cases) want.push(await elmo.fineTune(/** @type {any} */ (input), options).then(() => 'resolved', (e) => `${e.name}: ${e.message}`));
    elmo.dispose();
    const got = await page.evaluate(async ({ url, plainUrl, cases, probe }) => {
      const worker = await window.lib.ElmoWorker.load(url);
      const out = [];
      for (const [, input, options] of cases) out.push(await worker.fineTune(input, options).then(() => 'resolved', (e) => `${e.name}: ${e.message}`));
      const usable = (await worker.embed(probe)).length;
      worker.dispose();
      const noSoftmax = await window.lib.ElmoWorker.load(plainUrl);
      const refused = await noSoftmax.fineTune([['a']], { steps: 1 }).then(() => 'resolved', (e) => `${e.name}: ${e.message}`);
      noSoftmax.dispose();
      return { out, usable, refused };
    }, { url: server.modelUrl('ft'), plainUrl: server.modelUrl('plain'), cases, probe });
    cases.forEach(([what], i) => assert.equal(got.out[i], want[i], what));
    assert.equal(got.usable, probe.length);
    assert.match(got.refused, new RegExp(`^Error: fineTune needs a model that carries its softmax and vocabulary, and ${server.modelUrl('plain')} has none`));
    assert.deepEqual(pageErrors, []);
  });
});
