/**
 * Converts a released bilm-tf/AllenNLP ELMo model (options.json + weight
 * HDF5) into an elmo-wasm model directory (models/FORMAT.md). Every layout
 * change from the HDF5 file happens here, once; see js/format/
 * (tensor-plan.js, bilm-layout.js, weight-packing.js).
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describeDtype, getDataset, openHdf5 } from '../io/hdf5.js';
import { installDir, makeScratchDir, outDirState } from './model-dir-install.js';
import { prettyJson } from '../io/pretty-json.js';
import { GEMM_DTYPES, softmaxLayout } from '../../format/model-format.js';
import { formatVocabulary, parseVocabulary } from '../../train/vocab.js';
import { readSoftmax } from '../train/bilm-hdf5.js';
import { readNamedText } from '../io/read-named.js';
import { elementCount, expectedTensors, modelDims, placeTensors } from '../../format/tensor-plan.js';
import { tensorBytes } from '../../format/bilm-layout.js';
import { ShardWriter } from './shard-writer.js';

export { expectedTensors } from '../../format/tensor-plan.js';

/** @typedef {import('../../format/tensor-plan.js').TensorSpec} TensorSpec */
/** @typedef {import('../../format/tensor-plan.js').PlacedTensor} PlacedTensor */
/** @typedef {import('../io/hdf5.js').Hdf5File} Hdf5File */

/**
 * @typedef {object} ConvertProgress
 * @property {'tensor'} stage
 * @property {string} name the tensor just written
 * @property {number} done tensors written so far
 * @property {number} total
 */

/**
 * @typedef {object} ConvertOptions
 * @property {number} [shardBytes] shard size, default 4 MiB
 * @property {(progress: ConvertProgress) => void} [onProgress]
 * @property {string} [name] manifest name, default the output directory's name
 * @property {import('../../format/model-format.js').GemmDtype} [dtype] of the GEMM weights: float16 stores each
 *   rounded to the nearest half, half the bytes (a value past ±65504 is refused); bfloat16 rounded to its
 *   top 16 bits, half the bytes, 8 significant bits against float16's 11 but float32's range; int8 with
 *   one scale per output column, a quarter of the bytes (default float32)
 * @property {string} [softmaxPath] with vocabPath: the model's softmax (softmax.hdf5: W [V, P], b [V]),
 *   which the model directory then carries for fine-tuning
 * @property {string} [vocabPath] the softmax's vocabulary (bilm-tf's vocab.txt, V lines)
 */

/**
 * The manifest.json written (models/FORMAT.md).
 * @typedef {object} ConvertedManifest
 * @property {'elmo-wasm-model'} format
 * @property {1} version
 * @property {string} name
 * @property {Record<string, any>} options options.json, unchanged
 * @property {{ byteLength: number, shardBytes: number, tensors: Array<{ name: string, shape: number[], dtype: import('../../format/model-format.js').GemmDtype, layout?: 'panels8', offset: number }> }} weights
 * @property {import('./shard-writer.js').WrittenShard[]} shards
 * @property {import('../../format/model-format.js').SoftmaxSection} [softmax]
 * @property {import('../../format/model-format.js').VocabEntry} [vocab]
 * @property {{ options: string, weights: string, softmax?: string, vocab?: string, converter: string }} source
 */

/** The vocabulary's file in a model directory (its shards' names come from shard-writer.js). */
const VOCAB_FILE = 'vocab.txt';

/** Datasets of these groups carry the model; one the options leave unused means the two disagree. */
const MODEL_DATASET = /^(char_embed|CNN|CNN_high_\d+|CNN_proj|RNN_\d+)(\/|$)/;

async function converterVersion() {
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8'));
  return `${pkg.name} ${pkg.version}`;
}

/** @param {string} path */
async function readOptions(path) {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT') throw new Error(`${path}: no such file`);
    throw e;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${/** @type {Error} */ (e).message}`);
  }
}

/** @param {readonly number[] | null} shape */
const showShape = (shape) => (shape === null ? 'no shape (scalar or null dataspace)' : `[${shape.join(',')}]`);

/**
 * @param {readonly number[] | null} a
 * @param {readonly number[]} b
 */
const sameShape = (a, b) => a !== null && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * A model whose filter total equals the projection dim may ship without
 * CNN_proj (the projection is then the identity).
 * @param {Hdf5File} file
 * @param {ReturnType<typeof modelDims>} dims
 */
function fileHasProjection(file, dims) {
  const any = getDataset(file, 'CNN_proj/W_proj') !== null || getDataset(file, 'CNN_proj/b_proj') !== null;
  return any || dims.nFilters !== dims.projectionDim;
}

/**
 * @param {Hdf5File} file
 * @param {TensorSpec[]} specs
 * @param {string} label
 */
function refuseUnusedModelDatasets(file, specs, label) {
  const used = new Set(specs.map((s) => s.source));
  for (const path of file.paths()) {
    if (MODEL_DATASET.test(path) && !used.has(path) && getDataset(file, path) !== null) {
      throw new Error(`${label}: dataset "${path}" is not used by a model with these options; options.json and the weight file do not match`);
    }
  }
}

/**
 * Reads one tensor's source dataset, checks it, and returns the tensor's bytes
 * in manifest layout.
 * @param {Hdf5File} file
 * @param {TensorSpec} spec
 * @param {string} label the weight file's name, for messages
 * @returns {Uint8Array}
 */
function readTensor(file, spec, label) {
  const where = `${label}: dataset "${spec.source}"`;
  const dataset = getDataset(file, spec.source);
  if (dataset === null) throw new Error(`${label}: missing dataset "${spec.source}" (${spec.why})`);
  const m = dataset.metadata;
  // Big-endian float32 is fine: HDF5 converts to native order on read.
  if (m.type !== 1 || m.size !== 4) throw new Error(`${where} has dtype ${describeDtype(dataset)}, expected float32`);

  const actual = dataset.shape;
  const alreadyPadded = spec.transform === 'prepend-zero-row' && sameShape(actual, spec.shape);
  if (!alreadyPadded && !sameShape(actual, spec.sourceShape)) {
    const alt = spec.transform === 'prepend-zero-row' ? ` or ${showShape(spec.shape)}` : '';
    throw new Error(`${where} has shape ${showShape(actual)}, expected ${showShape(spec.sourceShape)}${alt} (from ${spec.why})`);
  }

  const values = spec.transform === 'rows' && spec.rows ? dataset.slice([[spec.rows[0], spec.rows[1]]]) : dataset.value;
  const rowLength = elementCount(spec.shape.slice(1));
  const expectedCount = elementCount(spec.shape) - (spec.transform === 'prepend-zero-row' && !alreadyPadded ? rowLength : 0);
  if (!(values instanceof Float32Array) || values.length !== expectedCount) {
    throw new Error(`${where}: read ${values instanceof Float32Array ? values.length : typeof values} values, expected ${expectedCount} float32`);
  }
  try {
    return tensorBytes(spec, values, alreadyPadded);
  } catch (e) {
    if (spec.dtype !== 'float16' && spec.dtype !== 'bfloat16') throw e;
    throw new Error(`${where} (tensor "${spec.name}"): ${/** @type {Error} */ (e).message}; convert with --dtype float32 or int8`);
  }
}

/**
 * The softmax and vocabulary a model for fine-tuning carries, read and
 * checked against each other and the options.
 * @param {string | undefined} softmaxPath
 * @param {string | undefined} vocabPath
 * @param {number} P projection_dim
 * @returns {Promise<{ softmax: import('../../train/bilm-files.js').Softmax, vocab: import('../../train/vocab.js').Vocabulary } | null>}
 */
async function readFineTuneFiles(softmaxPath, vocabPath, P) {
  if (softmaxPath === undefined && vocabPath === undefined) return null;
  if (softmaxPath === undefined || vocabPath === undefined) {
    throw new Error(`a model for fine-tuning needs both its softmax (--softmax) and its vocabulary (--vocab); only the ${softmaxPath === undefined ? 'vocabulary' : 'softmax'} was given`);
  }
  const vocab = parseVocabulary(await readNamedText(vocabPath, 'the softmax vocabulary'), basename(vocabPath));
  const softmax = await readSoftmax(softmaxPath);
  const [V, width] = softmax.W.shape;
  const label = basename(softmaxPath);
  if (width !== P) throw new Error(`${label}: W is [${V}, ${width}], but options.lstm.projection_dim is ${P}`);
  if (V !== vocab.size) throw new Error(`${label}: W has ${V} rows, but ${basename(vocabPath)} has ${vocab.size} words`);
  return { softmax, vocab };
}

/**
 * Writes the softmax's shards (softmax-*.bin) and vocab.txt into `dir`.
 * @param {string} dir
 * @param {{ softmax: import('../../train/bilm-files.js').Softmax, vocab: import('../../train/vocab.js').Vocabulary }} files
 * @param {number} shardBytes
 * @returns {Promise<{ softmax: import('../../format/model-format.js').SoftmaxSection, vocab: import('../../format/model-format.js').VocabEntry }>}
 */
async function writeFineTuneFiles(dir, { softmax, vocab }, shardBytes) {
  const { W, b } = softmax;
  const layout = softmaxLayout(W.shape[0], W.shape[1]);
  const writer = new ShardWriter(dir, layout.byteLength, shardBytes, 'softmax');
  await writer.write(new Uint8Array(W.data.buffer, W.data.byteOffset, W.data.byteLength));
  await writer.padTo(layout.tensors[1].offset);
  await writer.write(new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength));
  const text = new TextEncoder().encode(formatVocabulary(vocab));
  await writeFile(join(dir, VOCAB_FILE), text);
  return {
    softmax: { byteLength: layout.byteLength, shardBytes, tensors: layout.tensors, shards: writer.finish() },
    vocab: { path: VOCAB_FILE, byteLength: text.length, sha256: createHash('sha256').update(text).digest('hex'), words: vocab.size },
  };
}

/**
 * Converts `optionsPath` + `weightsPath` into the model directory `outDir`.
 * Reads one dataset at a time and holds at most one shard in memory. Writes
 * into a scratch directory next to `outDir` and renames it at the end, so a
 * failure leaves `outDir` as it was. Replaces an existing model directory;
 * refuses any other non-empty directory.
 * @param {string} optionsPath options.json
 * @param {string} weightsPath the HDF5 weight file
 * @param {string} outDir
 * @param {ConvertOptions} [opts]
 * @returns {Promise<ConvertedManifest>} the manifest written
 */
export async function convertModel(optionsPath, weightsPath, outDir, opts = {}) {
  const { shardBytes = 4 * 1024 * 1024, onProgress, name, dtype = 'float32', softmaxPath, vocabPath } = opts;
  if (!Number.isSafeInteger(shardBytes) || shardBytes <= 0) {
    throw new Error(`shardBytes must be a positive integer, got ${JSON.stringify(shardBytes)}`);
  }
  if (!GEMM_DTYPES.includes(dtype)) throw new Error(`dtype must be one of ${GEMM_DTYPES.map((d) => `"${d}"`).join(', ')}, got ${JSON.stringify(dtype)}`);
  const options = await readOptions(optionsPath);
  const optionsLabel = basename(optionsPath);
  const weightsLabel = basename(weightsPath);
  let dims;
  try {
    dims = modelDims(options);
  } catch (e) {
    throw new Error(`${optionsLabel}: ${/** @type {Error} */ (e).message}`);
  }
  const fineTune = await readFineTuneFiles(softmaxPath, vocabPath, dims.projectionDim);
  await outDirState(outDir);
  const converter = await converterVersion();

  const file = await openHdf5(weightsPath, 'r');
  let fileOpen = true;
  let scratch;
  try {
    scratch = await makeScratchDir(outDir);
    const specs = expectedTensors(options, { projection: fileHasProjection(file, dims), dtype });
    refuseUnusedModelDatasets(file, specs, weightsLabel);
    const { tensors, byteLength } = placeTensors(specs);
    const writer = new ShardWriter(scratch.dir, byteLength, shardBytes);
    for (const [i, tensor] of tensors.entries()) {
      const bytes = readTensor(file, tensor, weightsLabel);
      await writer.padTo(tensor.offset);
      await writer.write(bytes);
      onProgress?.({ stage: 'tensor', name: tensor.name, done: i + 1, total: tensors.length });
    }
    const shards = writer.finish();
    const extra = fineTune && (await writeFineTuneFiles(scratch.dir, fineTune, shardBytes));
    /** @type {ConvertedManifest} */
    const manifest = {
      format: 'elmo-wasm-model',
      version: 1,
      name: name ?? basename(outDir),
      options,
      weights: {
        byteLength,
        shardBytes,
        tensors: tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype ?? 'float32', ...(t.layout && { layout: t.layout }), offset: t.offset })),
      },
      shards,
      ...extra,
      source: {
        options: optionsLabel,
        weights: weightsLabel,
        ...(softmaxPath && vocabPath && { softmax: basename(softmaxPath), vocab: basename(vocabPath) }),
        converter,
      },
    };
    // Last: a directory with a manifest is a complete one.
    await writeFile(join(scratch.dir, 'manifest.json'), prettyJson(manifest));
    fileOpen = false;
    file.close();
    await installDir(scratch.dir, outDir);
    return manifest;
  } catch (e) {
    if (fileOpen) closeQuietly(file);
    await scratch?.discard();
    throw e;
  }
}

/** @param {Hdf5File} file */
function closeQuietly(file) {
  try {
    file.close();
  } catch {
    // The error being reported matters more.
  }
}
