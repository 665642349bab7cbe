/**
 * The model manifest (models/FORMAT.md) as the loader needs it: the weight
 * region's size and its shards. Tensors are checked by the C core, which is
 * the one place that knows what a model needs.
 */

/**
 * @typedef {object} ShardEntry
 * @property {string} path file name, relative to the model directory
 * @property {number} byteLength
 * @property {string} sha256 lowercase hex
 */

/**
 * @typedef {object} Manifest
 * @property {'elmo-wasm-model'} format
 * @property {1} version
 * @property {string} [name]
 * @property {Record<string, any>} options the model's options.json
 * @property {{ byteLength: number, shardBytes: number, tensors: object[] }} weights
 * @property {ShardEntry[]} shards
 */

const SHARD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Bytes a tensor takes in the weight region (models/FORMAT.md): a vector or
 * unpacked tensor is float32; a packed ("panels8") [k, n] matrix has its
 * columns padded to whole panels of 8, 4 bytes an element (2 for float16),
 * and an int8 one is its panels (rows in pairs, an odd k padded with a zero
 * row) padded to 64 bytes, then one float32 scale per padded column. Null
 * for an entry it cannot size; the C core names what is malformed.
 * @param {any} tensor a manifest entry: { shape, layout?, dtype }
 * @returns {number | null}
 */
export function tensorByteLength(tensor) {
  const { dtype, shape, layout } = tensor ?? {};
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return null;
  if (layout === undefined) return dtype === 'float32' ? 4 * shape.reduce((a, b) => a * b, 1) : null;
  if (layout !== 'panels8' || shape.length !== 2) return null;
  const [k, n] = shape;
  const columns = 8 * Math.ceil(n / 8);
  if (dtype === 'int8') return Math.ceil((columns * (k + (k % 2))) / 64) * 64 + 4 * columns;
  if (dtype === 'float32' || dtype === 'float16') return (dtype === 'float16' ? 2 : 4) * k * columns;
  return null;
}

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
 * Parses and checks a manifest's text.
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
  const shardBytes = byteCount(m.weights.shardBytes, 'weights.shardBytes');
  if (!Array.isArray(m.shards) || m.shards.length === 0) throw new Error('manifest.json: shards must be a non-empty list');
  let sum = 0;
  m.shards.forEach((/** @type {any} */ s, /** @type {number} */ i) => {
    const where = `shards[${i}]`;
    if (typeof s?.path !== 'string' || !SHARD_NAME.test(s.path)) {
      throw new Error(`manifest.json: ${where}.path must be a plain file name, got ${JSON.stringify(s?.path)}`);
    }
    const size = byteCount(s.byteLength, `${where}.byteLength`);
    const last = i === m.shards.length - 1;
    if (last ? size === 0 || size > shardBytes : size !== shardBytes) {
      throw new Error(`manifest.json: ${where} (${s.path}) has byteLength ${size}, expected ${last ? `1..${shardBytes}` : shardBytes}`);
    }
    if (typeof s.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(s.sha256)) {
      throw new Error(`manifest.json: ${where}.sha256 must be 64 lowercase hex digits`);
    }
    sum += size;
  });
  if (sum !== total) {
    throw new Error(`manifest.json: shards hold ${sum} bytes but weights.byteLength is ${total}`);
  }
  return m;
}
