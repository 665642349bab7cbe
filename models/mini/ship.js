#!/usr/bin/env node
/**
 * Ships a checkpoint of the mini model's training run into models/mini/:
 *
 *   node models/mini/ship.js [--run out/train/mini] [--corpus out/corpus/mini]
 *
 * Converts the run's bilm-tf files into models/mini/model (float32, with its
 * softmax and vocabulary, so that it can be fine-tuned), keeps a fixed slice
 * of the held-out split (models/mini/heldout-slice.txt), and measures what
 * the model card says: perplexity on that slice and on the whole held-out
 * and test splits, sense accuracy per layer (examples/word-senses.json), how
 * far float16 and int8 copies move the vectors, and the training's steps,
 * tokens and hours (from the run's train-log.txt). Writes model-card.json and
 * SHA256SUMS; tests/js/shipped-model.test.js checks both.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Elmo } from '../../js/index.js';
import { convertModel } from '../../js/node/convert/convert.js';
import { TRAIN_LOG_FILE } from '../../js/node/train/train-run.js';
import { measureSenses, senseExamples } from '../../examples/word-senses.js';
import { ROOT } from './recipe/install.js';

export const MINI = join(ROOT, 'models', 'mini');
export const MODEL_DIR = join(MINI, 'model');
export const SLICE_FILE = join(MINI, 'heldout-slice.txt');
export const CARD_FILE = join(MINI, 'model-card.json');
export const SUMS_FILE = join(MINI, 'SHA256SUMS');
/** The held-out split's first sentences: small enough for a test, fixed so that its perplexity is a check. */
const SLICE_SENTENCES = 200;

/** @param {string} text @returns {string[][]} one whitespace-tokenized sentence a line */
const sentencesOf = (text) => text.split('\n').map((l) => l.split(' ').filter(Boolean)).filter((s) => s.length > 0);

/**
 * Steps, tokens and hours of a run, from its train-log.txt: a session lasts
 * from its start (or resume) line to its last checkpoint.
 * @param {string} log
 */
export function trainingSummary(log) {
  let hours = 0;
  let startedAt = NaN;
  let last = { at: NaN, steps: 0, tokens: 0, loss: NaN };
  for (const line of log.split('\n').filter(Boolean)) {
    const at = Date.parse(line.slice(0, line.indexOf(' ')));
    if (/ (start|resume): /.test(line)) {
      if (!Number.isNaN(startedAt) && last.at > startedAt) hours += (last.at - startedAt) / 3.6e6;
      startedAt = at;
      continue;
    }
    const m = /checkpoint: step (\d+), (\d+) tokens, loss ([\d.]+)/.exec(line);
    if (m) last = { at, steps: Number(m[1]), tokens: Number(m[2]), loss: Number(m[3]) };
  }
  if (!Number.isNaN(startedAt) && last.at > startedAt) hours += (last.at - startedAt) / 3.6e6;
  return { steps: last.steps, tokens: last.tokens, trainingLoss: last.loss, hours: Number(hours.toFixed(2)) };
}

/** @param {string} dir @returns {Promise<string[]>} every file below `dir`, relative to MINI, sorted */
async function filesBelow(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(MINI, join(e.parentPath ?? e.path, e.name))).sort();
}

/** @param {string[]} files relative to MINI @returns {Promise<string>} sha256sum's format */
async function sha256sums(files) {
  const lines = [];
  for (const file of files) lines.push(`${createHash('sha256').update(await readFile(join(MINI, file))).digest('hex')}  ${file}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The largest difference, over the slice's vectors (all layers), between a
 * quantized copy of the model and the float32 one.
 * @param {string} optionsPath
 * @param {string} weightsPath
 * @param {string[][]} sentences
 * @param {Float32Array[]} reference
 */
async function quantizationError(optionsPath, weightsPath, sentences, reference) {
  const scratch = await mkdtemp(join(tmpdir(), 'elmo-mini-ship-'));
  try {
    /** @type {Record<string, { maxAbsDiff: number, weightMB: number }>} */
    const out = {};
    for (const dtype of /** @type {const} */ (['float16', 'int8'])) {
      const dir = join(scratch, dtype);
      const manifest = await convertModel(optionsPath, weightsPath, dir, { dtype, name: 'elmo-wasm-mini' });
      const elmo = await Elmo.load(dir);
      try {
        const got = await elmo.embed(sentences);
        let worst = 0;
        got.forEach((e, i) => e.data.forEach((x, k) => (worst = Math.max(worst, Math.abs(x - reference[i][k])))));
        out[dtype] = { maxAbsDiff: Number(worst.toPrecision(3)), weightMB: Number((manifest.weights.byteLength / 1e6).toFixed(1)) };
      } finally {
        elmo.dispose();
      }
    }
    return out;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({ options: { run: { type: 'string', default: 'out/train/mini' }, corpus: { type: 'string', default: 'out/corpus/mini' } } });
  const run = resolve(ROOT, /** @type {string} */ (values.run));
  const corpus = resolve(ROOT, /** @type {string} */ (values.corpus));
  const optionsPath = join(run, 'options.json');
  const weightsPath = join(run, 'weights.hdf5');
  // Everything read first, so that a missing file fails before the minutes of measuring.
  const training = trainingSummary(await readFile(join(run, TRAIN_LOG_FILE), 'utf8'));
  const options = JSON.parse(await readFile(optionsPath, 'utf8'));
  const sources = JSON.parse(await readFile(join(corpus, 'sources.json'), 'utf8'));
  const testText = await readFile(join(corpus, 'test.txt'), 'utf8');
  const senseData = JSON.parse(await readFile(join(ROOT, 'examples', 'word-senses.json'), 'utf8'));

  const manifest = await convertModel(optionsPath, weightsPath, MODEL_DIR, {
    name: 'elmo-wasm-mini',
    softmaxPath: join(run, 'softmax.hdf5'),
    vocabPath: join(run, 'vocab.txt'),
  });
  const heldout = await readFile(join(corpus, 'heldout.txt'), 'utf8');
  const slice = heldout.split('\n').slice(0, SLICE_SENTENCES);
  await writeFile(SLICE_FILE, `${slice.join('\n')}\n`);

  const elmo = await Elmo.load(MODEL_DIR);
  let card;
  try {
    const sliceSentences = sentencesOf(slice.join('\n'));
    const round = (/** @type {import('../../js/train/perplexity.js').Perplexity} */ p) => ({
      forward: Number(p.forward.toFixed(3)), backward: Number(p.backward.toFixed(3)), average: Number(p.average.toFixed(3)), predictions: p.predictions,
    });
    const perplexity = {
      heldoutSlice: round(await elmo.perplexity(sliceSentences)),
      heldout: round(await elmo.perplexity(sentencesOf(heldout))),
      test: round(await elmo.perplexity(sentencesOf(testText))),
    };
    const senses = (await measureSenses(elmo, senseExamples(senseData))).map(({ layer, accuracy, separation }) => ({
      layer, accuracy: Number(accuracy.toFixed(4)), separation: Number(separation.toFixed(4)),
    }));
    const reference = (await elmo.embed(sliceSentences.slice(0, 50))).map((e) => e.data);
    const quantized = await quantizationError(optionsPath, weightsPath, sliceSentences.slice(0, 50), reference);
    card = {
      name: 'elmo-wasm-mini',
      options,
      vocabularySize: manifest.vocab?.words,
      weightMB: Number((manifest.weights.byteLength / 1e6).toFixed(1)),
      softmaxMB: Number(((manifest.softmax?.byteLength ?? 0) / 1e6).toFixed(1)),
      training,
      perplexity,
      senses,
      quantized,
      sources,
    };
  } finally {
    elmo.dispose();
  }
  await writeFile(CARD_FILE, `${JSON.stringify(card, null, 2)}\n`);
  const files = [...(await filesBelow(MODEL_DIR)), relative(MINI, SLICE_FILE)];
  await writeFile(SUMS_FILE, await sha256sums(files));
  console.log(JSON.stringify({ ...card, options: undefined, sources: undefined }, null, 2));
}

if (process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  main().catch((error) => {
    console.error(`ship: ${error.stack ?? error.message}`);
    process.exit(1);
  });
}
