/**
 * `elmo-wasm info <model-dir | model archive>`: what a converted model is,
 * from its manifest alone (no weights are read).
 */
import { parseManifest } from '../../format/model-format.js';
import { readModelManifest } from '../io/model-manifest.js';

/**
 * @typedef {object} ModelDescription
 * @property {string} name
 * @property {number} nLayers biLSTM layers; outputs have nLayers + 1
 * @property {number} lstmDim
 * @property {number} projectionDim
 * @property {number} outputDim 2 * projectionDim
 * @property {number[][]} filters [width, count] of each char CNN filter
 * @property {number} nHighway
 * @property {number} charDim
 * @property {number} weightBytes
 * @property {number} tensors
 * @property {number} shards
 * @property {number} shardBytes
 * @property {Record<string, string> | undefined} source
 * @property {number | undefined} vocabWords the softmax's vocabulary, for fine-tuning (none: the model cannot be fine-tuned)
 */

/**
 * @param {string} modelDir
 * @returns {Promise<ModelDescription>}
 */
export async function describeModel(modelDir) {
  const text = await readModelManifest(modelDir);
  const manifest = /** @type {any} */ (parseManifest(text));
  const { lstm, char_cnn: cnn } = manifest.options;
  return {
    name: manifest.name ?? modelDir,
    nLayers: lstm.n_layers,
    lstmDim: lstm.dim,
    projectionDim: lstm.projection_dim,
    outputDim: 2 * lstm.projection_dim,
    filters: cnn.filters,
    nHighway: cnn.n_highway,
    charDim: cnn.embedding.dim,
    weightBytes: manifest.weights.byteLength,
    tensors: manifest.weights.tensors.length,
    shards: manifest.shards.length,
    shardBytes: manifest.weights.shardBytes,
    source: manifest.source,
    vocabWords: manifest.vocab?.words,
  };
}

/**
 * @param {ModelDescription} d
 * @returns {string} one "label  value" line per fact
 */
export function formatModelDescription(d) {
  const features = d.filters.reduce((sum, [, count]) => sum + count, 0);
  const rows = [
    ['name', d.name],
    ['layers', `${d.nLayers + 1} outputs: the token layer + ${d.nLayers} biLSTM layers`],
    ['output shape', `(${d.nLayers + 1}, n_tokens, ${d.outputDim})  (2 x projection ${d.projectionDim})`],
    ['biLSTM', `${d.nLayers} x ${d.lstmDim} cells, projection ${d.projectionDim}`],
    ['char CNN', `${d.filters.length} filters, ${features} features, ${d.nHighway} highway, char dim ${d.charDim}`],
    ['weight bytes', `${d.weightBytes} (${(d.weightBytes / 1e6).toFixed(1)} MB), ${d.tensors} tensors`],
    ['shards', `${d.shards} of at most ${d.shardBytes} bytes`],
  ];
  rows.push(['fine-tuning', d.vocabWords ? `softmax and vocabulary of ${d.vocabWords} words` : 'no (no softmax; convert with --softmax and --vocab)']);
  if (d.source) rows.push(['converted from', `${d.source.options} + ${d.source.weights} by ${d.source.converter}`]);
  return rows.map(([label, value]) => `${label.padEnd(15)}${value}`).join('\n');
}
