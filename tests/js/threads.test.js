/**
 * Threads in Node: the threaded build (helper instances in worker threads)
 * gives the same bits as one thread, in stateless and stateful calls, and a
 * bad numThreads is refused before anything loads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Elmo } from '../../js/index.js';
import { fixtureForTests } from './fixture.js';

const fixture = fixtureForTests();

/**
 * Embeds the fixture sentences stateless, then twice statefully in batches of 7.
 * @param {number} numThreads
 */
async function run(numThreads) {
  const elmo = await Elmo.load(fixture.modelDir, { numThreads });
  try {
    const outputs = [...(await elmo.embed(fixture.sentences))];
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < fixture.sentences.length; i += 7) outputs.push(...(await elmo.embed(fixture.sentences.slice(i, i + 7), { stateful: true })));
    }
    return { info: elmo.info, data: outputs.map((o) => o.data) };
  } finally {
    elmo.dispose();
  }
}

test('2 and 3 threads give exactly the numbers of one thread', async () => {
  const one = await run(1);
  assert.equal(one.info.threads, 1);
  for (const n of [2, 3]) {
    const many = await run(n);
    assert.equal(many.info.threads, n);
    assert.equal(many.data.length, one.data.length);
    many.data.forEach((d, i) => assert.deepEqual(d, one.data[i], `output ${i} on ${n} threads`));
  }
});

test('numThreads outside 1..64 is a RangeError', async () => {
  for (const numThreads of [0, 65, 1.5, NaN]) {
    await assert.rejects(Elmo.load(fixture.modelDir, { numThreads }), { name: 'RangeError', message: /numThreads must be an integer from 1 to 64/ });
  }
});
