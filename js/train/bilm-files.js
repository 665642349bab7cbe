/**
 * bilm-tf's weight files as datasets: `weights.hdf5` in its dump layout
 * (exactly the datasets bilmWeightDatasets lists, float32, no attributes)
 * and `softmax.hdf5` (`W` [V, P], `b` [V]), checked before anything is
 * written, then written into an h5wasm File. Browser-safe: Node writes the
 * datasets to disk (js/node/train/bilm-hdf5.js); `hdf5Bytes` writes them to
 * h5wasm's in-memory file system and returns the file's bytes, in a browser
 * as in Node.
 */
import { bilmWeightDatasets } from '../format/bilm-layout.js';

/** @typedef {import('../format/bilm-layout.js').Tensor} Tensor */

/**
 * @typedef {object} Softmax
 * @property {Tensor} W [V, P]: row v is word v's output vector
 * @property {Tensor} b [V]
 */

/** @typedef {{ name: string, tensor: Tensor }} Dataset */

/** @param {readonly number[]} shape */
const show = (shape) => `[${shape.join(', ')}]`;

/**
 * @param {string} label
 * @param {string} name
 * @param {Tensor | undefined} tensor
 * @param {readonly number[]} shape
 */
function checkTensor(label, name, tensor, shape) {
  if (tensor === undefined) throw new Error(`${label}: no tensor for dataset "${name}" (shape ${show(shape)})`);
  if (!Array.isArray(tensor.shape) || tensor.shape.length !== shape.length || tensor.shape.some((x, i) => x !== shape[i])) {
    throw new Error(`${label}: tensor "${name}" has shape ${show(tensor.shape ?? [])}, expected ${show(shape)}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (!(tensor.data instanceof Float32Array) || tensor.data.length !== count) {
    throw new Error(`${label}: tensor "${name}" needs a Float32Array of ${count} values, got ${tensor.data?.constructor?.name ?? typeof tensor.data} of ${tensor.data?.length}`);
  }
  const bad = tensor.data.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new Error(`${label}: tensor "${name}" holds ${tensor.data[bad]} at index ${bad}; refusing to write a weight that is not finite`);
}

/**
 * The datasets of bilm-tf's weight dump, in its order: exactly those
 * bilmWeightDatasets lists for `options`. A missing, extra, misshapen or
 * non-finite tensor is refused.
 * @param {string} label the file, for messages
 * @param {Map<string, Tensor> | Record<string, Tensor>} tensors by dataset name
 * @param {unknown} options the model's options (training or released form)
 * @returns {Dataset[]}
 */
export function weightDatasets(label, tensors, options) {
  const byName = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  const specs = bilmWeightDatasets(options);
  const expected = new Set(specs.map((s) => s.name));
  for (const name of byName.keys()) {
    if (!expected.has(name)) throw new Error(`${label}: tensor "${name}" is not a dataset of bilm-tf's dump for these options`);
  }
  for (const { name, shape } of specs) checkTensor(label, name, byName.get(name), shape);
  return specs.map(({ name }) => ({ name, tensor: /** @type {Tensor} */ (byName.get(name)) }));
}

/**
 * Checks that a softmax's W [V, P] and b [V] agree.
 * @param {string} label
 * @param {Softmax} softmax
 */
export function checkSoftmax(label, { W, b }) {
  const [V, P] = W?.shape ?? [];
  if (W?.shape?.length !== 2 || !(V > 0) || !(P > 0)) throw new Error(`${label}: softmax W must have shape [V, P], got ${show(W?.shape ?? [])}`);
  checkTensor(label, 'W', W, [V, P]);
  checkTensor(label, 'b', b, [V]);
}

/**
 * softmax.hdf5's datasets, checked.
 * @param {string} label
 * @param {Softmax} softmax
 * @returns {Dataset[]}
 */
export function softmaxDatasets(label, softmax) {
  checkSoftmax(label, softmax);
  return [{ name: 'W', tensor: softmax.W }, { name: 'b', tensor: softmax.b }];
}

/**
 * Creates every missing group on the way to `path` ("a/b/c" → a, a/b), as
 * h5wasm's create_dataset does not.
 * @param {import('h5wasm').File} file
 * @param {string} path
 */
export function ensureParentGroups(file, path) {
  const parts = path.split('/').slice(0, -1);
  for (let i = 1; i <= parts.length; i++) {
    const group = parts.slice(0, i).join('/');
    if (file.get(group) === null) file.create_group(group);
  }
}

/**
 * Writes float32 datasets, in order, into an open h5wasm File.
 * @param {import('h5wasm').File} file
 * @param {readonly Dataset[]} datasets
 */
export function writeDatasets(file, datasets) {
  for (const { name, tensor } of datasets) {
    ensureParentGroups(file, name);
    file.create_dataset({ name, data: tensor.data, shape: tensor.shape, dtype: '<f' });
  }
}

/** h5wasm's ESM build where an installed package puts it, relative to this module (js/train/). */
const H5WASM_PATHS = ['../../node_modules/h5wasm/dist/esm/hdf5_hl.js', '../../../h5wasm/dist/esm/hdf5_hl.js'];

/** @type {Promise<any> | undefined} */
let loaded;

/**
 * h5wasm's ESM build (in-memory files), ready: by its package name (Node,
 * a bundler, a page with an import map), else at the places npm puts it
 * beside or inside this package (a page that serves node_modules).
 * @returns {Promise<any>} the module namespace
 */
function importH5wasm() {
  loaded ??= (async () => {
    /** @type {string[]} */
    const tried = [];
    // A specifier in a variable: a bundler leaves the import to run time.
    const name = 'h5wasm';
    const candidates = [name, ...H5WASM_PATHS.map((p) => new URL(p, import.meta.url).href)];
    for (const specifier of candidates) {
      try {
        const h5wasm = await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
        const module = await h5wasm.ready;
        // HDF5 errors become exceptions instead of messages on stderr.
        module.activate_throwing_error_handler?.();
        return h5wasm;
      } catch (e) {
        tried.push(`${specifier} (${/** @type {Error} */ (e)?.message ?? e})`);
      }
    }
    throw new Error(`writing HDF5 needs the h5wasm package (a dependency of elmo-wasm), which could not be imported from ${tried.join(', ')}; serve node_modules/ or map "h5wasm" in an import map`);
  })();
  loaded.catch(() => {
    loaded = undefined; // the next call tries again
  });
  return loaded;
}

let files = 0;

/**
 * The bytes of an HDF5 file holding `datasets`, written in h5wasm's
 * in-memory file system and removed from it after.
 * @param {readonly Dataset[]} datasets
 * @returns {Promise<Uint8Array>}
 */
export async function hdf5Bytes(datasets) {
  const h5wasm = await importH5wasm();
  const path = `/elmo-wasm-export-${++files}.h5`;
  try {
    const file = new h5wasm.File(path, 'w');
    try {
      writeDatasets(file, datasets);
    } finally {
      file.close();
    }
    return h5wasm.FS.readFile(path);
  } finally {
    try {
      h5wasm.FS.unlink(path);
    } catch {
      // never created
    }
  }
}
