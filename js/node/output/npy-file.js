/**
 * Writes one float32 array in NumPy's .npy format (version 1.0), row by row,
 * so a file larger than memory can be written: the shape goes in the header
 * first, and `close` checks that exactly that many values came.
 */
import { open, rm } from 'node:fs/promises';

/**
 * The magic, version, header length, and the header dict padded with spaces
 * to a multiple of 64 bytes, as numpy.lib.format writes it.
 * @param {number[]} shape
 * @returns {Uint8Array}
 */
export function npyHeader(shape) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = 10 + dict.length + 1; // magic(6) version(2) length(2), dict, '\n'
  const padded = Math.ceil(unpadded / 64) * 64;
  const text = dict + ' '.repeat(padded - unpadded) + '\n';
  const bytes = new Uint8Array(padded);
  bytes.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, text.length & 0xff, text.length >> 8]);
  bytes.set(new TextEncoder().encode(text), 10);
  return bytes;
}

/**
 * @param {string} path created or truncated
 * @param {number[]} shape the whole array's shape
 */
export async function createNpyFile(path, shape) {
  const expected = shape.reduce((a, b) => a * b, 1);
  const file = await open(path, 'w');
  await file.write(npyHeader(shape));
  let written = 0;
  let open_ = true;
  return {
    /** @param {Float32Array} values the next values, in row-major order (little-endian hosts) */
    async write(values) {
      if (written + values.length > expected) throw new Error(`${path}: more than the ${expected} values of shape (${shape.join(', ')})`);
      await file.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      written += values.length;
    },
    async close() {
      open_ = false;
      await file.close();
      if (written !== expected) throw new Error(`${path}: ${written} values written, shape (${shape.join(', ')}) needs ${expected}`);
    },
    /** Closes and deletes the file (after an error). */
    async abandon() {
      if (open_) await file.close();
      open_ = false;
      await rm(path, { force: true });
    },
  };
}
