/**
 * ElmoWorker in real headless Chromium (or Firefox ESR: ELMO_BROWSER=firefox, see test-page.js): loading with progress, the same
 * numbers as Node, a responsive page during a long batch, the scalar build,
 * errors across the boundary, transferred results, a dying worker, dispose.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { convertFixture, fixtureSentences, maxAbsDiff } from '../js/fixture.js';
import { browserName, launchBrowser, openTestPage, workerLoadError } from './test-page.js';
import { startServer } from './static-server.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {Awaited<ReturnType<typeof launchBrowser>>} */
let browser;
/** @type {import('playwright-core').Page} */
let page;
/** @type {string[]} */
let pageErrors;
/** @type {any} */
let manifest;
/** @type {string[][]} */
let sentences;
/** @type {Float32Array[]} Node's embeddings of `sentences` */
let expected;

before(async () => {
  converted = await convertFixture({ shardBytes: 64 * 1024 });
  manifest = JSON.parse(await readFile(join(converted.modelDir, 'manifest.json'), 'utf8'));
  sentences = (await fixtureSentences()).flat().map((s) => s.split(' '));
  const elmo = await Elmo.load(converted.modelDir);
  expected = (await elmo.embed(sentences)).map((e) => e.data);
  elmo.dispose();
  server = await startServer({ models: { m: converted.modelDir } });
  browser = await launchBrowser();
  ({ page, errors: pageErrors } = await openTestPage(browser.context, server.origin));
});
after(async () => {
  await browser?.close();
  await server?.close();
  await converted?.cleanup();
});

/**
 * Largest difference between the page's embeddings and Node's.
 * @param {{ shape: number[], data: number[] }[]} out
 */
function diffFromNode(out) {
  assert.equal(out.length, expected.length);
  return Math.max(...out.map((e, i) => maxAbsDiff(e.data, expected[i])));
}

describe(`ElmoWorker in ${browserName}`, () => {
  test('loads with progress rising to the total, and embeds exactly as Node does', async (t) => {
    const result = await page.evaluate(
      async ({ url, sentences }) => {
        const events = [];
        const elmo = await window.lib.ElmoWorker.load(url, { onProgress: (e) => events.push(e) });
        window.elmo = elmo;
        const out = await elmo.embed(sentences);
        return { events, info: elmo.info, out: out.map((e) => ({ shape: e.shape, data: Array.from(e.data) })) };
      },
      { url: server.modelUrl('m'), sentences },
    );
    const total = manifest.weights.byteLength;
    const { events } = result;
    let last = 0;
    for (const e of events) {
      assert.equal(e.total, total);
      assert.ok(e.loaded >= last && e.loaded <= total, `loaded ${e.loaded} after ${last}`);
      last = e.loaded;
    }
    assert.ok(events.filter((e) => e.status === 'progress').length >= manifest.shards.length);
    assert.equal(events.filter((e) => e.status === 'done').length, manifest.shards.length);
    assert.deepEqual(events.at(-1), { status: 'ready', loaded: total, total, progress: 100 });
    assert.equal(result.info.simd, true);
    const diff = diffFromNode(result.out);
    t.diagnostic(`${manifest.shards.length} shards, ${events.length} progress events; max |browser - node| = ${diff}`);
    assert.ok(diff <= 1e-6, `max abs diff ${diff}`);
  });

  test('the page stays responsive while the worker embeds a batch for over a second', async (t) => {
    const big = Array.from({ length: 2400 }, (_, i) => sentences[i % sentences.length]);
    const result = await page.evaluate(async (batch) => {
      const timerTicks = [];
      const frameTicks = [];
      let running = true;
      const onTimer = () => {
        timerTicks.push(performance.now());
        if (running) setTimeout(onTimer, 0);
      };
      const onFrame = (t) => {
        frameTicks.push(performance.now());
        if (running) requestAnimationFrame(onFrame);
      };
      onTimer();
      requestAnimationFrame(onFrame);
      await new Promise((r) => setTimeout(r, 100));
      // The worker computes for at least a second whatever the machine's speed: batch after batch.
      const started = performance.now();
      let sentences = 0;
      let calls = 0;
      let ms = 0;
      while (ms < 1000) {
        sentences += (await window.elmo.embed(batch)).length;
        calls += 1;
        ms = performance.now() - started;
      }
      await new Promise((r) => setTimeout(r, 100));
      running = false;
      const maxGap = (ticks) => Math.max(...ticks.slice(1).map((t, i) => t - ticks[i]));
      return {
        ms,
        sentences,
        calls,
        timerGap: maxGap(timerTicks),
        frameGap: maxGap(frameTicks),
        timers: timerTicks.length,
        frames: frameTicks.length,
      };
    }, big);
    t.diagnostic(
      `embed of ${result.sentences} sentences in the worker: ${result.ms.toFixed(0)} ms; ` +
        `largest gap: ${result.timerGap.toFixed(1)} ms between ${result.timers} timer ticks, ` +
        `${result.frameGap.toFixed(1)} ms between ${result.frames} frames`,
    );
    // Had a call blocked the page, a gap would span that whole call. The bound grows
    // to a quarter of a call (~200 ms here) so that a busy machine, whose scheduler
    // alone makes gaps of ~100 ms, cannot fail the test by itself.
    const bound = Math.max(50, result.ms / result.calls / 4);
    assert.ok(result.frames > 30, `${result.frames} animation frames`);
    assert.ok(result.timerGap < bound, `timer gap ${result.timerGap} ms (bound ${bound} ms)`);
    assert.ok(result.frameGap < bound, `frame gap ${result.frameGap} ms (bound ${bound} ms)`);
  });

  test('without SIMD (simd: false) the scalar build gives the same numbers within 1e-5', async (t) => {
    const scalarFetches = server.count(/\/js\/wasm\/elmo-scalar\.wasm$/);
    const result = await page.evaluate(
      async ({ url, sentences }) => {
        const elmo = await window.lib.ElmoWorker.load(url, { simd: false });
        try {
          const out = await elmo.embed(sentences);
          return { simd: elmo.info.simd, out: out.map((e) => ({ shape: e.shape, data: Array.from(e.data) })) };
        } finally {
          elmo.dispose();
        }
      },
      { url: server.modelUrl('m'), sentences },
    );
    assert.equal(result.simd, false);
    assert.equal(server.count(/\/js\/wasm\/elmo-scalar\.wasm$/) - scalarFetches, 1);
    const diff = diffFromNode(result.out);
    t.diagnostic(`scalar build in the browser: max |scalar - node simd| = ${diff}`);
    assert.ok(diff <= 1e-5, `max abs diff ${diff}`);
  });

  test('on a page whose engine has no SIMD, the scalar build is chosen by itself', async () => {
    const result = await page.evaluate(
      async ({ url, sentences }) => {
        const validate = WebAssembly.validate;
        WebAssembly.validate = () => false; // as an engine without wasm SIMD answers the probe
        try {
          const elmo = await window.lib.Elmo.load(url);
          const out = await elmo.embed(sentences);
          elmo.dispose();
          return { simd: elmo.info.simd, out: out.map((e) => ({ shape: e.shape, data: Array.from(e.data) })) };
        } finally {
          WebAssembly.validate = validate;
        }
      },
      { url: server.modelUrl('m'), sentences },
    );
    assert.equal(result.simd, false);
    assert.ok(diffFromNode(result.out) <= 1e-5);
  });

  test('requests are served in the order they were made', async () => {
    const order = await page.evaluate(async (sentences) => {
      const order = [];
      const calls = [
        window.elmo.embed(sentences.slice(0, 20)).then(() => order.push('embed 20')),
        window.elmo.resetState().then(() => order.push('reset')),
        window.elmo.embed([['one']]).then(() => order.push('embed 1')),
        window.elmo.embed(42).catch(() => order.push('error')),
        window.elmo.embed(sentences.slice(0, 5), { stateful: true }).then(() => order.push('embed 5')),
      ];
      await Promise.all(calls);
      return order;
    }, sentences);
    assert.deepEqual(order, ['embed 20', 'reset', 'embed 1', 'error', 'embed 5']);
  });

  test('errors cross from the worker with their kind and message; the worker stays usable', async () => {
    const result = await page.evaluate(async () => {
      const describe = (e) => ({ name: e.name, message: e.message, type: e.constructor.name, isError: e instanceof Error });
      const outcomes = [];
      for (const input of [42, [['ok'], ['a', 7]], [['a', '']]]) {
        outcomes.push(await window.elmo.embed(input).then(() => null, describe));
      }
      outcomes.push(await window.elmo.embed([['x']], { unclonable: () => {} }).then(() => null, describe));
      const [after] = await window.elmo.embed([['still', 'works']]);
      return { outcomes, shape: after.shape };
    });
    const [notArray, notString, empty, unclonable] = result.outcomes;
    assert.deepEqual(notArray, { name: 'TypeError', type: 'TypeError', isError: true, message: 'sentences must be an array of token arrays, got number' });
    assert.deepEqual(notString, { name: 'TypeError', type: 'TypeError', isError: true, message: 'sentence 1, token 1 must be a string, got number' });
    assert.deepEqual(empty, { name: 'RangeError', type: 'RangeError', isError: true, message: 'sentence 0, token 1 is an empty string' });
    assert.equal(unclonable.name, 'DataCloneError');
    assert.deepEqual(result.shape, [3, 2, 32]);
  });

  test('a model that is not there rejects naming its manifest', async () => {
    const message = await workerLoadError(page, `${server.origin}/models/nope/`);
    assert.match(message, /^Error: .*\/models\/nope\/manifest\.json: HTTP 404/);
  });

  test('embedding results are transferred out of the worker, not copied', async () => {
    const reports = await page.evaluate(async ({ url, sentences }) => {
      const channel = new BroadcastChannel('elmo-wasm-probe-worker');
      const reports = [];
      channel.onmessage = (event) => reports.push(event.data);
      const elmo = await window.lib.ElmoWorker.load(url, { workerUrl: '/tests/browser/probe-worker.js' });
      const out = await elmo.embed(sentences.slice(0, 3));
      await new Promise((r) => setTimeout(r, 50));
      elmo.dispose();
      channel.close();
      return { reports, lengths: out.map((e) => e.data.length) };
    }, { url: server.modelUrl('m'), sentences });
    assert.deepEqual(reports.reports, [{ detached: [true, true, true] }]);
    assert.ok(reports.lengths.every((n) => n > 0));
  });

  for (const [how, token, message] of [
    ['closes itself', '__close__', /ElmoWorker: the worker stopped/],
    ['throws an uncaught error', '__throw__', /ElmoWorker: the worker failed: .*thrown on purpose/],
  ]) {
    test(`a worker that ${how}: pending calls reject, the next call starts a new worker and reloads the model`, async () => {
      const manifestsBefore = server.count(/\/models\/m\/manifest\.json$/);
      const result = await page.evaluate(async ({ url, token }) => {
        const elmo = await window.lib.ElmoWorker.load(url, { workerUrl: '/tests/browser/probe-worker.js' });
        const dying = elmo.embed([['one'], [token]]).then(() => 'resolved', (e) => e.message);
        const queued = elmo.embed([['queued']]).then(() => 'resolved', (e) => e.message);
        const errors = await Promise.all([dying, queued]);
        const [out] = await elmo.embed([['after', 'restart']]);
        elmo.dispose();
        return { errors, shape: out.shape };
      }, { url: server.modelUrl('m'), token });
      assert.match(result.errors[0], message);
      assert.match(result.errors[1], message);
      assert.deepEqual(result.shape, [3, 2, 32]);
      assert.equal(server.count(/\/models\/m\/manifest\.json$/) - manifestsBefore, 2, 'loaded, then reloaded');
    });
  }

  test('dispose ends the worker; it is safe twice and later calls throw', async () => {
    const result = await page.evaluate(async () => {
      const elmo = window.elmo;
      const pending = elmo.embed([['in', 'flight']]).then(() => 'resolved', (e) => e.message);
      elmo.dispose();
      elmo.dispose();
      const later = await elmo.embed([['x']]).then(() => 'resolved', (e) => e.message);
      let reset = 'no throw';
      try {
        elmo.resetState();
      } catch (e) {
        reset = e.message;
      }
      return { pending: await pending, later, reset };
    });
    assert.match(result.pending, /disposed/);
    assert.match(result.later, /disposed/);
    assert.match(result.reset, /disposed/);
    assert.deepEqual(pageErrors, []);
  });
});
