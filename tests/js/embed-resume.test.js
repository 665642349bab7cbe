/**
 * `elmo-wasm embed` killed and failing at seeded random points: every run
 * that --resume continues must end with exactly the files of a run never
 * stopped (no part, journal or temporary file left), and a full disk or a
 * read error must fail with a message that leaves the last commit readable.
 * Kills and faults are injected by tests/js/io-faults.js at the file
 * operations (the only moments the disk changes), and once from outside at
 * random times.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { convertFixture } from './fixture.js';
import { corpusText, filesIn, random, writeIn } from './corpus.js';
import { elmoWasmRun } from './run-cli.js';

const preload = fileURLToPath(new URL('./io-faults.js', import.meta.url));

/** @type {Awaited<ReturnType<typeof convertFixture>>} */
let work;
let input = '';
before(async () => {
  work = await convertFixture();
  input = await writeIn(work.dir, 'in.txt', await corpusText(240, 15));
});
after(() => work?.cleanup());

const CASES = [
  { name: 'out.jsonl', flags: ['--top'], seed: 1 },
  { name: 'out.npy', flags: [], seed: 2 }, // --all: token-major rows
  { name: 'out.hdf5', flags: ['--average'], seed: 3 },
];

/**
 * embed into `dir/name`, faults confined to `dir`.
 * @param {string} dir
 * @param {{ name: string, flags: string[] }} c
 * @param {Record<string, string>} faults
 * @param {...string} more
 */
async function embed(dir, { name, flags }, faults = {}, ...more) {
  await mkdir(dir, { recursive: true });
  return elmoWasmRun(
    { preload, env: { ELMO_FAULT_PATHS: dir, ...faults } },
    'embed', input, join(dir, name), '--model', work.modelDir, '--batch-size', '50', ...flags, ...more,
  );
}

/**
 * @param {Record<string, Buffer>} got
 * @param {Record<string, Buffer>} want
 * @param {string} what
 */
function assertSameFiles(got, want, what) {
  assert.deepEqual(Object.keys(got), Object.keys(want), `${what}: the same files`);
  for (const name of Object.keys(want)) assert.ok(got[name].equals(want[name]), `${what}: ${name} has the same bytes`);
}

/** @type {Map<string, Record<string, Buffer>>} */
const references = new Map();
/** @param {{ name: string, flags: string[] }} c */
async function reference(c) {
  if (!references.has(c.name)) {
    const dir = join(work.dir, `reference-${c.name}`);
    const r = await embed(dir, c);
    assert.equal(r.code, 0, r.stderr);
    references.set(c.name, await filesIn(dir));
  }
  return /** @type {Record<string, Buffer>} */ (references.get(c.name));
}

for (const c of CASES) {
  test(`${c.name}: SIGKILL at seeded random steps, torn writes included, then --resume: the uninterrupted run's bytes`, async (t) => {
    const want = await reference(c);
    const countDir = join(work.dir, `count-${c.name}`);
    const counted = await embed(countDir, c, { ELMO_FAULT_COUNT_FILE: join(work.dir, `steps-${c.name}`) });
    assert.equal(counted.code, 0, counted.stderr);
    assertSameFiles(await filesIn(countDir), want, 'a run through the fault layer');
    const steps = Number(await readFile(join(work.dir, `steps-${c.name}`), 'utf8'));
    assert.ok(steps > 20, `${steps} file operations`);
    const next = random(c.seed);
    /** @type {string[]} */
    const kills = [];
    for (let chain = 0; chain < 2; chain++) {
      const dir = join(work.dir, `kill-${c.name}-${chain}`);
      for (let link = 0; link < 3; link++) {
        const at = 1 + Math.floor(next() * steps);
        const torn = next() < 0.5;
        const r = await embed(dir, c, { ELMO_FAULT_KILL_AT: String(at), ELMO_FAULT_TORN: torn ? '1' : '0' }, ...(link > 0 ? ['--resume'] : []));
        if (r.signal !== 'SIGKILL') {
          assert.equal(r.code, 0, r.stderr); // the resumed run was done before step `at`
          break;
        }
        kills.push(`${at}${torn ? ' torn' : ''}`);
      }
      const last = await embed(dir, c, {}, '--resume');
      assert.equal(last.code, 0, last.stderr);
      assertSameFiles(await filesIn(dir), want, `chain ${chain} (kills at ${kills.join(', ')})`);
    }
    assert.ok(kills.length >= 2, `killed ${kills.length} times`);
    t.diagnostic(`${kills.length} kills at steps ${kills.join(', ')} of ${steps}; each chain resumed to the same bytes`);
  });
}

test('a full disk fails naming ENOSPC, leaves exactly the last commit readable, and --resume finishes it', async () => {
  const c = CASES[0];
  const want = await reference(c);
  const dir = join(work.dir, 'enospc-jsonl');
  const r = await embed(dir, c, { ELMO_FAULT_ENOSPC_AFTER: String(Math.floor(want['out.jsonl'].length / 2)) });
  assert.equal(r.code, 1, r.stderr);
  const m = /ENOSPC: no space left on device.*; (\d+) of 240 sentences are committed in \S*out\.jsonl\.part .*--resume/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const journal = JSON.parse(await readFile(join(dir, 'out.jsonl.journal'), 'utf8'));
  assert.equal(journal.committed.sentences, Number(m[1]));
  assert.ok(journal.committed.sentences > 0 && journal.committed.sentences < 240);
  const part = await readFile(join(dir, 'out.jsonl.part'));
  assert.equal(part.length, journal.committed.bytes, 'the part is cut back to the last commit');
  assert.ok(part.equals(want['out.jsonl'].subarray(0, part.length)), 'and is what an uninterrupted run wrote first');
  const lines = part.toString('utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.index), [...Array(journal.committed.sentences).keys()]);
  await assert.rejects(stat(join(dir, 'out.jsonl')), /ENOENT/, 'nothing looks finished');
  const resumed = await embed(dir, c, {}, '--resume');
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`resumed after ${journal.committed.sentences}`));
  assertSameFiles(await filesIn(dir), want, 'resumed after ENOSPC');
});

test('HDF5: a disk that fills while the finished file is made, and a read error of the part, each keep every commit', async () => {
  const c = CASES[2];
  const want = await reference(c);
  const dir = join(work.dir, 'enospc-hdf5');
  const full = await embed(dir, c, { ELMO_FAULT_ENOSPC_AFTER: String(want['out.hdf5'].length) });
  assert.equal(full.code, 1, full.stderr);
  assert.match(full.stderr, /out\.hdf5.*; 240 of 240 sentences are committed in \S*out\.hdf5\.part/);
  assert.deepEqual(Object.keys(await filesIn(dir)), ['out.hdf5.journal', 'out.hdf5.part'], 'no half-made file or temporary left');
  const journal = JSON.parse(await readFile(join(dir, 'out.hdf5.journal'), 'utf8'));
  assert.equal((await stat(join(dir, 'out.hdf5.part'))).size, journal.committed.bytes);

  const unreadable = await embed(dir, c, { ELMO_FAULT_EIO_READ: 'out.hdf5.part' }, '--resume');
  assert.equal(unreadable.code, 1, unreadable.stderr);
  assert.match(unreadable.stderr, /EIO: i\/o error, read; 240 of 240 sentences are committed/);
  assert.deepEqual(Object.keys(await filesIn(dir)), ['out.hdf5.journal', 'out.hdf5.part']);

  const resumed = await embed(dir, c, {}, '--resume');
  assert.equal(resumed.code, 0, resumed.stderr);
  assertSameFiles(await filesIn(dir), want, 'finished after the failures');
});

test('SIGKILL from outside at seeded random times, then --resume: the same bytes', async (t) => {
  const c = { name: 'big.jsonl', flags: ['--top'] };
  const big = await writeIn(work.dir, 'big.txt', await corpusText(1200, 7));
  /**
   * @param {string} dir
   * @param {number | undefined} killAfterMs
   * @param {...string} more
   */
  const run = async (dir, killAfterMs, ...more) => {
    await mkdir(dir, { recursive: true });
    return elmoWasmRun({ killAfterMs }, 'embed', big, join(dir, c.name), '--model', work.modelDir, '--batch-size', '32', ...c.flags, ...more);
  };
  const started = performance.now();
  const ref = await run(join(work.dir, 'timed-reference'), undefined);
  const wall = performance.now() - started;
  assert.equal(ref.code, 0, ref.stderr);
  const want = await filesIn(join(work.dir, 'timed-reference'));
  const dir = join(work.dir, 'timed');
  const next = random(11);
  /** @type {number[]} */
  const kills = [];
  for (let i = 0; i < 3; i++) {
    const ms = Math.round(wall * (0.2 + 0.7 * next()));
    const r = await run(dir, ms, ...(i > 0 ? ['--resume'] : []));
    if (r.signal === 'SIGKILL') kills.push(ms);
    else assert.equal(r.code, 0, r.stderr);
  }
  const last = await run(dir, undefined, '--resume');
  assert.equal(last.code, 0, last.stderr);
  assertSameFiles(await filesIn(dir), want, `killed after ${kills.join(', ')} ms`);
  assert.ok(kills.length >= 1, 'at least one kill landed');
  t.diagnostic(`uninterrupted ${wall.toFixed(0)} ms; killed after ${kills.join(', ')} ms`);
});

test('resuming refuses another run\'s journal, and a leftover journal without --resume; --stateful is never resumed', async () => {
  const c = CASES[0];
  const dir = join(work.dir, 'refusals');
  const killed = await embed(dir, c, { ELMO_FAULT_KILL_AT: '40' });
  assert.equal(killed.signal, 'SIGKILL');
  const again = await embed(dir, c);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /out\.jsonl\.journal: an interrupted run is recorded here \(\d+ of 240 sentences, \d+ bytes committed\); continue it with --resume/);
  const other = await embed(dir, { ...c, flags: ['--average'] }, {}, '--resume');
  assert.equal(other.code, 1);
  assert.match(other.stderr, /out\.jsonl\.journal is another run's \(options\.layers: "top" vs "average"\)/);
  const stateful = await embed(dir, c, {}, '--resume', '--stateful');
  assert.equal(stateful.code, 1);
  assert.match(stateful.stderr, /a --stateful run can be neither sharded nor resumed/);
  await rm(dir, { recursive: true });
});
