/**
 * `elmo-wasm fetch`: the fixture model served from loopback under the
 * registry's URL layout, with dropped connections, resumption, servers that
 * ignore Range, size checks, and a host that is not there. Never contacts
 * anything but 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { defaultCacheDir } from '../../js/node/fetch/cache-dir.js';
import { parseContentRange } from '../../js/node/fetch/download-file.js';
import { fetchModel } from '../../js/node/fetch/fetch-model.js';
import { loadRegistry } from '../../js/node/fetch/model-registry.js';
import { convertFixture, optionsPath, weightsPath } from './fixture.js';
import { closedPort, startRangeServer } from './range-server.js';
import { elmoWasm } from './run-cli.js';

const SENTENCE = ['The', 'bank', 'closed', 'early', '.'];
const registry = await loadRegistry();
const small = registry.models.small;
const optionsUrlPath = `/${small.options}`;
const weightsUrlPath = `/${small.weights}`;

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let reference;
/** @type {Float32Array} */
let referenceVectors;
/** @type {Awaited<ReturnType<typeof startRangeServer>>} */
let server;
/** @type {Buffer} */
let weights;
let tmp = '';
before(async () => {
  reference = await convertFixture();
  const elmo = await Elmo.load(reference.modelDir);
  referenceVectors = (await elmo.embed([SENTENCE]))[0].data;
  elmo.dispose();
  weights = await readFile(weightsPath);
  server = await startRangeServer({ [optionsUrlPath]: await readFile(optionsPath), [weightsUrlPath]: weights });
  tmp = await mkdtemp(join(tmpdir(), 'elmo-wasm-fetch-'));
});
after(async () => {
  await server?.close();
  await reference?.cleanup();
  await rm(tmp, { recursive: true, force: true });
});

/** @param {string} modelDir */
async function assertEmbedsLikeReference(modelDir) {
  const elmo = await Elmo.load(modelDir);
  try {
    const [out] = await elmo.embed([SENTENCE]);
    assert.deepEqual(out.data, referenceVectors);
  } finally {
    elmo.dispose();
  }
}

/** @param {string} path */
const requestsFor = (path) => server.requests.filter((r) => r.path === path);

test('fetch downloads, survives a dropped connection by resuming, converts, and is a no-op the second time', async () => {
  const cacheDir = join(tmp, 'cli-cache');
  const before = server.requests.length;
  server.dropNext(weightsUrlPath, 100_000);
  const r = await elmoWasm('fetch', 'small', '--base-url', server.baseUrl, '--cache-dir', cacheDir);
  assert.equal(r.code, 0, r.stderr);
  const modelDir = join(cacheDir, 'models', 'small');
  assert.equal(r.stdout.trim(), modelDir);
  const weightRequests = server.requests.slice(before).filter((q) => q.path === weightsUrlPath);
  assert.deepEqual(weightRequests.map((q) => q.range), [null, 'bytes=100000-']);
  await assertEmbedsLikeReference(modelDir);
  const manifest = JSON.parse(await readFile(join(modelDir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.name, 'small');
  assert.deepEqual(await readdir(join(cacheDir, 'downloads')), [], 'downloads removed once converted');

  const seen = server.requests.length;
  const again = await elmoWasm('fetch', 'small', '--base-url', server.baseUrl, '--cache-dir', cacheDir);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.trim(), modelDir);
  assert.match(again.stderr, /already in the cache/);
  assert.equal(server.requests.length, seen, 'no request when the model is ready');
});

test('an interrupted run leaves a .part of correct bytes; the next run resumes it with Range', async () => {
  const cacheDir = join(tmp, 'resume-cache');
  const part = join(cacheDir, 'downloads', 'small', 'elmo_2x1024_128_2048cnn_1xhighway_weights.hdf5.part');
  server.dropNext(weightsUrlPath, 123_457);
  await assert.rejects(fetchModel('small', { baseUrl: server.baseUrl, cacheDir, retries: 0 }), /connection lost after 123457 of 450896 bytes/);
  assert.deepEqual(await readFile(part), weights.subarray(0, 123_457));

  const seen = requestsFor(weightsUrlPath).length;
  const result = await fetchModel('small', { baseUrl: server.baseUrl, cacheDir, retries: 0 });
  assert.deepEqual(requestsFor(weightsUrlPath).slice(seen).map((q) => q.range), ['bytes=123457-']);
  assert.deepEqual(result.downloads?.weights, { bytes: weights.length, resumedFrom: 123_457 });
  assert.equal(result.downloads?.options, 'present', 'options.json was complete from the first run');
  await assertEmbedsLikeReference(result.modelDir);
});

test('a server that ignores Range (200) restarts the file from byte 0', async () => {
  const cacheDir = join(tmp, 'norange-cache');
  server.dropNext(weightsUrlPath, 50_000);
  await assert.rejects(fetchModel('small', { baseUrl: server.baseUrl, cacheDir, retries: 0 }));
  server.ranges = false;
  try {
    const result = await fetchModel('small', { baseUrl: server.baseUrl, cacheDir, retries: 0, keepDownloads: true });
    const kept = await readFile(join(cacheDir, 'downloads', 'small', 'elmo_2x1024_128_2048cnn_1xhighway_weights.hdf5'));
    assert.ok(kept.equals(weights), 'the whole file, not the old part followed by the full body');
    await assertEmbedsLikeReference(result.modelDir);
  } finally {
    server.ranges = true;
  }
});

test('a known weight size that the server contradicts is refused before downloading', async () => {
  const wrong = structuredClone(registry);
  wrong.models.small.weightsBytes = weights.length + 1;
  const cacheDir = join(tmp, 'size-cache');
  await assert.rejects(
    fetchModel('small', { registry: wrong, baseUrl: server.baseUrl, cacheDir, retries: 0 }),
    /the server has 450896 bytes but the registry expects 450897/,
  );
});

test('an unreachable host: the message says which files to download by hand and where to put them', async () => {
  const cacheDir = join(tmp, 'offline-cache');
  const base = `http://127.0.0.1:${await closedPort()}/mirror/`;
  const r = await elmoWasm('fetch', 'small', '--base-url', base, '--cache-dir', cacheDir);
  assert.equal(r.code, 1);
  const downloadDir = join(cacheDir, 'downloads', 'small');
  assert.match(r.stderr, /cannot download the small model: .*ECONNREFUSED/);
  assert.ok(r.stderr.includes(`${base}${small.options}`), r.stderr);
  assert.ok(r.stderr.includes(`${base}${small.weights}`), r.stderr);
  assert.ok(r.stderr.includes(`put them in ${downloadDir}/, then run \`elmo-wasm fetch small --cache-dir ${cacheDir}\``), r.stderr);
  assert.ok(r.stderr.includes(`elmo-wasm convert ${join(downloadDir, 'elmo_2x1024_128_2048cnn_1xhighway_options.json')}`), r.stderr);

  // Doing what it says works without the network.
  await mkdir(downloadDir, { recursive: true });
  await copyFile(optionsPath, join(downloadDir, 'elmo_2x1024_128_2048cnn_1xhighway_options.json'));
  await copyFile(weightsPath, join(downloadDir, 'elmo_2x1024_128_2048cnn_1xhighway_weights.hdf5'));
  const again = await elmoWasm('fetch', 'small', '--base-url', base, '--cache-dir', cacheDir);
  assert.equal(again.code, 0, again.stderr);
  await assertEmbedsLikeReference(again.stdout.trim());
});

test('an unknown model name lists the released ones', async () => {
  const r = await elmoWasm('fetch', 'huge', '--cache-dir', join(tmp, 'x'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown model "huge"; the released models are: small, medium, original, original-5.5b/);
});

test('the registry names the four released models with their shapes', () => {
  assert.deepEqual(Object.keys(registry.models), ['small', 'medium', 'original', 'original-5.5b']);
  assert.deepEqual(
    Object.values(registry.models).map((m) => [m.lstmDim, m.projectionDim, m.nHighway]),
    [[1024, 128, 1], [2048, 256, 1], [4096, 512, 2], [4096, 512, 2]],
  );
  for (const m of Object.values(registry.models)) {
    assert.match(m.options, /^(2x\d+_\d+_2048cnn_\dxhighway(_5\.5B)?)\/elmo_\1_options\.json$/);
    assert.equal(m.weights, m.options.replace('_options.json', '_weights.hdf5'));
  }
});

test('cache folder: $ELMO_WASM_CACHE, else $XDG_CACHE_HOME/elmo-wasm, else ~/.cache/elmo-wasm', () => {
  assert.equal(defaultCacheDir({ ELMO_WASM_CACHE: '/c', XDG_CACHE_HOME: '/x' }, '/h'), '/c');
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x' }, '/h'), '/x/elmo-wasm');
  assert.equal(defaultCacheDir({}, '/h'), '/h/.cache/elmo-wasm');
});

test('Content-Range parsing', () => {
  assert.deepEqual(parseContentRange('bytes 100-199/1000'), { start: 100, total: 1000 });
  assert.deepEqual(parseContentRange('bytes */1000'), { start: null, total: 1000 });
  assert.deepEqual(parseContentRange('bytes 0-9/*'), { start: 0, total: null });
  assert.equal(parseContentRange('items 0-9/10'), null);
  assert.equal(parseContentRange(null), null);
});
