/**
 * Which tensors a model has (models/FORMAT.md, "Tensors"): their shapes,
 * where each comes from in the released HDF5 file and how, and where each
 * sits in the weight region. How their bytes are packed is weight-packing.js.
 */
import { alignedBytes, tensorByteLength } from './model-format.js';

/**
 * How a tensor's bytes are made from its source dataset.
 * - `copy`: as stored.
 * - `reshape`: as stored; only the shape changes (`CNN/W_cnn_i` (1, w, d, n) → [w*d, n]).
 * - `prepend-zero-row`: a zero row, then the stored rows (`char_embed` has C−1 rows).
 * - `rows`: rows `[rows[0], rows[1])` of the stored matrix (`W_0` → `W_x`, `W_h`).
 * @typedef {'copy' | 'reshape' | 'prepend-zero-row' | 'rows'} Transform
 */

/**
 * @typedef {object} TensorSpec
 * @property {string} name tensor name in manifest.json
 * @property {number[]} shape
 * @property {string} source dataset path in the HDF5 weight file
 * @property {number[]} sourceShape the shape the dataset must have (for `prepend-zero-row`,
 *   a dataset that already has the zero row, i.e. the tensor's shape, is taken as it is)
 * @property {Transform} transform
 * @property {[number, number]} [rows] for `rows`: the row range taken
 * @property {string} why the options that make this tensor exist with this shape, for error messages
 * @property {'panels8'} [layout] a GEMM weight, stored packed in column panels (FORMAT.md)
 * @property {import('./model-format.js').GemmDtype} [dtype] of a GEMM weight (default float32)
 */

/**
 * @typedef {object} ModelDims the numbers from options.json that fix the layout
 * @property {number} nCharacters C
 * @property {number} charDim d
 * @property {Array<[number, number]>} filters [width, count] per filter
 * @property {number} nFilters F, the sum of the counts
 * @property {number} nHighway
 * @property {number} projectionDim P
 * @property {number} lstmDim H
 * @property {number} nLayers
 */

/**
 * @param {any} options
 * @param {string} path e.g. "lstm.dim"
 */
function lookup(options, path) {
  return path.split('.').reduce((v, key) => (v !== null && typeof v === 'object' ? v[key] : undefined), options);
}

/**
 * @param {any} options
 * @param {string} path
 * @param {number} min
 */
function integerField(options, path, min) {
  const value = lookup(options, path);
  if (!Number.isSafeInteger(value) || value < min) {
    const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
    throw new Error(`options.${path} must be ${what}, got ${value === undefined ? 'nothing (missing)' : JSON.stringify(value)}`);
  }
  return /** @type {number} */ (value);
}

/**
 * Reads and checks only the options fields the layout depends on; the C core
 * checks the rest (activation, clips, …) when it loads the model.
 * @param {unknown} options parsed options.json
 * @returns {ModelDims}
 */
export function modelDims(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error('options must be a JSON object');
  }
  const filters = lookup(options, 'char_cnn.filters');
  if (!Array.isArray(filters) || filters.length === 0) {
    throw new Error(`options.char_cnn.filters must be a non-empty list of [width, count] pairs, got ${filters === undefined ? 'nothing (missing)' : JSON.stringify(filters)}`);
  }
  const pairs = filters.map((f, i) => {
    if (!Array.isArray(f) || f.length !== 2 || !f.every((x) => Number.isSafeInteger(x) && x > 0)) {
      throw new Error(`options.char_cnn.filters[${i}] must be [width, count] with positive integers, got ${JSON.stringify(f)}`);
    }
    return /** @type {[number, number]} */ ([f[0], f[1]]);
  });
  return {
    nCharacters: integerField(options, 'char_cnn.n_characters', 1),
    charDim: integerField(options, 'char_cnn.embedding.dim', 1),
    filters: pairs,
    nFilters: pairs.reduce((sum, [, n]) => sum + n, 0),
    nHighway: integerField(options, 'char_cnn.n_highway', 0),
    projectionDim: integerField(options, 'lstm.projection_dim', 1),
    lstmDim: integerField(options, 'lstm.dim', 1),
    nLayers: integerField(options, 'lstm.n_layers', 1),
  };
}

/**
 * The tensors of a model with these options, in weight-region order.
 * @param {unknown} options parsed options.json
 * @param {{ projection?: boolean, dtype?: import('./model-format.js').GemmDtype }} [opts] `projection: false` when the file
 *   has no `CNN_proj` and F = P (the projection is the identity); `dtype`: of the GEMM weights
 * @returns {TensorSpec[]}
 */
export function expectedTensors(options, { projection = true, dtype = 'float32' } = {}) {
  const m = modelDims(options);
  const { nCharacters: C, charDim: d, nFilters: F, projectionDim: P, lstmDim: H } = m;
  if (!projection && F !== P) {
    throw new Error(`a model without CNN_proj needs the filter total F=${F} to equal options.lstm.projection_dim=${P}`);
  }
  /** @type {TensorSpec[]} */
  const specs = [];
  specs.push({
    name: 'char_embed', shape: [C, d], source: 'char_embed', sourceShape: [C - 1, d],
    transform: 'prepend-zero-row', why: `options.char_cnn.n_characters=${C}, embedding.dim=${d}`,
  });
  m.filters.forEach(([w, n], i) => {
    const why = `options.char_cnn.filters[${i}]=[${w},${n}], embedding.dim=${d}`;
    specs.push({ name: `cnn/W_${i}`, shape: [w * d, n], source: `CNN/W_cnn_${i}`, sourceShape: [1, w, d, n], transform: 'reshape', why });
    specs.push({ name: `cnn/b_${i}`, shape: [n], source: `CNN/b_cnn_${i}`, sourceShape: [n], transform: 'copy', why });
  });
  for (let k = 0; k < m.nHighway; k++) {
    const why = `options.char_cnn.n_highway=${m.nHighway}, filter total F=${F}`;
    for (const part of ['carry', 'transform']) {
      specs.push({ name: `highway/${k}/W_${part}`, shape: [F, F], source: `CNN_high_${k}/W_${part}`, sourceShape: [F, F], transform: 'copy', why });
      specs.push({ name: `highway/${k}/b_${part}`, shape: [F], source: `CNN_high_${k}/b_${part}`, sourceShape: [F], transform: 'copy', why });
    }
  }
  if (projection) {
    const why = `filter total F=${F}, options.lstm.projection_dim=${P}`;
    specs.push({ name: 'proj/W', shape: [F, P], source: 'CNN_proj/W_proj', sourceShape: [F, P], transform: 'copy', why });
    specs.push({ name: 'proj/b', shape: [P], source: 'CNN_proj/b_proj', sourceShape: [P], transform: 'copy', why });
  }
  for (let dir = 0; dir < 2; dir++) {
    for (let l = 0; l < m.nLayers; l++) {
      const cell = `RNN_${dir}/RNN/MultiRNNCell/Cell${l}/LSTMCell`;
      const why = `options.lstm.dim=${H}, projection_dim=${P}, n_layers=${m.nLayers}`;
      const prefix = `lstm/${dir}/${l}`;
      specs.push({ name: `${prefix}/W_x`, shape: [P, 4 * H], source: `${cell}/W_0`, sourceShape: [2 * P, 4 * H], transform: 'rows', rows: [0, P], why });
      specs.push({ name: `${prefix}/W_h`, shape: [P, 4 * H], source: `${cell}/W_0`, sourceShape: [2 * P, 4 * H], transform: 'rows', rows: [P, 2 * P], why });
      specs.push({ name: `${prefix}/b`, shape: [4 * H], source: `${cell}/B`, sourceShape: [4 * H], transform: 'copy', why });
      specs.push({ name: `${prefix}/W_proj`, shape: [H, P], source: `${cell}/W_P_0`, sourceShape: [H, P], transform: 'copy', why });
    }
  }
  // Every matrix but the char embedding (a lookup table) is a GEMM weight.
  return specs.map((spec) => (spec.shape.length === 2 && spec.name !== 'char_embed' ? { ...spec, layout: 'panels8', dtype } : spec));
}

/**
 * @param {number[]} shape
 * @returns {number}
 */
export const elementCount = (shape) => shape.reduce((a, b) => a * b, 1);

/**
 * Bytes a tensor takes in the weight region (tensorByteLength, the model
 * format's one formula), for a tensor the converter made.
 * @param {{ shape: number[], layout?: string, dtype?: string }} tensor
 */
export function storedByteLength({ shape, layout, dtype = 'float32' }) {
  const bytes = tensorByteLength({ shape, layout, dtype });
  if (bytes === null) throw new Error(`no stored size for a tensor of shape ${JSON.stringify(shape)}, layout ${layout}, dtype ${dtype}`);
  return bytes;
}

/**
 * @typedef {TensorSpec & { offset: number, byteLength: number }} PlacedTensor
 */

/**
 * Places the tensors one after another, each at the next 64-byte boundary.
 * The region ends where the last tensor ends.
 * @param {TensorSpec[]} specs
 * @returns {{ tensors: PlacedTensor[], byteLength: number }}
 */
export function placeTensors(specs) {
  let end = 0;
  const tensors = specs.map((spec) => {
    const offset = alignedBytes(end);
    const byteLength = storedByteLength(spec);
    end = offset + byteLength;
    return { ...spec, offset, byteLength };
  });
  return { tensors, byteLength: end };
}
