/**
 * `elmo-wasm train` where it cannot write (issue 11, item 6). A full disk at
 * a checkpoint: the run stops with an error that names the file and says the
 * disk is full, the last good checkpoint.bin is left byte for byte, no
 * temporary file stays behind, and `train --resume` from it ends
 * bit-identical to a run that never stopped. An out-dir that cannot be
 * written: refused by name before anything is written. The full disk is
 * injected (always runs); where `mount -t tmpfs` is allowed, a real full
 * file system too, and a read-only one for root, whom file modes do not stop
 * (else those tests are skipped, saying why).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { train } from '../../js/node/train/train-run.js';
import { fillingDisk } from './disk-full.js';
import { elmoWasm } from './run-cli.js';

const options = {
  char_cnn: { activation: 'relu', embedding: { dim: 4 }, filters: [[1, 4], [2, 8]], max_characters_per_token: 10, n_characters: 261, n_highway: 1 },
  lstm: { cell_clip: 3, dim: 16, n_layers: 2, proj_clip: 3, projection_dim: 8, use_skip_connections: true },
};
const sentences = ['the cat sat on the mat', 'the dog sat on the log', 'a cat and a dog', 'the mat and the log', 'a dog sat on a cat'];
/** Tokens of the whole run, and where the interrupted one first stops (20 tokens a step). */
const WHOLE = 1600;
const FIRST = 800;

/** @type {string} */
let dir;
/** @type {string} */
let text;
/** @type {string[]} */
let run;
/** @type {Buffer} checkpoint.bin of the run that never stopped */
let wholeCheckpoint;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'elmo-train-disk-full-'));
  text = join(dir, 'text.txt');
  await writeFile(join(dir, 'options.json'), JSON.stringify(options));
  await writeFile(text, `${Array(8).fill(sentences.join('\n')).join('\n')}\n`);
  run = ['--options', join(dir, 'options.json'), '--batch-size', '4', '--unroll', '5', '--negatives', '6', '--seed', '5', '--checkpoint-every', '400tokens'];
  const whole = await elmoWasm('train', text, join(dir, 'whole'), ...run, '--tokens', String(WHOLE));
  assert.equal(whole.code, 0, whole.stderr);
  wholeCheckpoint = await readFile(join(dir, 'whole', 'checkpoint.bin'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** @param {string} folder the names in it that are temporary files (".name.pid.tmp") */
const temporaries = async (folder) => (await readdir(folder)).filter((name) => name.startsWith('.'));

/**
 * Resumes `out` to the whole budget and checks it ends as the run that never stopped.
 * @param {string} out
 */
async function resumesToTheEnd(out) {
  const r = await elmoWasm('train', text, out, '--resume', '--tokens', String(WHOLE), '--checkpoint-every', '400tokens');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^trained ${WHOLE / 20} steps \\(${WHOLE} tokens\\), ${WHOLE - FIRST} in `));
  assert.ok((await readFile(join(out, 'checkpoint.bin'))).equals(wholeCheckpoint), 'the resumed run ended with another checkpoint.bin than the run that never stopped');
}

test('a full disk while writing checkpoint.bin (injected): a clear error, the last checkpoint intact, and --resume continues from it', async () => {
  const out = join(dir, 'injected');
  const first = await elmoWasm('train', text, out, ...run, '--tokens', String(FIRST));
  assert.equal(first.code, 0, first.stderr);
  const path = join(out, 'checkpoint.bin');
  const good = await readFile(path);

  // The next checkpoint (step 60) meets a disk that is full halfway through the file.
  const disk = fillingDisk(Math.floor(good.length / 2));
  const failed = train({ input: text, outDir: out, resume: true, settings: /** @type {any} */ ({ tokens: WHOLE }), checkpointEvery: { tokens: 400 }, openCheckpoint: disk.open });
  await assert.rejects(failed, (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.message, `cannot write ${path}: the disk is full (ENOSPC: no space left on device, write)`);
    return true;
  });
  assert.equal(disk.opened.length, 1, 'the run stopped at the first checkpoint that failed');
  assert.equal(disk.written(), Math.floor(good.length / 2), 'the failed checkpoint was half written');
  assert.ok((await readFile(path)).equals(good), 'checkpoint.bin changed');
  assert.deepEqual(await temporaries(out), []);

  await resumesToTheEnd(out);
});

/**
 * Mounts a tmpfs at a new folder, or says why it cannot.
 * @param {string} options mount's -o, e.g. "size=2m" or "ro"
 * @returns {Promise<{ dir: string, unmount: () => Promise<void> } | { why: string }>}
 */
async function mountTmpfs(options) {
  const dir = await mkdtemp(join(tmpdir(), 'elmo-tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status === 0) {
    return {
      dir,
      async unmount() {
        spawnSync('umount', [dir]);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  return { why: `mount -t tmpfs is not allowed here (${(mounted.stderr || mounted.error?.message || `exit ${mounted.status}`).trim().split('\n')[0]})` };
}

/**
 * Fills the file system of `folder` with one file until `free` bytes are left.
 * @param {string} folder
 * @param {number} free
 */
async function fillUntil(folder, free) {
  const fs = await statfs(folder);
  const filler = join(folder, 'filler');
  await writeFile(filler, Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - free)));
  return filler;
}

test('a real full disk (tmpfs) at a checkpoint, in weights.hdf5 and in checkpoint.bin: a clear error from the CLI, the last checkpoint intact', async (t) => {
  const tmpfs = await mountTmpfs('size=2m');
  if ('why' in tmpfs) {
    t.skip(`${tmpfs.why}; the injected full disk above ran instead`);
    return;
  }
  const mount = tmpfs.dir;
  try {
    const out = join(mount, 'out');
    await mkdir(out);
    const first = await elmoWasm('train', text, out, ...run, '--tokens', String(FIRST));
    assert.equal(first.code, 0, first.stderr);
    const path = join(out, 'checkpoint.bin');
    const good = await readFile(path);
    const size = async (/** @type {string} */ name) => (await stat(join(out, name))).size;
    const [weights, softmax] = [await size('weights.hdf5'), await size('softmax.hdf5')];
    const page = (await statfs(mount)).bsize;
    assert.ok(good.length > Math.max(weights, softmax) + 2 * page, `checkpoint.bin (${good.length} bytes) is not larger than weights.hdf5 (${weights}) and softmax.hdf5 (${softmax}) by two pages`);

    // Room for nothing: weights.hdf5, the first file of a checkpoint, fails (HDF5's write).
    // Room for either HDF5 file but not for checkpoint.bin: checkpoint.bin fails (Node's write).
    const cases = [
      { free: 0, fails: 'weights.hdf5' },
      { free: Math.max(weights, softmax) + page, fails: 'checkpoint.bin' },
    ];
    for (const { free, fails } of cases) {
      const filler = await fillUntil(mount, free);
      const r = await elmoWasm('train', text, out, '--resume', '--tokens', String(WHOLE), '--checkpoint-every', '400tokens');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^elmo-wasm: cannot write ${join(out, fails).replace(/[.]/g, '\\.')}: the disk is full \\(.*no space left on device.*\\)$`, 'im'));
      assert.ok((await readFile(path)).equals(good), `checkpoint.bin changed when ${fails} met the full disk`);
      assert.deepEqual(await temporaries(out), [], `after ${fails} met the full disk`);
      await rm(filler);
    }
    await resumesToTheEnd(out);
  } finally {
    await tmpfs.unmount();
  }
});

test('an out-dir that cannot be written, new or existing: refused by name, nothing written', async (t) => {
  /** @type {string} */
  let folder;
  /** @type {() => Promise<void>} */
  let cleanup;
  if (process.getuid?.() !== 0) {
    folder = await mkdtemp(join(tmpdir(), 'elmo-read-only-'));
    await chmod(folder, 0o555);
    cleanup = async () => {
      await chmod(folder, 0o755);
      await rm(folder, { recursive: true, force: true });
    };
  } else {
    const tmpfs = await mountTmpfs('ro,size=64k');
    if ('why' in tmpfs) {
      t.skip(`root writes into any folder whatever its mode, so only a read-only file system can refuse, and ${tmpfs.why}`);
      return;
    }
    ({ dir: folder, unmount: cleanup } = tmpfs);
  }
  try {
    for (const out of [join(folder, 'out'), folder]) {
      const r = await elmoWasm('train', text, out, ...run, '--tokens', '200');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^elmo-wasm: out-dir ${out.replace(/[.]/g, '\\.')} cannot be written: (EACCES|EROFS)`, 'm'));
    }
    assert.deepEqual(await readdir(folder), []);
  } finally {
    await cleanup();
  }
});
