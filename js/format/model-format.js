/**
 * The model format (models/FORMAT.md) as JavaScript knows it: the manifest's
 * shard list and sizes, checked before anything is allocated, and the bytes
 * a tensor takes in the weight region. The loader reads models with it and
 * the converter writes them with it. Tensors themselves (names, shapes,
 * offsets) are checked by the C core, elmo_model_check(): one authority.
 */

/**
 * @typedef {object} ShardEntry
 * @property {string} path file name, relative to the model directory
 * @property {number} byteLength
 * @property {string} sha256 lowercase hex
 */

/**
 * The softmax a model may carry for fine-tuning: W [V, P] then b [V],
 * float32, in a region of its own cut into shards as the weights are.
 * @typedef {object} SoftmaxSection
 * @property {number} byteLength
 * @property {number} shardBytes
 * @property {Array<{ name: 'W' | 'b', shape: number[], dtype: 'float32', offset: number }>} tensors
 * @property {ShardEntry[]} shards
 */

/**
 * The softmax's vocabulary (bilm-tf's vocab.txt): one file.
 * @typedef {ShardEntry & { words: number }} VocabEntry
 */

/**
 * @typedef {object} Manifest
 * @property {'elmo-wasm-model'} format
 * @property {1} version
 * @property {string} [name]
 * @property {Record<string, any>} options the model's options.json
 * @property {{ byteLength: number, shardBytes: number, tensors: object[] }} weights
 * @property {ShardEntry[]} shards
 * @property {SoftmaxSection} [softmax] with `vocab`: what fine-tuning needs besides the weights
 * @property {VocabEntry} [vocab]
 */

/** Every tensor starts on a 64-byte boundary, so SIMD loads in the core are aligned. */
export const TENSOR_ALIGN = 64;

/** Columns per panel of a packed GEMM weight (`layout: "panels8"`, src/kernels/gemm.h). */
export const PANEL_WIDTH = 8;

/** The dtypes a GEMM weight may be stored in; vectors and `char_embed` stay float32. */
export const GEMM_DTYPES = /** @type {const} */ (['float32', 'float16', 'bfloat16', 'int8']);

/** @typedef {typeof GEMM_DTYPES[number]} GemmDtype */

/** @param {number} n @returns {number} n columns padded to whole panels */
export const panelColumns = (n) => Math.ceil(n / PANEL_WIDTH) * PANEL_WIDTH;

/** @param {number} bytes @returns {number} bytes rounded up to the tensor alignment */
export const alignedBytes = (bytes) => Math.ceil(bytes / TENSOR_ALIGN) * TENSOR_ALIGN;

/**
 * Where the parts of an int8 [k, n] weight sit: its values in panels with
 * the rows in pairs (an odd k gets a zero row), then, from the next 64-byte
 * boundary, one float32 scale per padded column.
 * @param {number} k
 * @param {number} n
 * @returns {{ valuesBytes: number, scalesOffset: number, scales: number, byteLength: number }}
 */
export function int8Layout(k, n) {
  const scales = panelColumns(n);
  const valuesBytes = scales * (k + (k % 2));
  const scalesOffset = alignedBytes(valuesBytes);
  return { valuesBytes, scalesOffset, scales, byteLength: scalesOffset + 4 * scales };
}

/**
 * Bytes a tensor takes in the weight region: a vector or unpacked tensor is
 * float32; a packed ("panels8") [k, n] matrix has its columns padded to whole
 * panels, 4 bytes an element (2 for float16 and bfloat16), or is int8Layout's for int8.
 * Null for an entry it cannot size.
 * @param {{ shape?: unknown, layout?: unknown, dtype?: unknown }} tensor a manifest entry
 * @returns {number | null}
 */
export function tensorByteLength(tensor) {
  const { dtype, shape, layout } = tensor ?? {};
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return null;
  if (layout === undefined) return dtype === 'float32' ? 4 * shape.reduce((a, b) => a * b, 1) : null;
  if (layout !== 'panels8' || shape.length !== 2) return null;
  const [k, n] = shape;
  if (dtype === 'int8') return int8Layout(k, n).byteLength;
  if (dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16') return (dtype === 'float32' ? 4 : 2) * k * panelColumns(n);
  return null;
}

/** Shard file names: plain names, so nothing outside the model directory or origin is read. */
const SHARD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** @param {unknown} name @returns {boolean} whether it is a plain file name a model may have */
export const isPlainFileName = (name) => typeof name === 'string' && SHARD_NAME.test(name);

/**
 * @param {unknown} value
 * @param {string} field
 * @returns {number}
 */
function byteCount(value, field) {
  if (!Number.isSafeInteger(value) || /** @type {number} */ (value) < 0) {
    throw new Error(`manifest.json: ${field} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return /** @type {number} */ (value);
}

/**
 * Parses a manifest's text and checks what the loader needs before it
 * allocates: the region's size and the shard list, and, for a model that
 * carries them, the softmax's region and the vocabulary file.
 * @param {string} text
 * @returns {Manifest}
 */
export function parseManifest(text) {
  /** @type {any} */
  let m;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new Error(`manifest.json is not valid JSON: ${/** @type {Error} */ (e).message}`);
  }
  if (m === null || typeof m !== 'object' || m.format !== 'elmo-wasm-model') {
    throw new Error('manifest.json: not an elmo-wasm model manifest (format must be "elmo-wasm-model")');
  }
  if (m.version !== 1) throw new Error(`manifest.json: unsupported version ${JSON.stringify(m.version)}`);
  if (typeof m.options !== 'object' || m.options === null) throw new Error('manifest.json: options missing');
  if (typeof m.weights !== 'object' || m.weights === null) throw new Error('manifest.json: weights missing');
  const total = byteCount(m.weights.byteLength, 'weights.byteLength');
  // A wasm32 memory ends at 4 GiB (and C's size_t there is 32 bits): refuse before anything is allocated.
  if (total >= 2 ** 32) {
    throw new Error(`manifest.json: weights.byteLength ${total} is more than wasm memory can hold (4 GiB)`);
  }
  checkShards(m.shards, byteCount(m.weights.shardBytes, 'weights.shardBytes'), total, 'shards', 'weights.byteLength');
  if ((m.softmax === undefined) !== (m.vocab === undefined)) {
    throw new Error(`manifest.json: ${m.softmax === undefined ? 'vocab' : 'softmax'} without ${m.softmax === undefined ? 'softmax' : 'vocab'}; a model for fine-tuning carries both`);
  }
  if (m.softmax !== undefined) checkSoftmax(m);
  return m;
}

/**
 * W [V, P] and b [V] of a softmax region, as views of its bytes.
 * @param {SoftmaxSection} section
 * @param {Uint8Array} bytes the region, as read
 * @returns {{ W: { shape: number[], data: Float32Array }, b: { shape: number[], data: Float32Array } }}
 */
export function softmaxTensors(section, bytes) {
  const floats = (/** @type {{ shape: number[], offset: number }} */ t) => new Float32Array(bytes.buffer, bytes.byteOffset + t.offset, t.shape.reduce((x, y) => x * y, 1));
  const [W, b] = /** @type {Array<{ shape: number[], offset: number }>} */ (section.tensors);
  return { W: { shape: W.shape, data: floats(W) }, b: { shape: b.shape, data: floats(b) } };
}

/**
 * Where W [V, P] and b [V] sit in the softmax region: W row-major from 0,
 * b from the next 64-byte boundary.
 * @param {number} V vocabulary size
 * @param {number} P projection_dim
 * @returns {{ tensors: SoftmaxSection['tensors'], byteLength: number }}
 */
export function softmaxLayout(V, P) {
  const b = alignedBytes(4 * V * P);
  return {
    tensors: [
      { name: 'W', shape: [V, P], dtype: 'float32', offset: 0 },
      { name: 'b', shape: [V], dtype: 'float32', offset: b },
    ],
    byteLength: b + 4 * V,
  };
}

/**
 * @param {any} entry
 * @param {string} where e.g. "shards[3]"
 */
function checkFileEntry(entry, where) {
  if (typeof entry?.path !== 'string' || !SHARD_NAME.test(entry.path)) {
    throw new Error(`manifest.json: ${where}.path must be a plain file name, got ${JSON.stringify(entry?.path)}`);
  }
  const size = byteCount(entry.byteLength, `${where}.byteLength`);
  if (typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
    throw new Error(`manifest.json: ${where}.sha256 must be 64 lowercase hex digits`);
  }
  return size;
}

/**
 * A region's shard list: every shard shardBytes long but the last (1 to
 * shardBytes), together `total` bytes.
 * @param {unknown} shards
 * @param {number} shardBytes
 * @param {number} total
 * @param {string} field e.g. "shards"
 * @param {string} totalField e.g. "weights.byteLength"
 */
function checkShards(shards, shardBytes, total, field, totalField) {
  if (!Array.isArray(shards) || shards.length === 0) throw new Error(`manifest.json: ${field} must be a non-empty list`);
  let sum = 0;
  shards.forEach((/** @type {any} */ s, /** @type {number} */ i) => {
    const where = `${field}[${i}]`;
    const size = checkFileEntry(s, where);
    const last = i === shards.length - 1;
    if (last ? size === 0 || size > shardBytes : size !== shardBytes) {
      throw new Error(`manifest.json: ${where} (${s.path}) has byteLength ${size}, expected ${last ? `1..${shardBytes}` : shardBytes}`);
    }
    sum += size;
  });
  if (sum !== total) {
    throw new Error(`manifest.json: ${field} hold ${sum} bytes but ${totalField} is ${total}`);
  }
}

/**
 * The softmax section against softmaxLayout for the options' projection_dim
 * and the vocabulary's size, and the vocab entry.
 * @param {any} m the manifest
 */
function checkSoftmax(m) {
  const { softmax, vocab } = m;
  if (softmax === null || typeof softmax !== 'object') throw new Error('manifest.json: softmax must be an object');
  if (vocab === null || typeof vocab !== 'object') throw new Error('manifest.json: vocab must be an object');
  checkFileEntry(vocab, 'vocab');
  const V = vocab.words;
  if (!Number.isSafeInteger(V) || V < 3) throw new Error(`manifest.json: vocab.words must be an integer of at least 3 (<S>, </S>, <UNK>), got ${JSON.stringify(V)}`);
  const P = m.options.lstm?.projection_dim;
  if (!Number.isSafeInteger(P) || P < 1) throw new Error(`manifest.json: options.lstm.projection_dim must be a positive integer, got ${JSON.stringify(P)}`);
  const layout = softmaxLayout(V, P);
  const expected = JSON.stringify(layout.tensors);
  const given = JSON.stringify(Array.isArray(softmax.tensors) ? softmax.tensors.map((/** @type {any} */ t) => ({ name: t?.name, shape: t?.shape, dtype: t?.dtype, offset: t?.offset })) : softmax.tensors);
  if (given !== expected) throw new Error(`manifest.json: softmax.tensors must be ${expected} for a vocabulary of ${V} words and projection_dim ${P}, got ${given}`);
  const total = byteCount(softmax.byteLength, 'softmax.byteLength');
  if (total !== layout.byteLength) throw new Error(`manifest.json: softmax.byteLength is ${total}, but W [${V}, ${P}] and b [${V}] take ${layout.byteLength}`);
  if (total >= 2 ** 32) throw new Error(`manifest.json: softmax.byteLength ${total} is more than wasm memory can hold (4 GiB)`);
  checkShards(softmax.shards, byteCount(softmax.shardBytes, 'softmax.shardBytes'), total, 'softmax.shards', 'softmax.byteLength');
  const names = [...m.shards, ...softmax.shards, vocab].map((f) => f.path);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new Error(`manifest.json: the file name ${JSON.stringify(twice)} is listed twice`);
}
