/**
 * The single definition of the model directory's tensors (models/FORMAT.md,
 * "Tensors"): which tensors a model has, their shapes, where each comes from
 * in the released HDF5 file and how, and where each sits in the weight region.
 */

import { tensorByteLength } from '../../format/model-format.js';

/** Every tensor starts on a 64-byte boundary, so SIMD loads in the core are aligned. */
export const TENSOR_ALIGN = 64;

/** Columns per panel of a packed GEMM weight (`layout: "panels8"`, src/kernels/gemm.h). */
export const PANEL_WIDTH = 8;

/** The dtypes a GEMM weight may be stored in (FORMAT.md); vectors and `char_embed` stay float32. */
export const GEMM_DTYPES = /** @type {const} */ (['float32', 'float16', 'int8']);

/** @typedef {typeof GEMM_DTYPES[number]} GemmDtype */

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
 * @property {GemmDtype} [dtype] of a GEMM weight (default float32)
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
 * @param {{ projection?: boolean, dtype?: GemmDtype }} [opts] `projection: false` when the file
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

/** @param {number} n @returns {number} n columns padded to whole panels */
const panelColumns = (n) => Math.ceil(n / PANEL_WIDTH) * PANEL_WIDTH;

/** @param {number} bytes @returns {number} bytes rounded up to the tensor alignment */
const aligned = (bytes) => Math.ceil(bytes / TENSOR_ALIGN) * TENSOR_ALIGN;

/**
 * Bytes a tensor takes in the weight region (tensorByteLength in
 * ../manifest.js, the formula the loader checks manifests with).
 * @param {{ shape: number[], layout?: string, dtype?: string }} tensor
 */
export function storedByteLength({ shape, layout, dtype = 'float32' }) {
  const bytes = tensorByteLength({ shape, layout, dtype });
  if (bytes === null) throw new Error(`no stored size for a tensor of shape ${JSON.stringify(shape)}, layout ${layout}, dtype ${dtype}`);
  return bytes;
}

/** @param {number} k @param {number} n @returns {number} bytes of an int8 weight's values */
const int8ValuesBytes = (k, n) => panelColumns(n) * (k + (k % 2));

/**
 * Where q[p][j] sits among an int8 weight's values: panel j / 8, row pair
 * p / 2, then the 8 columns' two rows (src/kernels/gemm.h, elmo_i8_index).
 * @param {number} k @param {number} p @param {number} j
 */
const int8Index = (k, p, j) =>
  Math.floor(j / PANEL_WIDTH) * (k + (k % 2)) * PANEL_WIDTH + Math.floor(p / 2) * 2 * PANEL_WIDTH + (j % PANEL_WIDTH) * 2 + (p % 2);

/**
 * Packs a row-major [k, n] matrix into column panels of 8: panel q holds
 * rows 0..k-1 of columns 8q..8q+7, zero beyond n.
 * @param {Float32Array} values
 * @param {number} k
 * @param {number} n
 * @returns {Float32Array}
 */
export function packPanels(values, k, n) {
  const out = new Float32Array(k * panelColumns(n));
  for (let j0 = 0, at = 0; j0 < n; j0 += PANEL_WIDTH) {
    const cols = Math.min(PANEL_WIDTH, n - j0);
    for (let p = 0; p < k; p++, at += PANEL_WIDTH) out.set(values.subarray(p * n + j0, p * n + j0 + cols), at);
  }
  return out;
}

const float32 = new Float32Array(1);
const float32Bits = new Uint32Array(float32.buffer);

/**
 * The binary16 nearest to a float32 (ties to even), as bits; NaN stays NaN,
 * 65520 and beyond become infinity (src/kernels/gemm-f16-scalar.c does the same).
 * @param {number} x
 * @returns {number}
 */
export function float16Bits(x) {
  float32[0] = x;
  const bits = float32Bits[0];
  const sign = (bits >>> 16) & 0x8000;
  const mag = bits & 0x7fffffff;
  const exponent = mag >>> 23;
  if (mag > 0x7f800000) return sign | 0x7e00;
  if (mag >= 0x477ff000) return sign | 0x7c00;
  // The kept significand bits and the rest; a carry out of the significand
  // moves to the next exponent, which is the right result.
  const significand = exponent ? (mag & 0x7fffff) | 0x800000 : mag & 0x7fffff;
  let shift = 13;
  let h = ((exponent - 112) << 10) | ((mag & 0x7fffff) >>> 13);
  if (exponent < 113) {
    shift = 126 - exponent; // a subnormal half: units of 2^-24
    if (shift > 24) return sign;
    h = significand >>> shift;
  }
  const rest = significand & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (rest > half || (rest === half && h & 1)) h++;
  return sign | h;
}

/**
 * The number a binary16 stands for.
 * @param {number} h its bits
 */
export function float16Value(h) {
  const exponent = (h >>> 10) & 0x1f;
  const magnitude = exponent === 0 ? (h & 0x3ff) * 2 ** -24 : exponent === 31 ? (h & 0x3ff ? NaN : Infinity) : (1 + (h & 0x3ff) / 1024) * 2 ** (exponent - 15);
  return h & 0x8000 ? -magnitude : magnitude;
}

/**
 * Packs a row-major [k, n] matrix into column panels of 8 float16 values,
 * each rounded to the nearest half (ties to even). Refuses a value that is
 * not finite or that rounds past the largest half (65504).
 * @param {Float32Array} values
 * @param {number} k
 * @param {number} n
 * @returns {Uint8Array} the tensor's bytes
 */
export function packPanelsFloat16(values, k, n) {
  const packed = packPanels(values, k, n);
  const halves = new Uint16Array(packed.length);
  for (let i = 0; i < packed.length; i++) {
    halves[i] = float16Bits(packed[i]);
    if ((halves[i] & 0x7c00) === 0x7c00) {
      const panelRow = Math.floor(i / PANEL_WIDTH);
      const p = panelRow % k;
      const j = Math.floor(panelRow / k) * PANEL_WIDTH + (i % PANEL_WIDTH);
      throw new RangeError(`value ${packed[i]} at [${p}, ${j}] is ${Number.isFinite(packed[i]) ? "beyond float16's range (±65504)" : 'not finite'}`);
    }
  }
  return new Uint8Array(halves.buffer);
}

/**
 * Quantizes a row-major [k, n] matrix to int8 panels with one scale per
 * column (symmetric: scale = max |w| / 127, q = round(w / scale), halves
 * away from zero), laid out as storedByteLength says.
 * @param {Float32Array} values
 * @param {number} k
 * @param {number} n
 * @returns {Uint8Array} the tensor's bytes
 */
export function quantizePanelsInt8(values, k, n) {
  const cols = panelColumns(n);
  const bytes = new Uint8Array(storedByteLength({ shape: [k, n], layout: 'panels8', dtype: 'int8' }));
  const q = new Int8Array(bytes.buffer, 0, int8ValuesBytes(k, n));
  const scale = new Float32Array(bytes.buffer, aligned(int8ValuesBytes(k, n)), cols);
  for (let j = 0; j < n; j++) {
    let max = 0;
    for (let p = 0; p < k; p++) max = Math.max(max, Math.abs(values[p * n + j]));
    scale[j] = max / 127;
    if (max === 0) continue;
    for (let p = 0; p < k; p++) {
      const x = values[p * n + j] / scale[j];
      q[int8Index(k, p, j)] = Math.max(-127, Math.min(127, Math.sign(x) * Math.round(Math.abs(x))));
    }
  }
  return bytes;
}

/**
 * A tensor's row-major values (dequantized for int8, widened for float16) from its stored bytes,
 * given as a float view that starts at the tensor.
 * @param {Float32Array} stored
 * @param {{ shape: number[], layout?: string, dtype?: string }} tensor
 * @returns {Float32Array}
 */
export function unpackTensor(stored, { shape, layout, dtype }) {
  if (layout !== 'panels8') return stored.slice(0, elementCount(shape));
  const [k, n] = shape;
  const out = new Float32Array(k * n);
  if (dtype === 'int8') {
    const q = new Int8Array(stored.buffer, stored.byteOffset, int8ValuesBytes(k, n));
    const scale = new Float32Array(stored.buffer, stored.byteOffset + aligned(int8ValuesBytes(k, n)), panelColumns(n));
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[p * n + j] = Math.fround(scale[j] * q[int8Index(k, p, j)]);
    return out;
  }
  const elements = dtype === 'float16' ? new Uint16Array(stored.buffer, stored.byteOffset, k * panelColumns(n)) : stored;
  const value = dtype === 'float16' ? float16Value : (/** @type {number} */ x) => x;
  for (let j = 0; j < n; j++) {
    const base = Math.floor(j / PANEL_WIDTH) * k * PANEL_WIDTH + (j % PANEL_WIDTH);
    for (let p = 0; p < k; p++) out[p * n + j] = value(elements[base + p * PANEL_WIDTH]);
  }
  return out;
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
    const offset = Math.ceil(end / TENSOR_ALIGN) * TENSOR_ALIGN;
    const byteLength = storedByteLength(spec);
    end = offset + byteLength;
    return { ...spec, offset, byteLength };
  });
  return { tensors, byteLength: end };
}
