/**
 * NumPy's .npy format (version 1.0) for one float32 array: the header that
 * goes before its values, written first so that a file larger than memory
 * can be appended row by row, and read back.
 */

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
 * The shape in a float32 .npy file's header, and where its data starts.
 * @param {import('node:fs/promises').FileHandle} handle
 * @param {string} path for messages
 * @returns {Promise<{ shape: number[], dataOffset: number }>}
 */
export async function readNpyHeader(handle, path) {
  const start = Buffer.alloc(10);
  await handle.read(start, 0, 10, 0);
  if (start.subarray(0, 8).toString('latin1') !== '\x93NUMPY\x01\x00') throw new Error(`${path} is not a version 1.0 .npy file`);
  const length = start.readUInt16LE(8);
  const header = Buffer.alloc(length);
  const { bytesRead } = await handle.read(header, 0, length, 10);
  const dict = header.subarray(0, bytesRead).toString('latin1');
  const m = /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(([\d, ]*)\), \} *\n$/.exec(dict);
  if (!m) throw new Error(`${path}: not a float32 C-order .npy header: ${JSON.stringify(dict.trim())}`);
  return { shape: m[1].split(',').filter((d) => d.trim() !== '').map(Number), dataOffset: 10 + length };
}
