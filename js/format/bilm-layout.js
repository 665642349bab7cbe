/**
 * bilm-tf's weight dump (bilm/training.py, dump_weights) and the weight
 * region of a model directory (models/FORMAT.md), each made from the other.
 * The converter packs a released file's datasets into the region with
 * `tensorBytes`; fine-tuning reads a loaded region back as bilm-tf's tensors
 * (`unpackRegion`), trains them and packs them again (`packRegion`).
 * Browser-safe: no file access here.
 */
import { elementCount, expectedTensors, modelDims } from './tensor-plan.js';
import { packPanels, packPanelsBfloat16, packPanelsFloat16, quantizePanelsInt8, unpackTensor } from './weight-packing.js';

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

/**
 * One tensor's bytes in the weight region, from the values of its source
 * dataset (for `rows`, only those rows; for `prepend-zero-row`, the stored
 * rows, or all of them when `alreadyPadded`). A float16 weight past ±65504,
 * or a bfloat16 one past ±3.39e38, throws a RangeError naming its position.
 * @param {import('./tensor-plan.js').TensorSpec} spec
 * @param {Float32Array} values
 * @param {boolean} [alreadyPadded] `prepend-zero-row` only: the values have the zero row already
 * @returns {Uint8Array}
 */
export function tensorBytes(spec, values, alreadyPadded = false) {
  if (spec.layout === 'panels8') {
    const [k, n] = spec.shape;
    if (spec.dtype === 'int8') return quantizePanelsInt8(values, k, n);
    if (spec.dtype === 'float16') return packPanelsFloat16(values, k, n);
    if (spec.dtype === 'bfloat16') return packPanelsBfloat16(values, k, n);
    return new Uint8Array(packPanels(values, k, n).buffer);
  }
  if (spec.transform !== 'prepend-zero-row' || alreadyPadded) {
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  }
  const rowLength = elementCount(spec.shape.slice(1));
  const padded = new Float32Array(rowLength + values.length);
  padded.set(values, rowLength);
  return new Uint8Array(padded.buffer);
}

/** @param {readonly number[]} shape */
const show = (shape) => `[${shape.join(', ')}]`;

/**
 * The tensors of a loaded model's manifest, each with what expectedTensors
 * says of it (its source dataset and transform) and the manifest's dtype and
 * offset. The core checked the manifest's tensors at load: a mismatch here
 * means the manifest was not made by this converter.
 * @param {import('./model-format.js').Manifest} manifest
 * @returns {Array<import('./tensor-plan.js').TensorSpec & { offset: number }>}
 */
function regionTensors(manifest) {
  /** @type {Map<string, any>} */
  const entries = new Map(manifest.weights.tensors.map((t) => [/** @type {any} */ (t).name, t]));
  const specs = expectedTensors(manifest.options, { projection: entries.has('proj/W') });
  return specs.map((spec) => {
    const entry = entries.get(spec.name);
    if (!entry || show(entry.shape) !== show(spec.shape)) throw new Error(`manifest.json: tensor "${spec.name}" ${entry ? `has shape ${show(entry.shape)}` : 'is missing'}, expected ${show(spec.shape)}`);
    return { ...spec, dtype: entry.dtype, offset: entry.offset };
  });
}

/**
 * A loaded model's weights as bilm-tf's tensors: GEMM weights unpacked from
 * their panels (widened or dequantized if stored so), `char_embed` without
 * its zero row, each LSTM cell's `W_0` put together from `W_x` and `W_h`.
 * @param {import('./model-format.js').Manifest} manifest
 * @param {Uint8Array} region the weight region's bytes (64-byte aligned, as loaded)
 * @returns {Map<string, Tensor>} by bilm-tf dataset name, in bilmWeightDatasets' order
 */
export function unpackRegion(manifest, region) {
  /** @type {Map<string, Tensor>} */
  const out = new Map(bilmWeightDatasets(manifest.options).map(({ name, shape }) => [name, { shape, data: new Float32Array(elementCount(shape)) }]));
  for (const spec of regionTensors(manifest)) {
    const target = out.get(spec.source);
    if (!target || show(target.shape) !== show(spec.sourceShape)) throw new Error(`internal: no bilm-tf dataset ${spec.source} ${show(spec.sourceShape)} for tensor "${spec.name}"`);
    const start = region.byteOffset + spec.offset;
    const stored = new Float32Array(region.buffer, start, (region.byteLength - spec.offset) >> 2);
    const values = unpackTensor(stored, spec);
    if (spec.transform === 'prepend-zero-row') target.data.set(values.subarray(elementCount(spec.shape.slice(1))));
    else if (spec.transform === 'rows') target.data.set(values, /** @type {[number, number]} */ (spec.rows)[0] * spec.shape[1]);
    else target.data.set(values);
  }
  return out;
}

/**
 * The weight region of a manifest made from bilm-tf's tensors, each packed
 * as its manifest entry says (dtype, layout, offset); the gaps are zeros.
 * Every tensor is checked: its name and shape, and that it is finite.
 * @param {import('./model-format.js').Manifest} manifest
 * @param {Map<string, Tensor>} tensors by bilm-tf dataset name
 * @returns {Uint8Array} weights.byteLength bytes
 */
export function packRegion(manifest, tensors) {
  const region = new Uint8Array(manifest.weights.byteLength);
  for (const spec of regionTensors(manifest)) {
    const source = tensors.get(spec.source);
    if (!source || show(source.shape) !== show(spec.sourceShape)) {
      throw new Error(`bilm-tf tensor "${spec.source}" ${source ? `has shape ${show(source.shape)}` : 'is missing'}, expected ${show(spec.sourceShape)}`);
    }
    const bad = source.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new Error(`bilm-tf tensor "${spec.source}" holds ${source.data[bad]} at index ${bad}`);
    const values = spec.transform === 'rows' ? source.data.subarray(/** @type {[number, number]} */ (spec.rows)[0] * spec.shape[1], /** @type {[number, number]} */ (spec.rows)[1] * spec.shape[1]) : source.data;
    region.set(tensorBytes(spec, values), spec.offset);
  }
  return region;
}
