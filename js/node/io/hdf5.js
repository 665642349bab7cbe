/**
 * The one place that loads h5wasm. HDF5 files are only read by the converter
 * and written by the embeddings writer, both in Node, so the browser bundle
 * never pulls in the HDF5 library.
 */
import { open, stat } from 'node:fs/promises';
import h5wasm from 'h5wasm/node';

export { ensureParentGroups } from '../../train/bilm-files.js';

/** @typedef {import('h5wasm').File} Hdf5File */
/** @typedef {import('h5wasm').Dataset} Hdf5Dataset */

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** @type {Promise<void> | undefined} */
let readyOnce;

/**
 * By default the HDF5 C library prints its error stack to stderr and h5wasm
 * carries on with an invalid id; the throwing handler turns every HDF5 error
 * into an exception instead, so the library never prints.
 */
function ready() {
  readyOnce ??= h5wasm.ready.then((module) => {
    module.activate_throwing_error_handler();
  });
  return readyOnce;
}

/**
 * HDF5 puts the superblock at 0, or after a user block of 512, 1024, 2048 …
 * bytes; checking ourselves avoids h5wasm's behaviour on arbitrary bytes.
 * @param {string} path
 * @param {number} size
 */
async function hasHdf5Signature(path, size) {
  const handle = await open(path, 'r');
  try {
    const probe = Buffer.alloc(SIGNATURE.length);
    for (let at = 0; at + SIGNATURE.length <= size; at = at === 0 ? 512 : at * 2) {
      const { bytesRead } = await handle.read(probe, 0, probe.length, at);
      if (bytesRead === probe.length && probe.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/**
 * The thrown text is HDF5's whole error stack; its innermost frame is the one
 * that says what went wrong (e.g. "unable to open file: … No such file", or
 * "file write failed: No space left on device").
 * @param {unknown} error
 * @returns {string}
 */
export function hdf5ErrorSummary(error) {
  const text = error instanceof Error ? error.message : String(error);
  const frames = [...text.matchAll(/ in [\w.]+\(\): (.*)$/gm)];
  if (frames.length === 0) return text.split('\n')[0];
  // A failed system call's frame goes on with the system's message (", errno = 28, error message = 'No space left on device'").
  const system = /error message = '([^']*)'/.exec(text.slice(/** @type {number} */ (frames[frames.length - 1].index)));
  const innermost = frames[frames.length - 1][1].replace(/: time = .*$/, '').trim();
  return system ? `${innermost}: ${system[1]}` : innermost;
}

/**
 * Runs `write` (synchronous h5wasm calls) with the clock at 0 (1970-01-01):
 * HDF5 stamps every object header it writes with the time, so without this
 * the same datasets make different bytes each second. Nothing else can read
 * the clock meanwhile: the calls do not yield.
 * @template T
 * @param {() => T} write
 * @returns {T}
 */
export function atFixedTime(write) {
  const now = Date.now;
  Date.now = () => 0;
  try {
    return write();
  } finally {
    Date.now = now;
  }
}

/**
 * Opens an HDF5 file. `'r'` checks first that the file exists and is HDF5;
 * `'w'` creates or truncates it.
 * @param {string} path
 * @param {'r' | 'w'} mode
 * @param {{ fixedTime?: boolean }} [options] fixedTime: create the file `atFixedTime`
 * @returns {Promise<Hdf5File>} close it with `.close()`
 */
export async function openHdf5(path, mode, { fixedTime = false } = {}) {
  if (mode !== 'r' && mode !== 'w') throw new TypeError(`openHdf5: mode must be 'r' or 'w', got ${JSON.stringify(mode)}`);
  if (mode === 'r') {
    let info;
    try {
      info = await stat(path);
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT') throw new Error(`${path}: no such file`);
      throw e;
    }
    if (!info.isFile()) throw new Error(`${path} is not a file`);
    if (!(await hasHdf5Signature(path, info.size))) throw new Error(`${path} is not an HDF5 file`);
  }
  await ready();
  try {
    return fixedTime ? atFixedTime(() => new h5wasm.File(path, mode)) : new h5wasm.File(path, mode);
  } catch (e) {
    const verb = mode === 'r' ? 'open' : 'create';
    throw new Error(`cannot ${verb} HDF5 file ${path}: ${hdf5ErrorSummary(e)}`, { cause: e });
  }
}

/**
 * The dataset at `name`, or null when there is none (including when a path
 * component is a dataset, which h5wasm reports by throwing).
 * @param {Hdf5File} file
 * @param {string} name
 * @returns {Hdf5Dataset | null}
 */
export function getDataset(file, name) {
  let entity;
  try {
    entity = file.get(name);
  } catch {
    return null;
  }
  return entity instanceof h5wasm.Dataset ? entity : null;
}

/**
 * A dataset's element type in numpy words ("float32", "float64", "int64" …).
 * @param {Hdf5Dataset} dataset
 * @returns {string}
 */
export function describeDtype(dataset) {
  const m = dataset.metadata;
  // H5T_class_t: 0 integer, 1 float, 3 string.
  if (m.type === 1) return `float${m.size * 8}`;
  if (m.type === 0) return `${m.signed ? 'int' : 'uint'}${m.size * 8}`;
  if (m.type === 3) return 'string';
  return `HDF5 type class ${m.type} (${JSON.stringify(dataset.dtype)})`;
}
