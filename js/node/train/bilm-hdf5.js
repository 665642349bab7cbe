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
import { checkSoftmax, softmaxDatasets, weightDatasets, writeDatasets } from '../../train/bilm-files.js';
import { describeDtype, getDataset, openHdf5 } from '../io/hdf5.js';

export { bilmWeightDatasets } from '../../format/bilm-layout.js';

/** @typedef {import('../../train/bilm-files.js').Tensor} Tensor */
/** @typedef {import('../../train/bilm-files.js').Softmax} Softmax */

/**
 * Writes `datasets` (in that order) to `path` through a temporary file.
 * @param {string} path
 * @param {import('../../train/bilm-files.js').Dataset[]} datasets
 */
async function writeAtomically(path, datasets) {
  const temporary = temporaryPath(path);
  try {
    const file = await openHdf5(temporary, 'w');
    try {
      writeDatasets(file, datasets);
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
  await writeAtomically(path, weightDatasets(basename(path), tensors, options));
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
 * Writes `softmax.hdf5`: datasets `W` [V, P] and `b` [V], float32.
 * @param {string} path
 * @param {Softmax} softmax
 */
export async function writeSoftmax(path, softmax) {
  await writeAtomically(path, softmaxDatasets(basename(path), softmax));
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
