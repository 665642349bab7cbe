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
 * @param {string | Uint8Array | readonly Uint8Array[]} data several parts are written one after another
 */
export async function writeFileAtomically(path, data) {
  const temporary = temporaryPath(path);
  try {
    const handle = await open(temporary, 'w');
    try {
      for (const part of typeof data === 'string' || data instanceof Uint8Array ? [data] : data) {
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
    throw new Error(`cannot write ${path}: ${/** @type {Error} */ (e).message}`, { cause: e });
  }
}
