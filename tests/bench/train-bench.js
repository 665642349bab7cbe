/**
 * Training benchmark (`npm run bench:train`): tokens/s of one training step
 * (batch × unroll positions) of the native trainer, on the small default shape
 * and on AllenNLP's small shape (tests/bench/bench_train.c), built in Release
 * under build/release. Prints a table and writes out/bench/train.md.
 *
 * Arguments: --steps=N (timed steps per shape, default 5), --shapes=a,b.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SHAPES = ['small-default', 'allennlp-small'];
/** Tokens/s the PyTorch 1.13 + OpenBLAS baseline reached on one thread, small-default only. */
const PYTORCH_ONE_THREAD = '1,100-1,200';

/** @param {string} name */
function arg(name) {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : undefined;
}

function buildNative() {
  const dir = `${root}build/release`;
  execFileSync('cmake', ['-S', root, '-B', dir, '-DCMAKE_BUILD_TYPE=Release'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('cmake', ['--build', dir, '-j', '2', '--target', 'bench_train'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return `${dir}/bench_train`;
}

/**
 * @param {string} binary
 * @param {string} shape
 * @param {number} steps
 */
function runNative(binary, shape, steps) {
  const line = execFileSync(binary, [shape, String(steps)], { encoding: 'utf8' }).trim();
  const [, name, tokensPerSecond, secondsPerStep] = line.split(/\s+/);
  if (name !== shape) throw new Error(`bench_train printed "${line}"`);
  return { tokensPerSecond: Number(tokensPerSecond), secondsPerStep: Number(secondsPerStep) };
}

const steps = Number(arg('steps') ?? 5);
const shapes = (arg('shapes') ?? SHAPES.join(',')).split(',');
const binary = buildNative();
const rows = shapes.map((shape) => {
  const native = runNative(binary, shape, steps);
  return `| ${shape} | 64×20 | ${native.tokensPerSecond.toFixed(0)} | ${native.secondsPerStep.toFixed(2)} | ${shape === 'small-default' ? PYTORCH_ONE_THREAD : '—'} |`;
});
const table = [
  '| shape | batch×unroll | native 1 thread tokens/s | s/step | PyTorch 1 thread (issue 11) |',
  '| --- | --- | --- | --- | --- |',
  ...rows,
].join('\n');
const about = `${steps} timed steps per shape after one warm-up, vocabulary 50,000; ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`;
console.log(`${table}\n\n${about}`);
mkdirSync(`${root}out/bench`, { recursive: true });
writeFileSync(`${root}out/bench/train.md`, `${table}\n\n${about}\n`);
