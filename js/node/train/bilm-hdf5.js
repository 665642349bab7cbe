/**
 * The trainer's weight files, in bilm-tf's layout (bilm/training.py,
 * dump_weights): `weights.hdf5` holds every trainable tensor but the softmax,
 * each a float32 dataset named after its TensorFlow variable (`char_embed`,
 * `CNN/W_cnn_0`, `RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0`, …), and nothing
 * else (no attributes, no other datasets), so that AllenNLP's `Elmo`,
 * bilm-tf and our converter read it unchanged. `softmax.hdf5` holds the
 * softmax bilm-tf leaves out of that dump: `W` [V, P] and `b` [V].
 *
 * Files are written under a temporary name beside the target and renamed
 * into place, so a failure or a kill leaves the previous file whole.
 */
import { rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { temporaryPath, writeError } from '../io/atomic-file.js';
import { modelDims } from '../convert/tensor-plan.js';
import { describeDtype, ensureParentGroups, getDataset, openHdf5 } from '../io/hdf5.js';

/**
 * @typedef {object} Tensor
 * @property {number[]} shape
 * @property {Float32Array} data row-major
 */

/**
 * The datasets of bilm-tf's weight dump for a model with these options, in
 * the order bilm-tf creates the variables. `char_embed` has 261 rows in every
 * case: training options say n_characters 261 (no padding id), released ones
 * 262 (inference prepends the padding row itself). `CNN_proj` exists only when
 * the filter total differs from projection_dim, and `W_P_0` only when
 * projection_dim is less than the LSTM dim, as in bilm-tf. The LSTM cells are
 * always named `MultiRNNCell/Cell{l}`: bilm-tf's trainer names a one-layer
 * model's cell without MultiRNNCell, but its own loader (bilm/model.py) reads
 * only `RNN_{d}/RNN/MultiRNNCell/Cell{l}`, so we write that in every case.
 * @param {unknown} options parsed options.json
 * @returns {{ name: string, shape: number[] }[]}
 */
export function bilmWeightDatasets(options) {
  const { charDim: d, filters, nFilters: F, nHighway, projectionDim: P, lstmDim: H, nLayers } = modelDims(options);
  const specs = [{ name: 'char_embed', shape: [261, d] }];
  filters.forEach(([w, n], i) => specs.push({ name: `CNN/W_cnn_${i}`, shape: [1, w, d, n] }, { name: `CNN/b_cnn_${i}`, shape: [n] }));
  for (let k = 0; k < nHighway; k++) {
    for (const part of ['carry', 'transform']) specs.push({ name: `CNN_high_${k}/W_${part}`, shape: [F, F] }, { name: `CNN_high_${k}/b_${part}`, shape: [F] });
  }
  if (F !== P) specs.push({ name: 'CNN_proj/W_proj', shape: [F, P] }, { name: 'CNN_proj/b_proj', shape: [P] });
  const recurrent = P < H ? P : H;
  for (let dir = 0; dir < 2; dir++) {
    for (let l = 0; l < nLayers; l++) {
      const cell = `RNN_${dir}/RNN/MultiRNNCell/Cell${l}/LSTMCell`;
      specs.push({ name: `${cell}/W_0`, shape: [P + recurrent, 4 * H] }, { name: `${cell}/B`, shape: [4 * H] });
      if (P < H) specs.push({ name: `${cell}/W_P_0`, shape: [H, P] });
    }
  }
  return specs;
}

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
 * Writes `datasets` (in that order) to `path` through a temporary file.
 * @param {string} path
 * @param {{ name: string, tensor: Tensor }[]} datasets
 */
async function writeAtomically(path, datasets) {
  const temporary = temporaryPath(path);
  try {
    const file = await openHdf5(temporary, 'w');
    try {
      for (const { name, tensor } of datasets) {
        ensureParentGroups(file, name);
        file.create_dataset({ name, data: tensor.data, shape: tensor.shape, dtype: '<f' });
      }
    } finally {
      file.close();
    }
    await rename(temporary, path);
  } catch (e) {
    // The write's error is the one to report, not a failure to clean up after it.
    await rm(temporary, { force: true }).catch(() => {});
    throw writeError(path, e);
  }
}

/**
 * Writes bilm-tf's weight dump: exactly the datasets `bilmWeightDatasets`
 * lists for `options`, each float32. A missing, extra, misshapen or
 * non-finite tensor is refused before anything is written.
 * @param {string} path e.g. out/weights.hdf5
 * @param {Map<string, Tensor> | Record<string, Tensor>} tensors by dataset name
 * @param {unknown} options the model's options (training or released form)
 */
export async function writeBilmWeights(path, tensors, options) {
  const label = basename(path);
  const byName = tensors instanceof Map ? tensors : new Map(Object.entries(tensors));
  const specs = bilmWeightDatasets(options);
  const expected = new Set(specs.map((s) => s.name));
  for (const name of byName.keys()) {
    if (!expected.has(name)) throw new Error(`${label}: tensor "${name}" is not a dataset of bilm-tf's dump for these options`);
  }
  for (const { name, shape } of specs) checkTensor(label, name, byName.get(name), shape);
  await writeAtomically(path, specs.map(({ name }) => ({ name, tensor: /** @type {Tensor} */ (byName.get(name)) })));
}

/**
 * @param {import('../io/hdf5.js').Hdf5File} file
 * @param {string} label
 * @param {string} name
 * @returns {Tensor}
 */
function readTensor(file, label, name) {
  const dataset = getDataset(file, name);
  if (dataset === null) throw new Error(`${label}: missing dataset "${name}"`);
  const m = dataset.metadata;
  if (m.type !== 1 || m.size !== 4) throw new Error(`${label}: dataset "${name}" has dtype ${describeDtype(dataset)}, expected float32`);
  const data = dataset.value;
  if (!(data instanceof Float32Array)) throw new Error(`${label}: dataset "${name}" did not read as float32 values`);
  return { shape: [...(dataset.shape ?? [])], data };
}

/**
 * Reads every dataset of a weight file (bilm-tf's dump, or any HDF5 file of
 * float32 datasets).
 * @param {string} path
 * @returns {Promise<Map<string, Tensor>>} by dataset name, in the file's (alphabetical) order
 */
export async function readBilmWeights(path) {
  const label = basename(path);
  const file = await openHdf5(path, 'r');
  try {
    const tensors = new Map();
    for (const name of file.paths()) {
      if (getDataset(file, name) !== null) tensors.set(name, readTensor(file, label, name));
    }
    return tensors;
  } finally {
    file.close();
  }
}

/**
 * @typedef {object} Softmax
 * @property {Tensor} W [V, P]: row v is word v's output vector
 * @property {Tensor} b [V]
 */

/**
 * @param {string} label
 * @param {Softmax} softmax
 */
function checkSoftmax(label, { W, b }) {
  const [V, P] = W?.shape ?? [];
  if (W?.shape?.length !== 2 || !(V > 0) || !(P > 0)) throw new Error(`${label}: softmax W must have shape [V, P], got ${show(W?.shape ?? [])}`);
  checkTensor(label, 'W', W, [V, P]);
  checkTensor(label, 'b', b, [V]);
}

/**
 * Writes `softmax.hdf5`: datasets `W` [V, P] and `b` [V], float32.
 * @param {string} path
 * @param {Softmax} softmax
 */
export async function writeSoftmax(path, softmax) {
  checkSoftmax(basename(path), softmax);
  await writeAtomically(path, [{ name: 'W', tensor: softmax.W }, { name: 'b', tensor: softmax.b }]);
}

/**
 * Reads `softmax.hdf5` and checks that W and b agree.
 * @param {string} path
 * @returns {Promise<Softmax>}
 */
export async function readSoftmax(path) {
  const label = basename(path);
  const file = await openHdf5(path, 'r');
  try {
    const softmax = { W: readTensor(file, label, 'W'), b: readTensor(file, label, 'b') };
    checkSoftmax(label, softmax);
    return softmax;
  } finally {
    file.close();
  }
}
