/**
 * `elmo-wasm embed --shard i/n` and `elmo-wasm merge`: the blocks each shard
 * takes, and merged shards equal to one unsharded run byte for byte, for
 * every format, with more shards than blocks too; a merge killed and
 * resumed; what merge refuses.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mergeShards } from '../../js/node/output/merge-shards.js';
import { BLOCK_LINES, parseShard, shardLines, shardOfLine } from '../../js/node/output/shard-plan.js';
import { convertFixture } from './fixture.js';
import { corpusText, filesIn, writeIn } from './corpus.js';
import { elmoWasm, elmoWasmRun } from './run-cli.js';

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let work;
let input = '';
before(async () => {
  work = await convertFixture();
  input = await writeIn(work.dir, 'in.txt', await corpusText(330, 5)); // blocks of 100, 100, 100, 30
});
after(() => work?.cleanup());

test('a shard is every n-th block of 100 lines, the same on every machine; together the shards are every line once', () => {
  assert.equal(BLOCK_LINES, 100);
  assert.deepEqual(shardLines(5, null), [0, 1, 2, 3, 4]);
  const lines = [0, 1, 2].map((index) => shardLines(330, { index, count: 3 }));
  assert.deepEqual(lines[0], [...Array(100).keys(), ...Array.from({ length: 30 }, (_, i) => 300 + i)]);
  assert.deepEqual(lines[1], Array.from({ length: 100 }, (_, i) => 100 + i));
  assert.deepEqual(lines.flat().sort((a, b) => a - b), [...Array(330).keys()]);
  assert.deepEqual(shardLines(330, { index: 4, count: 5 }), [], 'more shards than blocks: some are empty');
  assert.equal(shardOfLine(299, 3), 2);
  assert.equal(shardOfLine(300, 3), 0);
  assert.deepEqual(parseShard('2/8'), { index: 2, count: 8 });
  for (const bad of ['8/8', '1/0', '-1/4', '1', 'a/b', '1/2/3']) assert.throws(() => parseShard(bad), /--shard must be i\/n with 0 <= i < n/, bad);
});

// 330 lines are 4 blocks: 5 shards leave one empty.
const CASES = [
  { name: 'out.jsonl', flags: ['--top'], count: 5 },
  { name: 'out.npy', flags: [], count: 5 },
  { name: 'out.hdf5', flags: ['--average'], count: 3 },
  { name: 'keys.hdf5', flags: ['--top', '--pooling', 'max', '--use-sentence-keys'], count: 2, unique: true },
];

/**
 * @param {string} dir
 * @param {string} output
 * @param {string[]} flags
 * @param {string} text the input to use
 */
async function embed(dir, output, flags, text = input) {
  await mkdir(dir, { recursive: true });
  return elmoWasm('embed', text, join(dir, output), '--model', work.modelDir, '--batch-size', '40', ...flags);
}

/**
 * The shards' file names for output `name` and shard i ("out.jsonl" -> "out.2.jsonl").
 * @param {string} name
 * @param {number} i
 */
const shardName = (name, i) => name.replace(/\.(\w+)$/, `.${i}.$1`);

for (const c of CASES) {
  test(`${c.name} ${c.flags.join(' ')}: ${c.count} shards merge into the unsharded run's bytes`, async () => {
    let text = input;
    if (c.unique) {
      // Sentence keys need distinct sentences.
      const lines = (await readFile(input, 'utf8')).trim().split('\n').map((l, i) => `${l} ${i}`);
      text = await writeIn(join(work.dir, c.name), 'unique.txt', `${lines.join('\n')}\n`);
    }
    const whole = join(work.dir, c.name, 'whole');
    const r = await embed(whole, c.name, c.flags, text);
    assert.equal(r.code, 0, r.stderr);
    const want = await filesIn(whole);
    for (const count of [c.count]) {
      const dir = join(work.dir, c.name, `shards-${count}`);
      const shards = [];
      for (let i = 0; i < count; i++) {
        const s = await embed(dir, shardName(c.name, i), [...c.flags, '--shard', `${i}/${count}`], text);
        assert.equal(s.code, 0, s.stderr);
        assert.match(s.stdout, new RegExp(`\\(shard ${i}/${count}\\): ${shardLines(330, { index: i, count }).length} sentences`));
        shards.push(join(dir, shardName(c.name, i)));
      }
      const merged = join(work.dir, c.name, `merged-${count}`);
      await mkdir(merged, { recursive: true });
      const m = await elmoWasm('merge', text, join(merged, c.name), ...shards.reverse());
      assert.equal(m.code, 0, m.stderr);
      assert.match(m.stdout, new RegExp(`wrote .*${c.name.replace('.', '\\.')}: 330 sentences from ${count} shards; embedded by`));
      const got = await filesIn(merged);
      assert.deepEqual(Object.keys(got), Object.keys(want));
      for (const name of Object.keys(want)) assert.ok(got[name].equals(want[name]), `${count} shards: ${name} is byte for byte the unsharded run's`);
    }
  });
}

test('a shard file holds its own lines under their global indices, and its journal stays, marked complete', async () => {
  const dir = join(work.dir, 'one-shard');
  const r = await embed(dir, 'out.1.jsonl', ['--top', '--shard', '1/2']);
  assert.equal(r.code, 0, r.stderr);
  const records = (await readFile(join(dir, 'out.1.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(records.map((x) => x.index), shardLines(330, { index: 1, count: 2 }));
  const journal = JSON.parse(await readFile(join(dir, 'out.1.jsonl.journal'), 'utf8'));
  assert.equal(journal.state, 'complete');
  assert.deepEqual(journal.identity.shard, { index: 1, count: 2, blockLines: 100 });
  assert.equal(journal.sessions.length, 1);
  assert.equal(journal.sessions[0].sentences, 130);
  const again = await embed(dir, 'out.1.jsonl', ['--top', '--shard', '1/2', '--resume']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /out\.1\.jsonl \(shard 1\/2\) was already complete \(130 sentences\): nothing to do/);
  const without = await embed(dir, 'out.1.jsonl', ['--top', '--shard', '1/2']);
  assert.equal(without.code, 1);
  assert.match(without.stderr, /is a finished shard/);
  const stateful = await embed(dir, 'x.jsonl', ['--shard', '0/2', '--stateful']);
  assert.match(stateful.stderr, /a --stateful run can be neither sharded nor resumed/);
});

test('merge: a kill in the middle, then merge --resume, gives the same bytes; the summary names each worker', async () => {
  const dir = join(work.dir, 'merge-kill');
  await mkdir(dir, { recursive: true });
  const shards = [];
  for (let i = 0; i < 2; i++) {
    const r = await elmoWasmRun(
      { env: { PARALLEL_SSHHOST: `host-${'ab'[i]}`, PARALLEL_JOBSLOT: '1' } },
      'embed', input, join(dir, `out.${i}.npy`), '--model', work.modelDir, '--shard', `${i}/2`,
    );
    assert.equal(r.code, 0, r.stderr);
    shards.push(join(dir, `out.${i}.npy`));
  }
  const whole = join(work.dir, 'merge-kill-whole');
  assert.equal((await embed(whole, 'out.npy', [])).code, 0);
  const merged = join(work.dir, 'merge-kill-merged');
  await mkdir(merged, { recursive: true });
  const preload = fileURLToPath(new URL('./io-faults.js', import.meta.url));
  const killed = await elmoWasmRun({ preload, env: { ELMO_FAULT_PATHS: merged, ELMO_FAULT_KILL_AT: '250', ELMO_FAULT_TORN: '1' } }, 'merge', input, join(merged, 'out.npy'), ...shards);
  assert.equal(killed.signal, 'SIGKILL');
  const refused = await elmoWasm('merge', input, join(merged, 'out.npy'), ...shards);
  assert.match(refused.stderr, /an interrupted run is recorded here/);
  const resumed = await elmoWasm('merge', input, join(merged, 'out.npy'), ...shards, '--resume');
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /\(resumed after [1-9]\d*\)/);
  assert.match(resumed.stdout, /^ {2}host-a#1 +1 shard +200 sentences +\d+ tokens +[\d.]+ s +\d+ tokens\/s$/m);
  assert.match(resumed.stdout, /^ {2}host-b#1 +1 shard +130 sentences/m);
  assert.match(resumed.stdout, /2 workers, \d+ tokens; together \d+ tokens\/s while all ran/);
  const want = await filesIn(whole);
  const got = await filesIn(merged);
  assert.deepEqual(Object.keys(got), Object.keys(want));
  for (const name of Object.keys(want)) assert.ok(got[name].equals(want[name]), name);
});

test('merge refuses a missing, doubled, unfinished or foreign shard, another input, and a name of another format', async () => {
  const dir = join(work.dir, 'refuse');
  const s0 = (await embed(dir, 'a.0.jsonl', ['--top', '--shard', '0/3'])).code;
  const s1 = (await embed(dir, 'a.1.jsonl', ['--top', '--shard', '1/3'])).code;
  const s2 = (await embed(dir, 'a.2.jsonl', ['--average', '--shard', '2/3'])).code;
  assert.deepEqual([s0, s1, s2], [0, 0, 0]);
  const shard = (/** @type {number} */ i) => join(dir, `a.${i}.jsonl`);
  const merge = (/** @type {string[]} */ ...args) => mergeShards(input, join(dir, 'm.jsonl'), args);
  await assert.rejects(merge(shard(0), shard(1)), /shard 2\/3 missing: merge needs all 3/);
  await assert.rejects(merge(shard(0), shard(1), shard(1)), /a\.1\.jsonl and .*a\.1\.jsonl are both shard 1\/3/);
  await assert.rejects(merge(shard(0), shard(1), shard(2)), /a\.2\.jsonl and .*a\.0\.jsonl are shards of different runs \(options\.layers: "top" vs "average"\)/);
  await assert.rejects(merge(join(dir, 'none.jsonl')), /none\.jsonl\.journal: no such file; merge takes the outputs of `elmo-wasm embed --shard i\/n`/);
  const journal = JSON.parse(await readFile(`${shard(1)}.journal`, 'utf8'));
  await writeFile(`${shard(1)}.journal`, JSON.stringify({ ...journal, state: 'writing' }));
  await assert.rejects(merge(shard(0), shard(1)), /a\.1\.jsonl is not finished \(100 of 100 sentences committed\): run its embed again with --resume/);
  await writeFile(`${shard(1)}.journal`, JSON.stringify(journal));
  await rm(`${shard(2)}.journal`);
  await rm(shard(2));
  assert.equal((await embed(dir, 'a.2.jsonl', ['--top', '--shard', '2/3'])).code, 0);
  const all = [shard(0), shard(1), shard(2)];
  const other = await writeIn(dir, 'other.txt', 'a b c\n');
  await assert.rejects(mergeShards(other, join(dir, 'm.jsonl'), all), /other\.txt is not the input the shards were embedded from/);
  await assert.rejects(mergeShards(input, join(dir, 'm.npy'), all), /the shards are jsonl, but .*m\.npy is named as npy/);
  const cut = await readFile(shard(1));
  await writeFile(shard(1), cut.subarray(0, cut.length - 100));
  assert.ok(!Object.keys(await filesIn(dir)).some((n) => n.startsWith('m.')), 'a refused merge leaves nothing');
  // Found in the second block, after the first was committed: that commit stays.
  await assert.rejects(merge(...all), /a\.1\.jsonl ends before line 200's record: the shard is cut short; 100 of 330 sentences are committed in \S*m\.jsonl\.part/);
});
