/**
 * A training run (`elmo-wasm train`): reads the text, sets up the vocabulary
 * and the wasm trainer, trains over bilm-tf's batches and keeps the out-dir a
 * usable model at every checkpoint (trained-model.js's four files plus
 * checkpoint.bin). A resumed run takes its settings from the checkpoint and
 * ends bit-identical to an uninterrupted one: checkpoints read the trainer,
 * they never change it.
 */
import { access, appendFile, constants, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BatchStream } from '../../train/batches.js';
import { perplexity } from '../../train/perplexity.js';
import { Trainer } from '../../train/trainer.js';
import { releasedOptions } from '../../train/options-json.js';
import { buildVocabulary, parseVocabulary } from '../../train/vocab.js';
import { CHECKPOINT_FILE, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { readNamedJson, readNamedText } from '../io/read-named.js';
import { readTrainingText } from './text-files.js';
import { readModelDescription, readModelWeightsInto, writeModelDescription, writeModelWeights } from './trained-model.js';

/**
 * The model `train` builds without --options: the shape issue 11 benchmarks
 * (bench_train), a small ELMo of about 5.5 M weights besides the softmax.
 */
export const DEFAULT_TRAIN_OPTIONS = Object.freeze({
  bidirectional: true,
  char_cnn: {
    activation: 'relu',
    embedding: { dim: 16 },
    filters: [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256]],
    max_characters_per_token: 50,
    n_characters: 261,
    n_highway: 1,
  },
  lstm: { cell_clip: 3, dim: 512, n_layers: 2, proj_clip: 3, projection_dim: 128, use_skip_connections: true },
});

/**
 * @typedef {object} TrainSettings what shapes the run; saved in each checkpoint
 * @property {any} options the model's options.json (training form)
 * @property {{ learningRate?: number, dropout?: number, negatives?: number, batchSize?: number, unroll?: number, carrySentences?: boolean, seed: number }} params
 * @property {number} [tokens] the token budget
 * @property {number} [epochs]
 * @property {boolean} tokenize
 * @property {string} [initFrom] the model the run started from
 */

/**
 * @typedef {object} TrainRequest
 * @property {string} input a text file or a folder of .txt files
 * @property {string} outDir
 * @property {boolean} [resume] continue from outDir's checkpoint, with its settings
 * @property {string} [optionsPath] options.json of the model to train (default DEFAULT_TRAIN_OPTIONS)
 * @property {string} [initFrom] fine-tune: start from this trained model folder's weights, softmax, options and vocabulary
 * @property {string} [vocabPath] a vocab.txt to use, else one is built from the text
 * @property {number} [vocabSize] at most this many words in the built vocabulary
 * @property {Omit<TrainSettings, 'options'>} [settings] the rest of the settings; with resume only tokens or epochs, a new end of the run
 * @property {string} [heldout] a text whose perplexity each checkpoint reports
 * @property {1 | 2} [threads] 1 (default) or 2: the directions side by side; the weights come out the same
 * @property {{ minutes: number } | { tokens: number }} [checkpointEvery] default 10 minutes
 * @property {import('../io/atomic-file.js').OpenForWrite} [openCheckpoint] what checkpoint.bin's temporary file is opened with (default fs.open; tests pass one whose writes fail)
 * @property {(e: { steps: number, totalSteps: number, tokensPerSecond: number, loss: number, sessionSteps: number, sessionTotal: number }) => void} [onStep]
 * @property {(line: string) => void} [log] checkpoint and summary lines
 */

/**
 * Refuses --options that describe another model than --init-from's.
 * @param {string} givenPath
 * @param {any} given
 * @param {string} modelDir
 * @param {any} model
 */
function sameShape(givenPath, given, modelDir, model) {
  const a = releasedOptions(given);
  const b = releasedOptions(model);
  for (const section of /** @type {const} */ (['char_cnn', 'lstm'])) {
    for (const key of new Set([...Object.keys(a[section]), ...Object.keys(b[section])])) {
      const x = JSON.stringify(a[section][key]);
      const y = JSON.stringify(b[section][key]);
      if (x !== y) throw new Error(`${givenPath} does not match the model of --init-from ${modelDir}: ${section}.${key} is ${x} there, ${y} in the model`);
    }
  }
}

/** @param {string} path */
const exists = (path) => stat(path).then(() => true, () => false);

/**
 * mkdir -p that throws the real cause of a failure: Node's recursive mkdir
 * says ENOENT for other failures too (EROFS on a read-only file system), so
 * then the first missing folder is made alone, which reports it.
 * @param {string} dir
 */
async function makeFolder(dir) {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'ENOENT') throw e;
    let missing = resolve(dir);
    while (dirname(missing) !== missing && !(await exists(dirname(missing)))) missing = dirname(missing);
    await mkdir(missing);
    throw e;
  }
}

/** @param {string} outDir */
async function prepareOutDir(outDir) {
  try {
    await makeFolder(outDir);
    await access(outDir, constants.W_OK);
  } catch (e) {
    throw new Error(`out-dir ${outDir} cannot be written: ${/** @type {Error} */ (e).message}`);
  }
}

/**
 * The run's settings, its vocabulary and the checkpoint it resumes from.
 * @param {TrainRequest} request
 * @returns {Promise<{ settings: TrainSettings, vocab?: import('../../train/vocab.js').Vocabulary, checkpoint?: Awaited<ReturnType<typeof readCheckpoint>> }>}
 */
async function runSettings(request) {
  const { outDir } = request;
  if (request.resume) {
    const checkpoint = await readCheckpoint(outDir);
    let settings = checkpoint.header.settings;
    const { tokens, epochs } = request.settings ?? {};
    if (tokens !== undefined || epochs !== undefined) settings = { ...settings, tokens, epochs };
    return { settings, vocab: (await readModelDescription(outDir)).vocab, checkpoint };
  }
  if (await exists(join(outDir, CHECKPOINT_FILE))) throw new Error(`${outDir} already holds a training run (${CHECKPOINT_FILE}); continue it with --resume, or choose another out-dir`);
  let options = request.optionsPath ? await readNamedJson(request.optionsPath, 'the model options') : structuredClone(DEFAULT_TRAIN_OPTIONS);
  let vocab;
  if (request.initFrom) {
    const model = await readModelDescription(request.initFrom);
    if (request.optionsPath) sameShape(request.optionsPath, options, request.initFrom, model.options);
    ({ options, vocab } = model);
  } else if (request.vocabPath) {
    vocab = parseVocabulary(await readNamedText(request.vocabPath, 'the vocabulary'), request.vocabPath);
  }
  return { settings: { options, params: { seed: 0 }, tokenize: false, ...request.settings, initFrom: request.initFrom }, vocab };
}

/** Each session's start and each checkpoint's line, time-stamped, appended in the out-dir. */
export const TRAIN_LOG_FILE = 'train-log.txt';

/**
 * @param {TrainRequest} request
 * @returns {Promise<{ steps: number, tokens: number, sessionTokens: number, seconds: number }>}
 */
export async function train(request) {
  const { input, outDir, log = () => {} } = request;
  await prepareOutDir(outDir);
  const { settings, checkpoint, vocab: given } = await runSettings(request);
  const { corpus } = await readTrainingText(input, { tokenize: settings.tokenize });
  const vocab = given ?? buildVocabulary(corpus, { maxSize: request.vocabSize ?? Infinity });
  const heldout = request.heldout === undefined ? null : (await readTrainingText(request.heldout, { tokenize: settings.tokenize })).corpus;

  const trainer = await Trainer.create({ options: settings.options, vocabSize: vocab.size, params: settings.params, threads: request.threads });
  try {
    const { batchSize, unroll } = trainer.params;
    const streamOptions = { batchSize, unroll, seed: settings.params.seed, epochs: settings.epochs, maxTokens: settings.tokens };
    let stream;
    let steps = 0;
    if (checkpoint) {
      checkpoint.restore(trainer);
      stream = BatchStream.resume(corpus, vocab, streamOptions, checkpoint.header.position);
      steps = checkpoint.header.steps;
    } else {
      if (request.initFrom) await readModelWeightsInto(request.initFrom, trainer);
      stream = new BatchStream(corpus, vocab, streamOptions);
      await writeModelDescription(outDir, settings.options, vocab);
    }
    const perStep = batchSize * unroll;
    const totalSteps = stream.plannedBatches();
    const startSteps = steps;
    const started = performance.now();
    let lastCheckpoint = { at: started, steps };
    let loss = NaN;

    const saveCheckpoint = async () => {
      await writeModelWeights(outDir, trainer, settings.options);
      await writeCheckpoint(outDir, trainer, { settings, steps, position: stream.position() }, { open: request.openCheckpoint });
      lastCheckpoint = { at: performance.now(), steps };
      let line = `checkpoint: step ${steps}, ${steps * perStep} tokens, loss ${loss.toFixed(3)}`;
      if (heldout) {
        const p = perplexity(trainer, heldout, vocab);
        line += `, held-out perplexity ${p.average.toFixed(3)} (forward ${p.forward.toFixed(3)}, backward ${p.backward.toFixed(3)})`;
      }
      log(line);
      // The run's curve, across every session that resumed it.
      await appendFile(join(outDir, TRAIN_LOG_FILE), `${new Date().toISOString()} ${line}\n`);
    };
    await appendFile(join(outDir, TRAIN_LOG_FILE), `${new Date().toISOString()} ${checkpoint ? 'resume' : 'start'}: step ${steps}\n`);
    const every = request.checkpointEvery ?? { minutes: 10 };
    const due = () =>
      'tokens' in every ? (steps - lastCheckpoint.steps) * perStep >= every.tokens : performance.now() - lastCheckpoint.at >= every.minutes * 60e3;

    for (let batch = stream.next(); batch !== null; batch = stream.next()) {
      const stepLoss = trainer.step(batch);
      // A running mean over about the last 20 steps, as the bar shows it.
      loss = Number.isNaN(loss) ? stepLoss : loss + (stepLoss - loss) / 20;
      steps++;
      const seconds = (performance.now() - started) / 1000;
      request.onStep?.({
        steps, totalSteps, loss,
        tokensPerSecond: ((steps - startSteps) * perStep) / seconds,
        sessionSteps: steps - startSteps, sessionTotal: totalSteps - startSteps,
      });
      if (due()) await saveCheckpoint();
    }
    if (steps === 0) {
      throw new Error(`${input} gives no full batch: batch-size × unroll = ${perStep} steps, the text has ${corpus.tokenCount + corpus.sentenceCount}; use a smaller --batch-size or --unroll`);
    }
    if (lastCheckpoint.steps !== steps) await saveCheckpoint();
    const seconds = (performance.now() - started) / 1000;
    return { steps, tokens: steps * perStep, sessionTokens: (steps - startSteps) * perStep, seconds };
  } finally {
    trainer.dispose();
  }
}
