/**
 * A full disk on demand, for the tests of what a write does when it meets
 * one: an `open` for writeFileAtomically whose files take `room` bytes in
 * all, written for real, and then fail as Node's writes do on a full disk.
 */
import { open } from 'node:fs/promises';

/** Node's error for a write to a full disk. */
export function diskFullError() {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

/**
 * @param {number} room bytes written before the disk is full
 * @returns {{ open: import('../../js/node/io/atomic-file.js').OpenForWrite, opened: string[], written: () => number }}
 *   opened: the paths it opened; written: the bytes it let through
 */
export function fillingDisk(room) {
  let left = room;
  /** @type {string[]} */
  const opened = [];
  return {
    opened,
    written: () => room - left,
    async open(path, flags) {
      opened.push(path);
      const handle = await open(path, flags);
      return {
        async write(data) {
          const bytes = typeof data === 'string' ? Buffer.from(data) : data;
          if (bytes.byteLength > left) {
            await handle.write(bytes.subarray(0, left));
            left = 0;
            throw diskFullError();
          }
          left -= bytes.byteLength;
          return handle.write(bytes);
        },
        sync: () => handle.sync(),
        close: () => handle.close(),
      };
    },
  };
}
