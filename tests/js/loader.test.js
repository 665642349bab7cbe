/**
 * The shard loader over HTTP (Node's fetch, the code path browsers take):
 * concurrency, progress, retries, and every way a shard can be wrong.
 */
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { startServer } from '../browser/static-server.js';
import { convertFixture, maxAbsDiff } from './fixture.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let converted;
/** @type {Awaited<ReturnType<typeof startServer>>} */
let server;
/** @type {any} */
let manifest;
const url = () => server.modelUrl('m');
/** @param {number} i @returns {string} the URL path of shard i */
const shardPath = (i) => `/models/m/${manifest.shards[i].path}`;
const fast = { retryDelay: 5 };

before(async () => {
  converted = await convertFixture({ shardBytes: 64 * 1024 });
  manifest = JSON.parse(await readFile(join(converted.modelDir, 'manifest.json'), 'utf8'));
  server = await startServer({ models: { m: converted.modelDir } });
});
after(async () => {
  await server?.close();
  await converted?.cleanup();
});

/**
 * @param {any[]} events
 * @param {number} total
 */
function assertProgressSane(events, total) {
  let last = 0;
  for (const e of events) {
    assert.equal(e.total, total);
    assert.ok(e.loaded >= last, `loaded went down: ${last} -> ${e.loaded}`);
    assert.ok(e.loaded <= total, `loaded ${e.loaded} above total ${total}`);
    assert.equal(e.progress, (100 * e.loaded) / total);
    last = e.loaded;
  }
  assert.deepEqual(events.at(-1), { status: 'ready', loaded: total, total, progress: 100 });
}

/** @param {import('../../js/index.js').LoadOptions} [options] */
async function loadOk(options = {}) {
  /** @type {any[]} */
  const events = [];
  const elmo = await Elmo.load(url(), { ...fast, ...options, onProgress: (e) => events.push(e) });
  const [out] = await elmo.embed([['The', 'bank', 'closed', '.']]);
  elmo.dispose();
  assertProgressSane(events, manifest.weights.byteLength);
  return { events, out };
}

describe('loading over HTTP', () => {
  test('gives the same numbers as loading from disk, with per-shard progress', async () => {
    assert.ok(manifest.shards.length >= 5, 'the test model has several shards');
    const local = await Elmo.load(converted.modelDir);
    const [expected] = await local.embed([['The', 'bank', 'closed', '.']]);
    local.dispose();
    const before = server.requests.length;
    const { events, out } = await loadOk();
    assert.equal(maxAbsDiff(out.data, expected.data), 0);
    for (const status of ['initiate', 'done']) {
      const files = events.filter((e) => e.status === status).map((e) => e.file);
      assert.deepEqual(files.sort(), manifest.shards.map((/** @type {any} */ s) => s.path).sort(), status);
    }
    // The manifest and each shard, once each (the .wasm is read from disk in Node).
    assert.equal(server.requests.length - before, 1 + manifest.shards.length);
  });

  test('reads 4 shards at once by default, and `concurrency` of them when given', async () => {
    for (const [concurrency, expected] of [[undefined, 4], [1, 1], [2, 2]]) {
      manifest.shards.forEach((/** @type {any} */ _, /** @type {number} */ i) => server.fault(shardPath(i), { delayMs: 40 }));
      const { events } = await loadOk({ concurrency });
      // Shards between their 'initiate' and 'done', as the loader saw them. (The
      // server's own count of open responses can run one over: the client and
      // the server share this process, so a response's 'close' may come after
      // the next request.)
      let open = 0;
      let most = 0;
      for (const e of events) {
        if (e.status === 'initiate') most = Math.max(most, ++open);
        if (e.status === 'done') open--;
      }
      assert.equal(most, expected, `concurrency ${concurrency}`);
    }
    server.clearFaults();
  });

  test('a bad concurrency, retries or retryDelay is a RangeError', async () => {
    for (const options of [{ concurrency: 0 }, { concurrency: 1.5 }, { retries: -1 }, { retryDelay: Number.NaN }]) {
      await assert.rejects(Elmo.load(url(), options), RangeError);
    }
  });
});

describe('retries', () => {
  test('HTTP 503 twice, then 200: the shard is retried and the load succeeds', async () => {
    server.fault(shardPath(2), { status: 503, times: 2 });
    const before = server.count(/weights-00003/);
    await loadOk();
    assert.equal(server.count(/weights-00003/) - before, 3);
  });

  test('a connection cut mid-shard restarts the shard without counting its bytes twice', async () => {
    server.fault(shardPath(1), { dropAfter: 40000, times: 1 });
    const before = server.count(/weights-00002/);
    const { events } = await loadOk({ concurrency: 1 });
    assert.equal(server.count(/weights-00002/) - before, 2);
    // Shard 2's 'done' comes when loaded has exactly its bytes and shard 1's.
    const done = events.find((e) => e.status === 'done' && e.file === manifest.shards[1].path);
    assert.equal(done.loaded, manifest.shards[0].byteLength + manifest.shards[1].byteLength);
  });

  test('a shard that keeps failing is given up after 1 + retries attempts, naming it', async () => {
    server.fault(shardPath(3), { status: 503 });
    const before = server.count(/weights-00004/);
    await assert.rejects(
      Elmo.load(url(), { ...fast, retries: 2 }),
      /weights-00004-of-\d+\.bin.*HTTP 503.*gave up after 3 attempts/,
    );
    assert.equal(server.count(/weights-00004/) - before, 3);
    server.clearFaults();
  });

  test('the manifest is retried too', async () => {
    server.fault('/models/m/manifest.json', { status: 502, times: 1 });
    const before = server.count(/\/models\/m\/manifest\.json$/);
    await loadOk();
    assert.equal(server.count(/\/models\/m\/manifest\.json$/) - before, 2);
  });

  test('HTTP 404 is not retried', async () => {
    server.fault(shardPath(0), { status: 404 });
    const before = server.count(/weights-00001/);
    await assert.rejects(Elmo.load(url(), fast), /weights-00001-of-\d+\.bin: HTTP 404/);
    assert.equal(server.count(/weights-00001/) - before, 1);
    server.clearFaults();
  });
});

describe('damaged shards are refused, naming the shard', () => {
  const cases = [
    ['a flipped byte', { corrupt: true }, /weights-00002-of-\d+\.bin: sha256 mismatch/],
    ['a short shard', { truncateTo: 1000 }, /weights-00002-of-\d+\.bin: truncated, 1000 of 65536 bytes/],
    ['an oversized shard', { extraBytes: 10 }, /weights-00002-of-\d+\.bin: larger than the 65536 bytes/],
  ];
  for (const [what, fault, message] of cases) {
    test(what, async () => {
      server.fault(shardPath(1), /** @type {any} */ (fault));
      await assert.rejects(Elmo.load(url(), fast), message);
      server.clearFaults();
    });
  }

  test('a manifest whose tensors reach past its shards, before any shard is read', async () => {
    const dir = join(converted.dir, 'overflowing');
    await cp(converted.modelDir, dir, { recursive: true });
    const bad = structuredClone(manifest);
    bad.weights.tensors.at(-1).offset = bad.weights.byteLength - 64;
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(bad));
    server.addModel('overflowing', dir);
    await assert.rejects(
      Elmo.load(server.modelUrl('overflowing')),
      // The core's check (elmo_model_check) refuses it before the weight region is allocated.
      new RegExp(`tensor "${bad.weights.tensors.at(-1).name}": bytes .* lie beyond the ${bad.weights.byteLength}-byte weights buffer`),
    );
    assert.equal(server.count(/\/overflowing\/.*\.bin$/), 0);
  });
});

describe('abort', () => {
  test('aborting mid-shard rejects with AbortError at once', async () => {
    server.fault(shardPath(0), { stallAfter: 20000 });
    const controller = new AbortController();
    const stalled = server.nextStall();
    const loading = Elmo.load(url(), { signal: controller.signal });
    await stalled;
    const started = performance.now();
    controller.abort();
    await assert.rejects(loading, { name: 'AbortError' });
    assert.ok(performance.now() - started < 5000, 'the abort ends the stalled load, not a timeout');
    server.clearFaults();
  });

  test('aborting while waiting to retry rejects with AbortError at once', async () => {
    server.fault(shardPath(0), { status: 503 });
    const controller = new AbortController();
    const before = server.count(/weights-00001/);
    const loading = Elmo.load(url(), { signal: controller.signal, retryDelay: 60_000 });
    while (server.count(/weights-00001/) === before) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await assert.rejects(loading, { name: 'AbortError' });
    server.clearFaults();
  });

  test('an already aborted signal reads nothing', async () => {
    const before = server.requests.length;
    await assert.rejects(Elmo.load(url(), { signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.equal(server.requests.length, before);
  });
});
