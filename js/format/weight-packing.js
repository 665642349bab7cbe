/**
 * A GEMM weight's bytes as the core reads them (models/FORMAT.md, "Packed
 * GEMM weights"): column panels of float32, float16, bfloat16 or int8 (rows in pairs,
 * a scale per column), and back to row-major values for tests and the
 * benchmark's ONNX graph.
 */
import { int8Layout, PANEL_WIDTH, panelColumns } from './model-format.js';
import { elementCount } from './tensor-plan.js';

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
 * 65520 and beyond become infinity (as the core's float16 packer does).
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
 * The bfloat16 nearest to a float32 (ties to even), as bits: the float's top
 * 16 bits, rounded. NaN stays NaN (quiet); past the largest bfloat16
 * (about ±3.39e38) by half a step or more gives infinity (as the core's
 * bfloat16 packer does).
 * @param {number} x
 * @returns {number}
 */
export function bfloat16Bits(x) {
  float32[0] = x;
  const bits = float32Bits[0];
  // Truncation could turn a NaN whose payload is in the low bits into infinity.
  if ((bits & 0x7fffffff) > 0x7f800000) return (bits >>> 16) | 0x40;
  // Just under half a step, plus one when the kept part is odd: ties to even.
  // A carry into the exponent is the right result; the sum stays below 2^32.
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}

/**
 * The number a bfloat16 stands for: its bits are a float32's top 16.
 * @param {number} h its bits
 */
export function bfloat16Value(h) {
  float32Bits[0] = h << 16;
  return float32[0];
}

/**
 * Packs a row-major [k, n] matrix into column panels of 8 16-bit floats,
 * each `bits(x)`. Refuses a value whose bits have the format's all-ones
 * exponent: one that is not finite, or that rounds past the format's range.
 * @param {Float32Array} values
 * @param {number} k
 * @param {number} n
 * @param {(x: number) => number} bits
 * @param {number} exponentMask
 * @param {string} range the format's range, for the message
 * @returns {Uint8Array} the tensor's bytes
 */
function packPanels16(values, k, n, bits, exponentMask, range) {
  const packed = packPanels(values, k, n);
  const out = new Uint16Array(packed.length);
  for (let i = 0; i < packed.length; i++) {
    out[i] = bits(packed[i]);
    if ((out[i] & exponentMask) === exponentMask) {
      const panelRow = Math.floor(i / PANEL_WIDTH);
      const p = panelRow % k;
      const j = Math.floor(panelRow / k) * PANEL_WIDTH + (i % PANEL_WIDTH);
      throw new RangeError(`value ${packed[i]} at [${p}, ${j}] is ${Number.isFinite(packed[i]) ? `beyond ${range}` : 'not finite'}`);
    }
  }
  return new Uint8Array(out.buffer);
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
  return packPanels16(values, k, n, float16Bits, 0x7c00, "float16's range (±65504)");
}

/**
 * Packs a row-major [k, n] matrix into column panels of 8 bfloat16 values,
 * each rounded to the nearest (ties to even). Refuses a value that is not
 * finite or that rounds past the largest bfloat16 (about ±3.39e38).
 * @param {Float32Array} values
 * @param {number} k
 * @param {number} n
 * @returns {Uint8Array} the tensor's bytes
 */
export function packPanelsBfloat16(values, k, n) {
  return packPanels16(values, k, n, bfloat16Bits, 0x7f80, "bfloat16's range (±3.39e38)");
}

/**
 * Quantizes a row-major [k, n] matrix to int8 panels with one scale per
 * column (symmetric: scale = max |w| / 127, q = round(w / scale), halves
 * away from zero), laid out as int8Layout says.
 * @param {Float32Array} values
 * @param {number} k
 * @param {number} n
 * @returns {Uint8Array} the tensor's bytes
 */
export function quantizePanelsInt8(values, k, n) {
  const layout = int8Layout(k, n);
  const bytes = new Uint8Array(layout.byteLength);
  const q = new Int8Array(bytes.buffer, 0, layout.valuesBytes);
  const scale = new Float32Array(bytes.buffer, layout.scalesOffset, layout.scales);
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
 * A tensor's row-major values (dequantized for int8, widened for float16 and bfloat16) from its stored bytes,
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
    const layout = int8Layout(k, n);
    const q = new Int8Array(stored.buffer, stored.byteOffset, layout.valuesBytes);
    const scale = new Float32Array(stored.buffer, stored.byteOffset + layout.scalesOffset, layout.scales);
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[p * n + j] = Math.fround(scale[j] * q[int8Index(k, p, j)]);
    return out;
  }
  const sixteen = dtype === 'float16' || dtype === 'bfloat16';
  const elements = sixteen ? new Uint16Array(stored.buffer, stored.byteOffset, k * panelColumns(n)) : stored;
  const value = dtype === 'float16' ? float16Value : dtype === 'bfloat16' ? bfloat16Value : (/** @type {number} */ x) => x;
  for (let j = 0; j < n; j++) {
    const base = Math.floor(j / PANEL_WIDTH) * k * PANEL_WIDTH + (j % PANEL_WIDTH);
    for (let p = 0; p < k; p++) out[p * n + j] = value(elements[base + p * PANEL_WIDTH]);
  }
  return out;
}

