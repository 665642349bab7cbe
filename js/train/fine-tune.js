/**
 * Fine-tuning a loaded model (`Elmo.fineTune`), the part that is not about
 * the engine: the call's settings, its sentences as a corpus, the memory the
 * trainer may take, and the steps themselves — bilm-tf's batches
 * (batches.js) on a Trainer, as `train --init-from` runs them, with the
 * event loop given back after every step (so a page stays responsive), an
 * abort checked between steps and progress reported after each.
 */
import { ElmoError, Status } from '../core/wasm-core.js';
import { DEFAULTS } from '../defaults.js';
import { bilmWeightDatasets } from '../format/bilm-layout.js';
import { sentenceTokens } from '../api/embed-options.js';
import { BatchStream } from './batches.js';
import { Corpus } from './corpus.js';

/**
 * @typedef {object} FineTuneProgress
 * @property {number} step steps done
 * @property {number} steps steps planned (for one epoch, at most this many)
 * @property {number} tokens positions trained on so far (step × batchSize × unroll)
 * @property {number} loss this step's loss, before its update: 0.5 × (mean forward NLL + mean backward NLL), sampled softmax
 * @property {number} tokensPerSecond
 */

/**
 * @typedef {object} FineTuneOptions
 * @property {number} [steps] train this many steps (the text is gone over as often as needed)
 * @property {number} [tokens] or this many positions: floor(tokens / (batchSize × unroll)) steps;
 *   with neither, one pass over the sentences
 * @property {number} [lr] Adagrad's learning rate (default 0.05)
 * @property {number} [batchSize] rows of a batch (default 16)
 * @property {number} [unroll] steps of a row (default 20)
 * @property {number} [negatives] sampled softmax words (default 8192; at least the vocabulary: the full softmax)
 * @property {number} [dropout] (default 0.1)
 * @property {number} [seed] of the sentence order, dropout and sampling, an integer in [0, 2^32) (default 0)
 * @property {(progress: FineTuneProgress) => void} [onProgress] after every step
 * @property {AbortSignal} [signal] aborting rejects with its reason (an AbortError) between two steps
 */

/**
 * @typedef {object} FineTuneResult
 * @property {number} steps
 * @property {number} tokens positions trained on
 * @property {number[]} losses every step's loss, in order
 * @property {number} seconds
 */

/** @typedef {Required<Pick<FineTuneOptions, 'lr' | 'batchSize' | 'unroll' | 'seed'>> & Omit<FineTuneOptions, 'lr' | 'batchSize' | 'unroll' | 'seed'>} FineTuneSettings */

const KNOWN = ['steps', 'tokens', 'lr', 'batchSize', 'unroll', 'negatives', 'dropout', 'seed', 'onProgress', 'signal'];

/**
 * @param {string} name
 * @param {unknown} value
 * @param {number} [fallback]
 * @returns {number}
 */
function positiveInteger(name, value, fallback) {
  if (value === undefined && fallback !== undefined) return fallback;
  if (!Number.isSafeInteger(value) || /** @type {number} */ (value) < 1) throw new RangeError(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return /** @type {number} */ (value);
}

/**
 * Checks fineTune's options and fills in the defaults.
 * @param {FineTuneOptions} options
 * @returns {FineTuneSettings}
 */
export function fineTuneSettings(options) {
  if (options === null || typeof options !== 'object') throw new TypeError(`fineTune options must be an object, got ${options === null ? 'null' : typeof options}`);
  const unknown = Object.keys(options).filter((k) => !KNOWN.includes(k));
  if (unknown.length > 0) throw new TypeError(`unknown fineTune option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; known: ${KNOWN.join(', ')}`);
  const { steps, tokens, lr = DEFAULTS.fineTuneLearningRate.default, dropout, seed = 0, onProgress, signal } = options;
  if (steps !== undefined && tokens !== undefined) throw new RangeError('steps and tokens both say how long to train; give one of them');
  if (steps !== undefined) positiveInteger('steps', steps);
  if (tokens !== undefined) positiveInteger('tokens', tokens);
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`lr must be a number above 0, got ${JSON.stringify(lr)}`);
  if (dropout !== undefined && (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1))) throw new RangeError(`dropout must be a number in [0, 1), got ${JSON.stringify(dropout)}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, 2^32), got ${JSON.stringify(seed)}`);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError(`onProgress must be a function, got ${typeof onProgress}`);
  if (signal !== undefined && !(signal && typeof signal.throwIfAborted === 'function' && typeof signal.aborted === 'boolean')) throw new TypeError('signal must be an AbortSignal');
  const batchSize = positiveInteger('batchSize', options.batchSize, DEFAULTS.fineTuneBatchSize.default);
  const unroll = positiveInteger('unroll', options.unroll, DEFAULTS.fineTuneUnroll.default);
  if (tokens !== undefined && tokens < batchSize * unroll) throw new RangeError(`tokens ${tokens} is less than one step (batchSize × unroll = ${batchSize * unroll} positions)`);
  return {
    steps,
    tokens,
    lr,
    batchSize,
    unroll,
    negatives: options.negatives === undefined ? undefined : positiveInteger('negatives', options.negatives),
    dropout,
    seed,
    onProgress,
    signal,
  };
}

/**
 * The sentences to train on (as `embed` takes them: token arrays, or raw
 * text that the built-in tokenizer splits); empty sentences are left out.
 * @param {unknown} input
 * @returns {Corpus}
 */
export function fineTuneCorpus(input) {
  const sentences = sentenceTokens(input);
  const corpus = new Corpus();
  for (const sentence of sentences) if (sentence.length > 0) corpus.addSentence(sentence);
  if (corpus.sentenceCount === 0) throw new RangeError(sentences.length === 0 ? 'fineTune needs sentences to train on, got an empty list' : `fineTune needs sentences to train on; all ${sentences.length} given are empty`);
  return corpus;
}

const MB = 1 << 20;

/** @param {number} bytes */
const megabytes = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

/**
 * Refuses, before the trainer is made, a model whose weights, gradients and
 * Adagrad accumulators (three floats a weight, the softmax included: what
 * the C trainer keeps besides the activations of one batch) exceed the budget.
 * @param {object} options the model's options.json
 * @param {number} vocabSize
 * @param {number} budget bytes (maxMemoryMB)
 */
export function checkTrainerBudget(options, vocabSize, budget) {
  const P = /** @type {any} */ (options).lstm.projection_dim;
  const floats = bilmWeightDatasets(options).reduce((sum, { shape }) => sum + shape.reduce((a, b) => a * b, 1), 0) + vocabSize * (P + 1);
  const bytes = 3 * 4 * floats;
  if (bytes > budget) {
    throw new ElmoError(`maxMemoryMB (${megabytes(budget)}) is too small to fine-tune this model: its ${floats} weights (the softmax of ${vocabSize} words included), their gradients and Adagrad's accumulators alone take ${megabytes(bytes)}`, Status.OUT_OF_MEMORY);
  }
}

/**
 * Refuses a trainer that took more wasm memory than the budget.
 * @param {import('./trainer.js').Trainer} trainer
 * @param {number} budget bytes
 */
export function checkTrainerMemory(trainer, budget) {
  const bytes = trainer.wasmMemoryBytes;
  if (bytes > budget) {
    const { batchSize, unroll, negatives } = trainer.params;
    throw new ElmoError(`maxMemoryMB (${megabytes(budget)}) is too small to fine-tune this model with batch ${batchSize} × unroll ${unroll} and ${negatives} negatives: the trainer takes ${megabytes(bytes)}; lower batchSize, unroll or negatives, or raise maxMemoryMB`, Status.OUT_OF_MEMORY);
  }
}

/**
 * Gives the event loop back: a new task, not a microtask, so that timers,
 * input and rendering run (a MessageChannel message where there is no
 * setImmediate, which has no 4 ms clamp as nested timers do).
 * @returns {Promise<void>}
 */
function nextTask() {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    const { port1, port2 } = new MessageChannel();
    return new Promise((resolve) => {
      port1.onmessage = () => {
        port1.close();
        resolve();
      };
      port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Trains `trainer` on `corpus`: step after step, each a task of its own.
 * Rejects with the signal's reason when it is aborted (checked before every
 * step and after the last), and when `check` throws (e.g. the engine was disposed).
 * @param {import('./trainer.js').Trainer} trainer set up with the model's weights and softmax
 * @param {Corpus} corpus
 * @param {import('./vocab.js').Vocabulary} vocab
 * @param {FineTuneSettings} settings
 * @param {{ budget: number, check: () => void }} limits
 * @returns {Promise<FineTuneResult>}
 */
export async function trainSteps(trainer, corpus, vocab, settings, { budget, check }) {
  const { batchSize, unroll } = trainer.params;
  const perStep = batchSize * unroll;
  const { signal, onProgress } = settings;
  const maxTokens = settings.steps !== undefined ? settings.steps * perStep : settings.tokens;
  const stream = new BatchStream(corpus, vocab, { batchSize, unroll, seed: settings.seed, ...(maxTokens === undefined ? { epochs: 1 } : { maxTokens }) });
  const planned = stream.plannedBatches();
  /** @type {number[]} */
  const losses = [];
  const started = performance.now();
  for (;;) {
    signal?.throwIfAborted();
    check();
    const batch = stream.next();
    if (batch === null) break;
    const loss = trainer.step(batch);
    if (!Number.isFinite(loss)) throw new Error(`fineTune: the loss of step ${losses.length + 1} is ${loss}: the weights diverged; use a lower lr than ${settings.lr}`);
    checkTrainerMemory(trainer, budget);
    losses.push(loss);
    const step = losses.length;
    onProgress?.({ step, steps: planned, tokens: step * perStep, loss, tokensPerSecond: (step * perStep) / ((performance.now() - started) / 1000) });
    await nextTask();
  }
  if (losses.length === 0) {
    throw new RangeError(`the sentences give no full batch: batchSize × unroll = ${perStep} positions, they have ${corpus.tokenCount + corpus.sentenceCount} (a token each, and one a sentence); give steps or tokens to go over them more than once, or a smaller batchSize or unroll`);
  }
  return { steps: losses.length, tokens: losses.length * perStep, losses, seconds: (performance.now() - started) / 1000 };
}
