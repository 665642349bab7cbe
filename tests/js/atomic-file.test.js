/**
 * writeFileAtomically when the disk fills up mid-write: a clear error naming
 * the file, the previous file as it was, no temporary file left; other
 * errors reported as they are. And writeError on HDF5's words for a full disk,
 * which the tmpfs test of train-disk-full.test.js meets for real where it can
 * mount one.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { temporaryPath, writeError, writeFileAtomically } from '../../js/node/io/atomic-file.js';
import { fillingDisk } from './disk-full.js';

/** @type {string} */
let dir;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'elmo-atomic-file-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('a full disk mid-write: the error says so and names the file; the old file stays, the temporary one goes', async () => {
  const path = join(dir, 'model.bin');
  const previous = Buffer.from('the last good version\n');
  await writeFile(path, previous);
  const disk = fillingDisk(1000);
  const parts = [new Uint8Array(600).fill(1), new Uint8Array(600).fill(2), new Uint8Array(600).fill(3)];
  await assert.rejects(writeFileAtomically(path, parts, { open: disk.open }), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.message, `cannot write ${path}: the disk is full (ENOSPC: no space left on device, write)`);
    assert.equal(/** @type {any} */ (e.cause)?.code, 'ENOSPC');
    return true;
  });
  assert.deepEqual(disk.opened, [temporaryPath(path)], 'the write went through the temporary file');
  assert.equal(disk.written(), 1000, 'the temporary file was partly written before the disk filled');
  assert.ok((await readFile(path)).equals(previous), 'the previous file changed');
  assert.deepEqual(await readdir(dir), ['model.bin']);

  // With room enough the same writer writes the whole file.
  await writeFileAtomically(path, parts, { open: fillingDisk(1800).open });
  assert.ok((await readFile(path)).equals(Buffer.concat(parts)));
});

test('an error that is not a full disk is reported as it is', async () => {
  const path = join(dir, 'other.bin');
  const eio = Object.assign(new Error('EIO: i/o error, open'), { code: 'EIO' });
  const failing = async () => {
    throw eio;
  };
  await assert.rejects(writeFileAtomically(path, 'x', { open: failing }), { message: `cannot write ${path}: EIO: i/o error, open`, cause: eio });
  await assert.rejects(readFile(path), { code: 'ENOENT' });
});

test("writeError knows a full disk in HDF5's words (the C library's text, no code)", () => {
  const hdf5 = new Error("HDF5-DIAG: Error detected in HDF5 (2.0.0):\n  #016: H5FDsec2.c line 775 in H5FD__sec2_write(): file write failed: time = …\n, filename = '/x/.w.hdf5.1.tmp', errno = 51, error message = 'No space left on device', buf = 0x30f0e0\n    major: Low-level I/O");
  assert.equal(writeError('/x/w.hdf5', hdf5).message, 'cannot write /x/w.hdf5: the disk is full (No space left on device)');
  const quota = new Error("… error message = 'Disk quota exceeded' …");
  assert.equal(writeError('/x/w.hdf5', quota).message, 'cannot write /x/w.hdf5: the disk is full (Disk quota exceeded)');
  // openHdf5 keeps only the first line of HDF5's innermost frame; the full text is its cause.
  const opening = new Error('cannot create HDF5 file /x/.w.hdf5.1.tmp: file write failed: time = …', { cause: hdf5 });
  assert.equal(writeError('/x/w.hdf5', opening).message, 'cannot write /x/w.hdf5: the disk is full (No space left on device)');
  assert.equal(writeError('/x/w.hdf5', new Error('unable to truncate a file')).message, 'cannot write /x/w.hdf5: unable to truncate a file');
});
