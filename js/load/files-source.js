/**
 * A model's files given in memory rather than at a URL: a map of file names
 * to Blobs (a File from an <input> or a dropped folder, OPFS, IndexedDB),
 * ArrayBuffers or byte views. The loader reads them as it reads a folder;
 * the model archive (archive-source.js) is read through this too.
 */
import { responseChunks } from './model-sources.js';

/** @typedef {Blob | ArrayBuffer | ArrayBufferView} FileBytes */

/**
 * What `Elmo.load` takes as a model's files: a Map or a plain object from
 * file names to bytes, or a list of Files (a FileList) named by `file.name`.
 * @typedef {Map<string, FileBytes> | Record<string, FileBytes> | ArrayLike<File>} ModelFiles
 */

const CHUNK_BYTES = 256 * 1024;

/** @param {unknown} value @returns {value is ArrayBuffer | ArrayBufferView} */
export const isByteBuffer = (value) => value instanceof ArrayBuffer || ArrayBuffer.isView(value);

/** @param {ArrayBuffer | ArrayBufferView} value */
export const asBytes = (value) => (ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value));

/** @param {unknown} value */
const describe = (value) => (value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'an object') : typeof value);

/**
 * The files as one Map, each name and value checked.
 * @param {ModelFiles} files
 * @returns {Map<string, FileBytes>}
 */
export function namedFiles(files) {
  /** @type {Array<[unknown, unknown]>} */
  const entries = files instanceof Map ? [...files]
    : typeof (/** @type {any} */ (files).length) === 'number' ? Array.from(/** @type {ArrayLike<any>} */ (files), (f) => [f?.name, f])
    : Object.entries(files);
  /** @type {Map<string, FileBytes>} */
  const map = new Map();
  entries.forEach(([name, value], i) => {
    if (typeof name !== 'string' || name === '') throw new TypeError(`model files: entry ${i} has no file name (got ${describe(name)})`);
    if (!(value instanceof Blob || isByteBuffer(value))) {
      throw new TypeError(`model files: "${name}" must be a Blob, File, ArrayBuffer or Uint8Array, got ${describe(value)}`);
    }
    map.set(name, value);
  });
  return map;
}

/**
 * @param {Map<string, FileBytes>} files
 * @param {string} location names them in messages
 * @returns {import('./model-sources.js').ModelSource}
 */
export function filesSource(files, location) {
  /** @param {string} name */
  const file = (name) => {
    const bytes = files.get(name);
    if (bytes !== undefined) return bytes;
    const some = [...files.keys()].slice(0, 5).join(', ');
    throw new Error(`${location}: has no file ${name} (it has ${files.size ? `${some}${files.size > 5 ? ', …' : ''}` : 'none'})`);
  };
  return {
    location,
    async readText(name, signal) {
      signal?.throwIfAborted();
      const bytes = file(name);
      return bytes instanceof Blob ? bytes.text() : new TextDecoder().decode(asBytes(bytes));
    },
    async *readChunks(name, signal) {
      const bytes = file(name);
      if (bytes instanceof Blob) {
        yield* responseChunks(new Response(bytes), name, signal);
        return;
      }
      const all = asBytes(bytes);
      for (let at = 0; at < all.length; at += CHUNK_BYTES) {
        signal?.throwIfAborted();
        yield all.subarray(at, at + CHUNK_BYTES);
      }
    },
  };
}
