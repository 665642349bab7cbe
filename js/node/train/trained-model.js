/**
 * A trained model's folder (what `elmo-wasm train` writes and `perplexity`
 * reads): options.json in the released form, weights.hdf5 in bilm-tf's dump
 * layout, softmax.hdf5 (W, b) and vocab.txt. Every file is replaced
 * atomically.
 */
import { join } from 'node:path';
import { formatReleasedOptions } from '../../train/options-json.js';
import { Trainer } from '../../train/trainer.js';
import { formatVocabulary, parseVocabulary } from '../../train/vocab.js';
import { readModelTensors, writeModelTensors } from '../../train/model-tensors.js';
import { writeFileAtomically } from '../io/atomic-file.js';
import { readNamedJson, readNamedText } from '../io/read-named.js';
import { readBilmWeights, readSoftmax, writeBilmWeights, writeSoftmax } from './bilm-hdf5.js';
import { existsSync } from 'node:fs';
import { unpackRegion } from '../../format/bilm-layout.js';
import { parseManifest, softmaxTensors } from '../../format/model-format.js';
import { fileSource } from '../../load/model-sources.js';
import { loadPolicy, readRegion } from '../../load/weight-loader.js';

export const MODEL_FILES = Object.freeze({ options: 'options.json', weights: 'weights.hdf5', softmax: 'softmax.hdf5', vocab: 'vocab.txt' });

/**
 * Writes options.json and vocab.txt (they do not change while training).
 * @param {string} dir
 * @param {object} options
 * @param {import('../../train/vocab.js').Vocabulary} vocab
 */
export async function writeModelDescription(dir, options, vocab) {
  await writeFileAtomically(join(dir, MODEL_FILES.options), formatReleasedOptions(options));
  await writeFileAtomically(join(dir, MODEL_FILES.vocab), formatVocabulary(vocab));
}

/**
 * Writes the trainer's weights: weights.hdf5 and softmax.hdf5.
 * @param {string} dir
 * @param {Trainer} trainer
 * @param {object} options
 */
export async function writeModelWeights(dir, trainer, options) {
  const { weights, softmax } = readModelTensors(trainer);
  await writeBilmWeights(join(dir, MODEL_FILES.weights), weights, options);
  await writeSoftmax(join(dir, MODEL_FILES.softmax), softmax);
}

/** A converted model directory (manifest.json and its shards) rather than a folder `train` wrote. */
const isConverted = (/** @type {string} */ dir) => existsSync(join(dir, 'manifest.json'));

/**
 * A converted model directory's manifest and vocabulary.
 * @param {string} dir converted with --softmax and --vocab
 */
async function readConvertedDescription(dir) {
  const source = await fileSource(dir);
  const manifest = parseManifest(await source.readText('manifest.json'));
  if (!manifest.softmax || !manifest.vocab) {
    throw new Error(`${dir} has no softmax and vocabulary to train from: convert the model with --softmax softmax.hdf5 --vocab vocab.txt`);
  }
  const vocab = parseVocabulary(await source.readText(manifest.vocab.path), join(dir, manifest.vocab.path));
  return { source, manifest, vocab };
}

/**
 * A converted model directory's weights and softmax, read and checked as a
 * load reads them (sizes and sha256 of every shard).
 * @param {string} dir
 */
async function readConvertedTensors(dir) {
  const { source, manifest } = await readConvertedDescription(dir);
  const policy = loadPolicy({});
  // The weight region's shards are listed beside it, at the manifest's top level.
  const weights = unpackRegion(manifest, await readRegion({ ...manifest.weights, shards: manifest.shards }, source, policy));
  const section = /** @type {import('../../format/model-format.js').SoftmaxSection} */ (manifest.softmax);
  return { weights, softmax: softmaxTensors(section, await readRegion(section, source, policy)) };
}

/**
 * @param {string} dir a folder `train` wrote, or a converted model directory with its softmax and vocabulary
 * @returns {Promise<{ options: any, vocab: import('../../train/vocab.js').Vocabulary }>}
 */
export async function readModelDescription(dir) {
  if (isConverted(dir)) {
    const { manifest, vocab } = await readConvertedDescription(dir);
    return { options: manifest.options, vocab };
  }
  const options = await readNamedJson(join(dir, MODEL_FILES.options), 'the model options');
  const vocab = parseVocabulary(await readNamedText(join(dir, MODEL_FILES.vocab), 'the softmax vocabulary'), MODEL_FILES.vocab);
  return { options, vocab };
}

/**
 * Puts a trained model's weights and softmax into a trainer built from its
 * options and vocabulary size; every tensor must be there with its shape.
 * @param {string} dir a folder with the four MODEL_FILES, or a converted model directory with its softmax and vocabulary
 * @param {Trainer} trainer
 */
export async function readModelWeightsInto(dir, trainer) {
  if (isConverted(dir)) {
    const { weights, softmax } = await readConvertedTensors(dir);
    writeModelTensors(trainer, weights, softmax, { weights: `${dir} (its weights)`, softmax: `${dir} (its softmax)` });
    return;
  }
  const weights = await readBilmWeights(join(dir, MODEL_FILES.weights));
  const softmax = await readSoftmax(join(dir, MODEL_FILES.softmax));
  writeModelTensors(trainer, weights, softmax, { weights: join(dir, MODEL_FILES.weights), softmax: join(dir, MODEL_FILES.softmax) });
}

/**
 * A trainer holding a trained model's weights and softmax.
 * @param {string} dir a folder with the four MODEL_FILES
 * @param {import('../../train/trainer.js').TrainerParams} [params] batchSize and unroll of the evaluation
 * @param {1 | 2} [threads]
 * @returns {Promise<{ trainer: Trainer, options: any, vocab: import('../../train/vocab.js').Vocabulary }>}
 */
export async function loadTrainedModel(dir, params = {}, threads = 1) {
  const { options, vocab } = await readModelDescription(dir);
  const trainer = await Trainer.create({ options, vocabSize: vocab.size, params, threads });
  try {
    await readModelWeightsInto(dir, trainer);
  } catch (e) {
    trainer.dispose();
    throw e;
  }
  return { trainer, options, vocab };
}
