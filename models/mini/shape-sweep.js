#!/usr/bin/env node
/**
 * How the mini model's shape was chosen: trains each candidate shape on the
 * mini corpus with the mini recipe (vocabulary, negatives, batch, seed of
 * .ci/train-mini) for the same wall-clock minutes on this machine, one after
 * the other so that each has both cores, and prints held-out perplexity
 * against minutes of training:
 *
 *   node models/mini/shape-sweep.js [--minutes 15] [--every 5] [--shapes lstm256,lstm512]
 *
 * Runs go to out/sweep/<shape>; a run that already reached its last
 * checkpoint is read, not retrained (a session may end mid-sweep; a
 * half-finished run starts over, since its minutes must be uninterrupted).
 * The table goes to stdout and out/sweep/results.md.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TRAIN_LOG_FILE } from '../../js/node/train/train-run.js';
import { ROOT } from './recipe/install.js';

const CORPUS = join(ROOT, 'out', 'corpus', 'mini');
const OUT = join(ROOT, 'out', 'sweep');
const VOCAB_SIZE = 40000;

const CHAR_CNN = {
  embedding: { dim: 16 }, filters: [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256]],
  n_highway: 1, n_characters: 262, max_characters_per_token: 50, activation: 'relu',
};
/** @param {number} dim @param {number} projection */
const lstm = (dim, projection) => ({ dim, projection_dim: projection, n_layers: 2, use_skip_connections: true, cell_clip: 3, proj_clip: 3 });

/** The candidates: `train`'s default (lstm512) and its neighbours in LSTM width and projection. */
export const SHAPES = Object.freeze({
  lstm256: { lstm: lstm(256, 128), char_cnn: CHAR_CNN },
  lstm512: { lstm: lstm(512, 128), char_cnn: CHAR_CNN },
  lstm1024: { lstm: lstm(1024, 128), char_cnn: CHAR_CNN },
  'lstm512-proj256': { lstm: lstm(512, 256), char_cnn: CHAR_CNN },
});

/**
 * Trainable parameters of a biLM with a softmax over `vocabSize` words.
 * @param {typeof SHAPES[keyof typeof SHAPES]} options
 * @param {number} vocabSize
 */
export function parameterCount({ lstm: l, char_cnn: c }, vocabSize) {
  const filters = c.filters.reduce((sum, [, n]) => sum + n, 0);
  const cnn = c.n_characters * c.embedding.dim + c.filters.reduce((sum, [w, n]) => sum + w * c.embedding.dim * n + n, 0);
  const highway = c.n_highway * (filters * 2 * filters + 2 * filters);
  const projection = filters * l.projection_dim + l.projection_dim;
  // Per layer and direction: gates from [input; h] (both projection_dim), their bias, the cell's projection.
  const layer = 2 * l.projection_dim * 4 * l.dim + 4 * l.dim + l.dim * l.projection_dim;
  const softmax = vocabSize * l.projection_dim + vocabSize;
  return cnn + highway + projection + 2 * l.n_layers * layer + softmax;
}

/**
 * Minutes since the run's start, tokens and held-out perplexity at each checkpoint of a train-log.txt.
 * @param {string} log
 */
export function checkpointsOf(log) {
  const lines = log.split('\n').filter(Boolean);
  const startedAt = Date.parse(lines[0]?.slice(0, lines[0].indexOf(' ')) ?? '');
  return lines.flatMap((line) => {
    const m = /checkpoint: step (\d+), (\d+) tokens, .*held-out perplexity ([\d.]+) \(forward ([\d.]+), backward ([\d.]+)\)/.exec(line);
    if (!m) return [];
    const minutes = (Date.parse(line.slice(0, line.indexOf(' '))) - startedAt) / 60e3;
    return [{ minutes, steps: Number(m[1]), tokens: Number(m[2]), average: Number(m[3]), forward: Number(m[4]), backward: Number(m[5]) }];
  });
}

/**
 * Whether a finished run in `run` trained `options` (the run's options.json is what `train` used).
 * @param {string} run
 * @param {typeof SHAPES[keyof typeof SHAPES]} options
 */
async function sameShape(run, options) {
  const used = JSON.parse(await readFile(join(run, 'options.json'), 'utf8'));
  return used.lstm.dim === options.lstm.dim && used.lstm.projection_dim === options.lstm.projection_dim
    && JSON.stringify(used.char_cnn.filters) === JSON.stringify(options.char_cnn.filters) && used.char_cnn.n_highway === options.char_cnn.n_highway;
}

/**
 * Trains one shape until its log has `count` checkpoints, then stops it.
 * @param {string} name
 * @param {number} every minutes between checkpoints
 * @param {number} count
 */
async function train(name, every, count) {
  const run = join(OUT, name);
  const logFile = join(run, TRAIN_LOG_FILE);
  const options = SHAPES[/** @type {keyof typeof SHAPES} */ (name)];
  if (existsSync(logFile) && checkpointsOf(await readFile(logFile, 'utf8')).length >= count && (await sameShape(run, options))) return;
  await rm(run, { recursive: true, force: true });
  await mkdir(run, { recursive: true });
  const optionsFile = join(OUT, `${name}.options.json`);
  await writeFile(optionsFile, JSON.stringify(options));
  const args = [join(ROOT, 'js', 'node', 'cli.js'), 'train', join(CORPUS, 'train.txt'), run, '--options', optionsFile,
    '--vocab-size', String(VOCAB_SIZE), '--negatives', '4096', '--batch-size', '128', '--unroll', '20', '--epochs', '3', '--seed', '1',
    '--heldout', join(CORPUS, 'heldout-500.txt'), '--checkpoint-every', String(every)];
  process.stderr.write(`${name}: training for ${count} checkpoints of ${every} minutes\n`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((done) => child.on('exit', done));
  for (;;) {
    const ended = await Promise.race([exited.then(() => true), new Promise((done) => setTimeout(() => done(false), 5000))]);
    const reached = existsSync(logFile) && checkpointsOf(await readFile(logFile, 'utf8')).length >= count;
    if (reached) break;
    if (ended) throw new Error(`${name}: the trainer exited (code ${child.exitCode}) before its checkpoint ${count}`);
  }
  child.kill('SIGTERM');
  await exited;
}

async function main() {
  const { values } = parseArgs({ options: {
    minutes: { type: 'string', default: '15' }, every: { type: 'string', default: '5' }, shapes: { type: 'string', default: Object.keys(SHAPES).join(',') },
  } });
  const [minutes, every] = [Number(values.minutes), Number(values.every)];
  const names = /** @type {string} */ (values.shapes).split(',');
  const unknown = names.filter((n) => !(n in SHAPES));
  if (unknown.length > 0) throw new Error(`unknown shape ${unknown.join(', ')}; the shapes are ${Object.keys(SHAPES).join(', ')}`);
  if (!(every > 0 && minutes >= every)) throw new Error(`--every (${values.every}) must be a positive number of minutes, at most --minutes (${values.minutes})`);
  if (!existsSync(join(CORPUS, 'heldout-500.txt'))) throw new Error(`no ${join(CORPUS, 'heldout-500.txt')}: run \`npm run corpus:mini\` and \`head -n 500 ${join(CORPUS, 'heldout.txt')} > ${join(CORPUS, 'heldout-500.txt')}\``);
  const count = Math.floor(minutes / every);
  for (const name of names) await train(name, every, count);

  const header = ['shape', 'LSTM / projection', 'parameters', 'tokens/s', ...Array.from({ length: count }, (_, i) => `perplexity at ~${(i + 1) * every} min`)];
  const rows = [];
  for (const name of names) {
    const shape = SHAPES[/** @type {keyof typeof SHAPES} */ (name)];
    const points = checkpointsOf(await readFile(join(OUT, name, TRAIN_LOG_FILE), 'utf8')).slice(0, count);
    const last = points[points.length - 1];
    rows.push([name, `${shape.lstm.dim} / ${shape.lstm.projection_dim}`, `${(parameterCount(shape, VOCAB_SIZE) / 1e6).toFixed(1)}M`,
      (last.tokens / (last.minutes * 60)).toFixed(0), ...points.map((p) => `${p.average.toFixed(1)} (${p.minutes.toFixed(1)} min)`)]);
  }
  const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  const text = `Shape sweep: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), held-out perplexity on the held-out split's first 500 sentences; tokens/s counts the checkpoints' evaluation time too.\n\n${table}\n`;
  await writeFile(join(OUT, 'results.md'), text);
  process.stdout.write(text);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    process.stderr.write(`shape-sweep: ${error.message}\n`);
    process.exit(1);
  });
}
