/**
 * What `Elmo.embed` accepts beyond "token arrays in, all layers out": raw
 * text (tokenized here, with offsets), per-call state control, and output
 * shaping (layer choice, AllenNLP's scalar mix, TensorFlow Hub's named
 * outputs, pooling, unit length) done with outputs.js. Kept apart from
 * elmo.js so the engine class stays about wasm memory and the C calls.
 */
import { normalize, pool, scalarMix, selectLayers, tfHubOutput } from './outputs.js';
import { tokenize } from './text-tokenizer.js';
import { checkSentences } from './batch-packing.js';

/** @typedef {import('./outputs.js').Tensor} Tensor */
/** @typedef {import('./outputs.js').ScalarMix} ScalarMix */
/** @typedef {import('./outputs.js').LayerChoice} LayerChoice */
/** @typedef {'word_emb' | 'lstm_outputs1' | 'lstm_outputs2' | 'elmo' | 'default'} TfHubOutput */

/**
 * @typedef {object} ShapingOptions
 * @property {LayerChoice} [layers] 'all' (default): (n_layers + 1, n, 2P); 'top' or
 *   'average': (n, 2P); a list of layer indices: (k, n, 2P)
 * @property {ScalarMix} [mix] AllenNLP's ScalarMix of all layers: (n, 2P)
 * @property {TfHubOutput} [output] TensorFlow Hub ELMo's output of that name: word_emb (n, P),
 *   lstm_outputs1 / lstm_outputs2 (n, 2P), elmo (n, 2P; weighted by `mix` if given),
 *   default (2P: elmo mean-pooled over tokens)
 * @property {'mean' | 'max' | 'none'} [pooling] pool over the tokens: (…, n, d) -> (…, d); default 'none'
 * @property {boolean} [normalize] scale every vector (the last axis) to unit length
 */

/**
 * @typedef {'none' | 'carry' | 'reset'} StateMode
 *   'none': every sentence starts from a zero state (the default; `stateful: false`);
 *   'carry': batch row r continues from where row r of the previous carrying call ended
 *   (`stateful: true`); 'reset': forget the kept state first, then carry (a new document)
 */

/**
 * @typedef {object} StateOptions
 * @property {boolean} [stateful] continue batch row r from where row r of the previous stateful
 *   call ended, as the reference (bilm-tf, AllenNLP) does; default false: every sentence starts
 *   from a zero state, so its vectors depend on nothing else
 * @property {boolean} [keepBoundaries] keep the `<S>` and `</S>` positions (default false)
 * @property {StateMode} [state] the state choice by name (instead of `stateful`)
 */

/** @typedef {ShapingOptions & StateOptions} EmbedOptions */

/**
 * One sentence's result: a tensor, and for raw-text input its tokens and
 * their [start, end) UTF-16 offsets in the text.
 * @typedef {Tensor & { tokens?: string[], offsets?: Array<[number, number]> }} EmbedResult
 */

/**
 * An embed call's input and options, checked once: the token arrays and the
 * engine's flags, the state mode, and for raw text its tokens and offsets.
 * @typedef {object} EmbedRequest
 * @property {string[][]} sentences
 * @property {boolean} stateful
 * @property {boolean} keepBoundaries
 * @property {StateMode} state
 * @property {import('./text-tokenizer.js').TokenizedText[] | null} texts
 */

/** The options the engine takes itself; any other asks for its outputs to be shaped. */
const ENGINE_KEYS = ['stateful', 'keepBoundaries', 'state'];
const KNOWN_KEYS = new Set([...ENGINE_KEYS, 'state', 'layers', 'mix', 'output', 'pooling', 'normalize']);
const OUTPUTS = ['word_emb', 'lstm_outputs1', 'lstm_outputs2', 'elmo', 'default'];
const STATES = ['none', 'carry', 'reset'];

/**
 * Raw text becomes token arrays (one per string); token arrays pass as they are.
 * @param {unknown} input a string, an array of strings, or an array of token arrays
 * @returns {{ sentences: unknown, texts: import('./text-tokenizer.js').TokenizedText[] | null }}
 */
function toTokenArrays(input) {
  if (typeof input === 'string') return toTokenArrays([input]);
  if (!Array.isArray(input) || !input.some((s) => typeof s === 'string')) return { sentences: input, texts: null };
  const other = input.findIndex((s) => typeof s !== 'string');
  if (other >= 0) {
    const what = Array.isArray(input[other]) ? 'an array' : input[other] === null ? 'null' : typeof input[other];
    throw new TypeError(`sentences must be all strings (raw text) or all token arrays; sentence ${other} is ${what} but others are strings`);
  }
  const texts = input.map((text) => tokenize(text));
  return { sentences: texts.map((t) => t.tokens), texts };
}

/**
 * Checks the options; returns the engine's flags and the state mode.
 * @param {EmbedOptions} options
 * @returns {{ stateful: boolean, keepBoundaries: boolean, state: StateMode }}
 */
function checkOptions(options) {
  if (options === null || typeof options !== 'object') throw new TypeError(`embed options must be an object, got ${options === null ? 'null' : typeof options}`);
  const unknown = Object.keys(options).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length > 0) {
    throw new TypeError(`unknown embed option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; known: ${[...KNOWN_KEYS].join(', ')}`);
  }
  const { layers, mix, output, pooling, state } = options;
  if (state !== undefined && !STATES.includes(state)) throw new RangeError(`state must be 'none', 'carry' or 'reset', got ${JSON.stringify(state)}`);
  if (state !== undefined && options.stateful !== undefined && options.stateful !== (state !== 'none')) {
    throw new RangeError(`stateful: ${options.stateful} contradicts state: '${state}'; give one of them`);
  }
  if (output !== undefined && !OUTPUTS.includes(output)) throw new RangeError(`output must be one of ${OUTPUTS.join(', ')}, got ${JSON.stringify(output)}`);
  if (layers !== undefined && output !== undefined) throw new RangeError(`layers and output both choose what to return; give one of them`);
  if (layers !== undefined && mix !== undefined) throw new RangeError(`layers and mix both choose what to return; give one of them`);
  if (mix !== undefined && output !== undefined && output !== 'elmo' && output !== 'default') {
    throw new RangeError(`mix weights only the 'elmo' and 'default' outputs, not '${output}'`);
  }
  if (mix !== undefined && (mix === null || typeof mix !== 'object' || Array.isArray(mix))) {
    throw new TypeError(`mix must be an object { weights, gamma, layerNorm }, got ${JSON.stringify(mix)}`);
  }
  if (pooling !== undefined && !['mean', 'max', 'none'].includes(pooling)) {
    throw new RangeError(`pooling must be 'mean', 'max' or 'none', got ${JSON.stringify(pooling)}`);
  }
  if (output === 'default' && pooling !== undefined && pooling !== 'none') {
    throw new RangeError(`output 'default' is already mean-pooled; leave pooling out`);
  }
  if (options.normalize !== undefined && typeof options.normalize !== 'boolean') {
    throw new TypeError(`normalize must be true or false, got ${JSON.stringify(options.normalize)}`);
  }
  const mode = state ?? (options.stateful ? 'carry' : 'none');
  return { stateful: mode !== 'none', keepBoundaries: !!options.keepBoundaries, state: mode };
}

/**
 * Pools over the token axis, the second to last: (n, d) -> (d); (k, n, d) -> (k, d).
 * @param {Tensor} tensor
 * @param {'mean' | 'max'} how
 * @returns {Tensor}
 */
function poolTokens(tensor, how) {
  const [n, dim] = tensor.shape.slice(-2);
  const groups = tensor.shape.length === 3 ? tensor.shape[0] : 1;
  const data = new Float32Array(groups * dim);
  for (let g = 0; g < groups; g++) {
    const tokens = { shape: [n, dim], data: tensor.data.subarray(g * n * dim, (g + 1) * n * dim) };
    data.set(pool(tokens, how), g * dim);
  }
  return { shape: [...tensor.shape.slice(0, -2), dim], data };
}

/**
 * @param {Tensor} tensor
 * @returns {Tensor} every vector along the last axis of unit length (zeros stay zeros)
 */
function unitVectors(tensor) {
  const dim = tensor.shape[tensor.shape.length - 1];
  const data = new Float32Array(tensor.data.length);
  for (let at = 0; at < data.length; at += dim) data.set(normalize(tensor.data.subarray(at, at + dim)), at);
  return { shape: tensor.shape, data };
}

/**
 * @param {Tensor} embedding (n_layers + 1, n, 2P)
 * @param {ShapingOptions} options already checked
 * @returns {Tensor}
 */
function shapeOne(embedding, { layers, mix, output, pooling, normalize: unit }) {
  let tensor;
  // 'default' is 'elmo' mean-pooled, below, where pooling is done.
  if (output !== undefined) tensor = tfHubOutput(embedding, output === 'default' ? 'elmo' : output, mix);
  else if (mix !== undefined) tensor = scalarMix(embedding, mix);
  else tensor = selectLayers(embedding, layers ?? 'all');
  if (!tensor) throw new RangeError(`output '${output}' needs a model with 2 LSTM layers; this one has ${embedding.shape[0] - 1}`);
  const how = output === 'default' ? 'mean' : pooling;
  if (how === 'mean' || how === 'max') tensor = poolTokens(tensor, how);
  if (unit) tensor = unitVectors(tensor);
  // Every result owns its buffer: ElmoWorker transfers each one separately.
  return tensor.data.byteLength === tensor.data.buffer.byteLength ? tensor : { shape: tensor.shape, data: tensor.data.slice() };
}

/**
 * Shapes the engine's outputs as `options` ask (see ShapingOptions).
 * @param {Array<{ shape: number[], data: Float32Array }>} embeddings (n_layers + 1, n, 2P) each
 * @param {ShapingOptions} options
 * @returns {Tensor[]}
 */
export function shapeOutputs(embeddings, options) {
  checkOptions(options);
  return embeddings.map((e) => shapeOne(e, options));
}

/**
 * What `embed` (and `fineTune`) take as sentences, as token arrays: raw text
 * tokenized, token arrays checked.
 * @param {unknown} input a string, an array of strings, or an array of token arrays
 * @returns {string[][]}
 */
export function sentenceTokens(input) {
  const { sentences } = toTokenArrays(input);
  checkSentences(sentences);
  return sentences;
}

/**
 * Checks an embed call's options and input, tokenizing raw text: what
 * `Elmo.embed` runs, or the error it rejects with before anything changes.
 * @param {unknown} input a string, an array of strings, or an array of token arrays
 * @param {EmbedOptions} options
 * @returns {EmbedRequest}
 */
export function embedRequest(input, options) {
  const { stateful, keepBoundaries, state } = checkOptions(options);
  const { sentences, texts } = toTokenArrays(input);
  checkSentences(sentences);
  return { sentences: /** @type {string[][]} */ (sentences), stateful, keepBoundaries, state, texts };
}

/**
 * The engine's outputs as the call asked for them: shaped by its options,
 * and for raw text with its tokens and offsets. Without shaping options or
 * text they are returned as they are.
 * @param {Array<{ shape: [number, number, number], data: Float32Array }>} embeddings (n_layers + 1, n, 2P) each
 * @param {EmbedRequest} request
 * @param {EmbedOptions} options checked by embedRequest
 * @returns {EmbedResult[]}
 */
export function embedResults(embeddings, { texts }, options) {
  if (!texts && Object.keys(options).every((k) => ENGINE_KEYS.includes(k))) return embeddings;
  return embeddings.map((embedding, i) => {
    const tensor = shapeOne(embedding, options);
    return texts ? { ...tensor, tokens: texts[i].tokens, offsets: texts[i].offsets } : tensor;
  });
}
