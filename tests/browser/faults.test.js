/**
 * Worker faults in headless Chromium (or Firefox ESR: ELMO_BROWSER=firefox): a request that needs more memory than
 * the worker's wasm may use (maxMemoryMB) rejects with an ElmoError of status
 * OUT_OF_MEMORY naming the budget — it never hangs — and the same worker
 * serves the next call, with the same numbers as before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserFixture, openTestPage } from './test-page.js';

const fixture = browserFixture();

test('ElmoWorker: out of memory inside wasm rejects with a clear ElmoError, never hangs, and the next call works', async (t) => {
  const { page, errors: pageErrors } = await openTestPage(fixture.browser.context, fixture.server.origin);
  const manifestsBefore = fixture.server.count(/\/models\/m\/manifest\.json$/);
  const result = await page.evaluate(async (url) => {
    const elmo = await window.lib.ElmoWorker.load(url, { maxMemoryMB: 3 });
    /** Settles within 30 s or says it hung. */
    const outcome = (promise) =>
      Promise.race([
        promise.then(() => ({ resolved: true }), (e) => ({ name: e.name, status: e.status, message: e.message, isElmoError: e instanceof window.lib.ElmoError })),
        new Promise((resolve) => setTimeout(() => resolve({ hung: true }), 30_000)),
      ]);
    const [before] = await elmo.embed([['the', 'bank']]);
    const long = Array.from({ length: 5_000 }, (_, i) => `w${i % 50}`);
    const tooLong = await outcome(elmo.embed([long]));
    const rows = Array.from({ length: 300 }, () => long.slice(0, 200));
    const statefulTooBig = await outcome(elmo.embed(rows, { stateful: true }));
    const [afterwards] = await elmo.embed([['the', 'bank']]);
    elmo.dispose();
    return { tooLong, statefulTooBig, same: before.data.every((x, i) => x === afterwards.data[i]), shape: afterwards.shape };
  }, fixture.server.modelUrl('m'));
  t.diagnostic(`${result.tooLong.message} | ${result.statefulTooBig.message}`);
  for (const outcome of [result.tooLong, result.statefulTooBig]) {
    assert.equal(outcome.hung, undefined, 'the call hung');
    assert.equal(outcome.name, 'ElmoError');
    assert.equal(outcome.isElmoError, true);
    assert.equal(outcome.status, -4, 'status OUT_OF_MEMORY');
    assert.match(outcome.message, /^maxMemoryMB \(3\.0 MB\) is too small/);
  }
  // Its inputs and outputs fit: the refusal comes from the core's workspace check, inside wasm.
  assert.match(result.tooLong.message, /the batch \(5002 positions\) needs at least \d+ bytes of workspace; the limit is \d+/);
  assert.deepEqual(result.shape, [3, 2, 32]);
  assert.equal(result.same, true, 'the next call gives the same numbers as before the fault');
  assert.equal(fixture.server.count(/\/models\/m\/manifest\.json$/) - manifestsBefore, 1, 'the same worker served on: no reload');
  assert.deepEqual(pageErrors, []);
});
