/**
 * Training benchmark (`npm run bench:train`): tokens/s of one training step
 * (batch × unroll positions, 64 × 20, vocabulary 50,000) of the native
 * trainer (tests/bench/bench_train.c, built in Release for the host's
 * instruction set under build/release-native) on 1 and 2 threads, of the
 * wasm trainer (js/train/trainer.js, SIMD) on 1 and 2 threads, and of the same step in PyTorch 1.13 on 1 and 2 threads
 * (tests/bench/train-step-torch.py, when /usr/bin/python3 has torch), on the
 * small default shape of `elmo-wasm train` and on AllenNLP's small shape.
 * Random tokens and targets. Prints a table and writes out/bench/train.md.
 *
 * Arguments: --steps=N (timed steps per cell after one warm-up, default 3),
 * --shapes=small-default,allennlp-small.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Trainer } from '../../js/train/trainer.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../js/node/train/train-run.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const VOCAB = 50_000;
const BATCH = 64;
const UNROLL = 20;

/** The shapes: options.json (bilm-tf's keys) and the sampled negatives. */
const SHAPES = {
  'small-default': { options: DEFAULT_TRAIN_OPTIONS, negatives: 4096 },
  'allennlp-small': {
    options: {
      char_cnn: {
        embedding: { dim: 16 },
        filters: [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256], [6, 512], [7, 1024]],
        n_highway: 1, n_characters: 261, max_characters_per_token: 50, activation: 'relu',
      },
      lstm: { dim: 1024, projection_dim: 128, n_layers: 2, use_skip_connections: true, cell_clip: 3, proj_clip: 3 },
    },
    negatives: 8192,
  },
};
/** Tokens/s issue 11 gives for PyTorch 1.13 + OpenBLAS on one thread, small-default, on another machine. */
const ISSUE_PYTORCH_ONE_THREAD = '1,100-1,200';
const PYTHON = '/usr/bin/python3';

/** @param {string} name */
function arg(name) {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : undefined;
}

function buildNative() {
  // -march=native: the peer's BLAS picks the host's widest vectors at run time; simde then emits VEX forms too.
  const dir = `${root}build/release-native`;
  execFileSync('cmake', ['-S', root, '-B', dir, '-DCMAKE_BUILD_TYPE=Release', '-DELMO_NATIVE_ARCH=ON'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('cmake', ['--build', dir, '-j', '2', '--target', 'bench_train'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return `${dir}/bench_train`;
}

/** Whether bench_train takes a thread count, by its usage line ("… [steps] [threads]"). */
function nativeTakesThreads(binary) {
  return /\[threads\]/.test(spawnSync(binary, [], { encoding: 'utf8' }).stderr);
}

/**
 * @param {string} binary
 * @param {{ options: object, negatives: number }} shape
 * @param {number} steps
 * @param {number} [threads] passed only when given
 */
function runNative(binary, shape, steps, threads) {
  const args = [JSON.stringify(shape.options), String(shape.negatives), String(steps)];
  if (threads !== undefined) args.push(String(threads));
  const line = execFileSync(binary, args, { encoding: 'utf8' }).trim();
  const [label, tokensPerSecond] = line.split(/\s+/);
  if (label !== 'bench_train') throw new Error(`bench_train printed "${line}"`);
  return Number(tokensPerSecond);
}

/** Whether the PyTorch peer can run: /usr/bin/python3 imports torch. */
function hasTorch() {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/**
 * The PyTorch step on `threads` threads: tokens/s, or the reason it did not run.
 * @param {{ options: object, negatives: number }} shape
 * @param {number} steps
 * @param {number} threads
 * @returns {{ tokensPerSecond: number, torch: string, blas: string } | { error: string }}
 */
function runTorch(shape, steps, threads) {
  const run = spawnSync(PYTHON, [`${root}tests/bench/train-step-torch.py`, '--options', JSON.stringify(shape.options),
    '--negatives', String(shape.negatives), '--steps', String(steps), '--threads', String(threads),
    '--vocab', String(VOCAB), '--batch', String(BATCH), '--unroll', String(UNROLL)], { encoding: 'utf8' });
  const [label, tokensPerSecond, , , torch, blas] = run.stdout.trim().split(/\s+/);
  if (run.status !== 0 || label !== 'train_step_torch') {
    return { error: (run.stderr.trim().split('\n').pop() || `exit ${run.status ?? run.signal}`).replace(/\|/g, '/') };
  }
  return { tokensPerSecond: Number(tokensPerSecond), torch, blas };
}

/** A batch of random words and targets in the form js/train/batches.js gives. */
function randomBatch() {
  const n = BATCH * UNROLL;
  let seed = 1;
  const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
  const encoder = new TextEncoder();
  const words = Array.from({ length: n }, (_, u) => {
    const len = 3 + (next() >>> 16) % 7;
    return Array.from({ length: len }, (_, i) => String.fromCharCode(97 + ((u * 7 + i * 13) % 26))).join('');
  });
  // Entries 0 and 1 are <S> and </S>, without bytes (batches.js's convention).
  const pieces = words.map((w) => encoder.encode(w));
  const bytes = new Uint8Array(pieces.reduce((a, p) => a + p.length, 0));
  const offsets = new Uint32Array(n + 3);
  let at = 0;
  pieces.forEach((p, i) => {
    bytes.set(p, at);
    at += p.length;
    offsets[i + 3] = at;
  });
  const direction = () => ({
    inputs: Int32Array.from({ length: n }, () => 2 + (next() >>> 8) % n),
    targets: Int32Array.from({ length: n }, () => (next() >>> 4) % VOCAB),
  });
  return { index: 0, epoch: 1, tokens: { bytes, offsets, count: n + 2 }, forward: direction(), backward: direction() };
}

/**
 * @param {{ options: object, negatives: number }} shape
 * @param {number} steps
 * @param {1 | 2} [threads]
 */
async function runWasm(shape, steps, threads = 1) {
  const trainer = await Trainer.create({
    options: shape.options,
    vocabSize: VOCAB,
    params: { batchSize: BATCH, unroll: UNROLL, negatives: shape.negatives },
    threads,
  });
  try {
    const batch = randomBatch();
    trainer.step(batch); // warm-up
    const started = performance.now();
    for (let s = 0; s < steps; s++) trainer.step(batch);
    return (steps * BATCH * UNROLL) / ((performance.now() - started) / 1000);
  } finally {
    trainer.dispose();
  }
}

const steps = Number(arg('steps') ?? 3);
const names = (arg('shapes') ?? Object.keys(SHAPES).join(',')).split(',');
const binary = buildNative();
const nativeThreads = nativeTakesThreads(binary);
const torch = hasTorch();
/** @type {string[]} */
const notes = [];
/** @param {string} note its footnote number, added once */
const mark = (note) => {
  if (!notes.includes(note)) notes.push(note);
  return ` [${notes.indexOf(note) + 1}]`;
};
const rows = [];
/** @type {Set<string>} */
const torchBuilds = new Set();
for (const name of names) {
  const shape = SHAPES[/** @type {keyof typeof SHAPES} */ (name)];
  if (!shape) throw new Error(`unknown shape "${name}"; shapes: ${Object.keys(SHAPES).join(', ')}`);
  const native = runNative(binary, shape, steps);
  const native2 = nativeThreads
    ? runNative(binary, shape, steps, 2).toFixed(0)
    : `—${mark('bench_train takes no thread count yet (its usage line has no [threads]).')}`;
  const wasm = await runWasm(shape, steps);
  const wasm2 = await runWasm(shape, steps, 2);
  const cells = [];
  for (const threads of [1, 2]) {
    if (!torch) {
      cells.push(`—${mark(`no PyTorch: \`${PYTHON} -c "import torch"\` failed (\`npm run bench:train\` installs python3-torch).`)}`);
      continue;
    }
    const r = runTorch(shape, steps, threads);
    if ('error' in r) {
      cells.push(`not run${mark(`the PyTorch peer failed: ${r.error}`)}`);
    } else {
      torchBuilds.add(`torch ${r.torch} on ${r.blas}`);
      cells.push(r.tokensPerSecond.toFixed(0));
    }
  }
  rows.push(`| ${name} | ${BATCH}×${UNROLL} | ${shape.negatives} | ${native.toFixed(0)} | ${native2} | ${wasm.toFixed(0)} | ${wasm2.toFixed(0)} | ${cells.join(' | ')} |`);
}
const table = [
  '| shape | batch×unroll | negatives | native 1 thread | native 2 threads | wasm SIMD 1 thread | wasm SIMD 2 threads | PyTorch 1.13 1 thread | PyTorch 1.13 2 threads |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows,
].join('\n');
const about = [
  `Tokens/s (batch × unroll positions per step), ${steps} timed steps per cell after one warm-up, vocabulary ${VOCAB.toLocaleString('en')}, all cells measured in this run one after another; ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
  `PyTorch: tests/bench/train-step-torch.py, the same network, recipe and token table${torchBuilds.size ? ` (${[...torchBuilds].join('; ')})` : ''}. Issue 11 gives ${ISSUE_PYTORCH_ONE_THREAD} tokens/s for PyTorch 1.13 + OpenBLAS on one thread, small-default, measured on another machine.`,
  ...notes.map((n, i) => `[${i + 1}] ${n}`),
].join('\n\n');
console.log(`${table}\n\n${about}`);
mkdirSync(`${root}out/bench`, { recursive: true });
writeFileSync(`${root}out/bench/train.md`, `${table}\n\n${about}\n`);
