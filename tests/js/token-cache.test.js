/**
 * The token cache through the JS API: on by default, the same numbers as
 * with it off, counts that show it working, and bad sizes refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Elmo, ElmoError, Status } from '../../js/index.js';
import { fixtureForTests } from './fixture.js';

const fixture = fixtureForTests();

/** @param {number | undefined} tokenCache */
async function embedTwice(tokenCache) {
  const elmo = await Elmo.load(fixture.modelDir, { tokenCache, numThreads: 1 });
  try {
    const first = await elmo.embed(fixture.sentences);
    const second = await elmo.embed(fixture.sentences);
    return { data: [...first, ...second].map((e) => e.data), stats: elmo.tokenCacheStats };
  } finally {
    elmo.dispose();
  }
}

test('cached token vectors give exactly the numbers of the uncached path', async () => {
  const off = await embedTwice(0);
  assert.deepEqual(off.stats, { hits: 0, misses: 0 });
  for (const size of [undefined, 7]) {
    const on = await embedTwice(size);
    assert.equal(on.data.length, off.data.length);
    on.data.forEach((d, i) => assert.deepEqual(d, off.data[i], `output ${i} with tokenCache ${size}`));
    assert.ok(on.stats.hits > 0, `tokenCache ${size} found nothing`);
    const lookups = 2 * fixture.sentences.reduce((n, s) => n + s.length + 2, 0);
    assert.equal(on.stats.hits + on.stats.misses, lookups);
    if (size === undefined) {
      // The second pass finds every token; the first finds boundaries and repeated words.
      assert.ok(on.stats.hits > lookups / 2, `hits ${on.stats.hits} of ${lookups}`);
    }
  }
});

test('tokenCache outside 0..2^24 is a RangeError', async () => {
  for (const tokenCache of [-1, 1.5, 2 ** 24 + 1]) {
    await assert.rejects(Elmo.load(fixture.modelDir, { tokenCache }), { name: 'RangeError' });
  }
});

test('a token cache the wasm memory cannot hold rejects with OUT_OF_MEMORY, and the next load works', async () => {
  // 2^24 entries of the fixture's 48 key bytes and 16 floats, with their
  // tables, take ~2.5 GB: past the single-thread module's 2 GB memory.
  await assert.rejects(Elmo.load(fixture.modelDir, { tokenCache: 2 ** 24, numThreads: 1 }), (error) => {
    assert.ok(error instanceof ElmoError, String(error));
    assert.equal(error.status, Status.OUT_OF_MEMORY);
    assert.match(error.message, /tokenCache \(16777216 entries\): out of memory for the token cache/);
    return true;
  });
  const elmo = await Elmo.load(fixture.modelDir, { tokenCache: 16, numThreads: 1 });
  try {
    const [e] = await elmo.embed([['still', 'works']]);
    assert.deepEqual(e.shape, [3, 2, 32]);
  } finally {
    elmo.dispose();
  }
});
