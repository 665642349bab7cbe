/**
 * The token cache through the JS API: on by default, the same numbers as
 * with it off, counts that show it working, and bad sizes refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Elmo } from '../../js/index.js';
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
