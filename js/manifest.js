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
