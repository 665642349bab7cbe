/**
 * Files replaced whole or not at all: written under a temporary name beside
 * the target, flushed to disk, then renamed over it, so a failure, a kill or
 * a full disk at any moment leaves the previous file as it was.
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * The temporary name a write to `path` goes through (hidden, in the same
 * folder so that the rename stays on one file system).
 * @param {string} path
 */
export function temporaryPath(path) {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** How a full disk (or a full quota) reads in the C library's words, which HDF5 passes on. */
const DISK_FULL_TEXT = /No space left on device|Disk quota exceeded/i;

/**
 * @param {unknown} error
 * @returns {string | undefined} how the error or one of its causes said the disk is full
 */
function diskFull(error) {
  for (let e = /** @type {any} */ (error), depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = /** @type {NodeJS.ErrnoException} */ (e).code;
    const said = code === 'ENOSPC' || code === 'EDQUOT' ? e.message : DISK_FULL_TEXT.exec(e.message)?.[0];
    if (said) return said;
  }
  return undefined;
}

/**
 * The error of a failed write to `path`; a full disk says so, whichever layer
 * met it (Node's errors carry a code, HDF5's only the C library's text).
 * @param {string} path
 * @param {unknown} error
 */
export function writeError(path, error) {
  const full = diskFull(error);
  return new Error(`cannot write ${path}: ${full ? `the disk is full (${full})` : /** @type {Error} */ (error).message}`, { cause: error });
}

/**
 * @typedef {(path: string, flags: 'w') => Promise<{ write(data: string | Uint8Array): Promise<unknown>, sync(): Promise<void>, close(): Promise<void> }>} OpenForWrite
 *   what the temporary file is opened with: fs.open, or in tests one whose writes fail
 */

/**
 * Writes all of `bytes` at `position` (null: where the file is): a write can
 * be short, e.g. when the disk fills up, and the next one then says why.
 * @param {import('node:fs/promises').FileHandle} handle
 * @param {Uint8Array} bytes
 * @param {number | null} [position]
 */
export async function writeFully(handle, bytes, position = null) {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position === null ? null : position + done);
    if (bytesWritten === 0) throw new Error(`a write of ${bytes.length - done} bytes wrote none`);
    done += bytesWritten;
  }
}

/**
 * @param {string} path
 * @param {string | Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>} data several parts are
 *   written one after another
 * @param {{ open?: OpenForWrite }} [io] default fs.open
 */
export async function writeFileAtomically(path, data, { open: openFile = open } = {}) {
  const temporary = temporaryPath(path);
  try {
    const handle = await openFile(temporary, 'w');
    try {
      for await (const part of typeof data === 'string' || data instanceof Uint8Array ? [data] : data) {
        await writeFully(handle, typeof part === 'string' ? Buffer.from(part) : part);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (e) {
    // The write's error is the one to report, not a failure to clean up after it.
    await rm(temporary, { force: true }).catch(() => {});
    throw writeError(path, e);
  }
}
