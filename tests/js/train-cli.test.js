/**
 * `elmo-wasm train` as a user runs it, on a tiny shape: the loss and the
 * held-out perplexity fall, the out-dir is a model `convert` reads, a run
 * killed with SIGKILL after a checkpoint and resumed ends bit-identical to an
 * uninterrupted one (on 1 thread or 2), and bad input is refused clearly with the last
 * checkpoint left as it was.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { convertModel } from '../../js/node/convert/convert.js';
import { readBilmWeights } from '../../js/node/train/bilm-hdf5.js';
import { elmoWasm } from './run-cli.js';

const cli = fileURLToPath(new URL('../../js/node/cli.js', import.meta.url));
const options = {
  char_cnn: { activation: 'relu', embedding: { dim: 4 }, filters: [[1, 4], [2, 8]], max_characters_per_token: 10, n_characters: 261, n_highway: 1 },
  lstm: { cell_clip: 3, dim: 16, n_layers: 2, proj_clip: 3, projection_dim: 8, use_skip_connections: true },
};
const sentences = ['the cat sat on the mat', 'the dog sat on the log', 'a cat and a dog', 'the mat and the log', 'a dog sat on a cat'];

/** @type {string} */
let dir;
/** @type {string[]} the common arguments of a run on text.txt */
let run;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'elmo-train-cli-'));
  await writeFile(join(dir, 'options.json'), JSON.stringify(options));
  await writeFile(join(dir, 'text.txt'), `${Array(8).fill(sentences.join('\n')).join('\n')}\n`);
  await writeFile(join(dir, 'heldout.txt'), `${sentences.slice(0, 3).join('\n')}\n`);
  run = ['--options', join(dir, 'options.json'), '--batch-size', '4', '--unroll', '5', '--negatives', '6', '--seed', '11'];
});
after(() => rm(dir, { recursive: true, force: true }));

/** @param {string} stderr */
const checkpointLines = (stderr) => stderr.split('\n').filter((l) => l.startsWith('checkpoint:'));

test('the loss and the held-out perplexity fall; the out-dir holds a model convert reads', async () => {
  const out = join(dir, 'learn');
  const { code, stdout, stderr } = await elmoWasm('train', join(dir, 'text.txt'), out, ...run, '--epochs', '12', '--heldout', join(dir, 'heldout.txt'), '--checkpoint-every', '400tokens');
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^trained \d+ steps \(\d+ tokens\)/);
  const lines = checkpointLines(stderr);
  assert.ok(lines.length >= 4, stderr);
  const loss = lines.map((l) => Number(/loss (\S+),/.exec(l)?.[1]));
  const heldout = lines.map((l) => Number(/held-out perplexity (\S+) /.exec(l)?.[1]));
  assert.ok(loss.at(-1) < 0.8 * loss[0], `loss ${loss.join(' ')}`);
  assert.ok(heldout.at(-1) < 0.7 * heldout[0], `held-out perplexity ${heldout.join(' ')}`);

  const vocab = (await readFile(join(out, 'vocab.txt'), 'utf8')).split('\n');
  assert.deepEqual(vocab.slice(0, 4), ['<S>', '</S>', '<UNK>', 'the']);
  assert.equal(JSON.parse(await readFile(join(out, 'options.json'), 'utf8')).char_cnn.n_characters, 262);
  const manifest = await convertModel(join(out, 'options.json'), join(out, 'weights.hdf5'), join(dir, 'learn-converted'));
  assert.ok(manifest.weights.tensors.length > 10);
  const p = await elmoWasm('perplexity', out, join(dir, 'heldout.txt'));
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout.trim().split('\n').at(-1) ?? '', new RegExp(`^perplexity forward \\S+ backward \\S+ average ${heldout.at(-1).toFixed(3)} \\(40 predictions\\)$`));

  // Fine-tuning starts from the trained weights: one step at a tiny rate measures what the model measured.
  const tuned = join(dir, 'tuned');
  const f = await elmoWasm('train', join(dir, 'heldout.txt'), tuned, '--init-from', out, '--batch-size', '2', '--unroll', '5', '--tokens', '10', '--lr', '1e-9', '--heldout', join(dir, 'heldout.txt'));
  assert.equal(f.code, 0, f.stderr);
  assert.match(checkpointLines(f.stderr)[0], new RegExp(`held-out perplexity ${heldout.at(-1).toFixed(3)} `));
  assert.equal(await readFile(join(tuned, 'vocab.txt'), 'utf8'), await readFile(join(out, 'vocab.txt'), 'utf8'));
  // The same from the model converted with its softmax and vocabulary (as models/mini/model ships).
  const shipped = join(dir, 'learn-shipped');
  await convertModel(join(out, 'options.json'), join(out, 'weights.hdf5'), shipped, { softmaxPath: join(out, 'softmax.hdf5'), vocabPath: join(out, 'vocab.txt') });
  const g = await elmoWasm('train', join(dir, 'heldout.txt'), join(dir, 'tuned-shipped'), '--init-from', shipped, '--batch-size', '2', '--unroll', '5', '--tokens', '10', '--lr', '1e-9', '--heldout', join(dir, 'heldout.txt'));
  assert.equal(g.code, 0, g.stderr);
  assert.equal(checkpointLines(g.stderr)[0], checkpointLines(f.stderr)[0]);
  const q = await elmoWasm('perplexity', shipped, join(dir, 'heldout.txt'));
  assert.equal(q.stdout.trim().split('\n').at(-1), p.stdout.trim().split('\n').at(-1));
  const bare = await elmoWasm('train', join(dir, 'heldout.txt'), join(dir, 'tuned-bare'), '--init-from', join(dir, 'learn-converted'));
  assert.equal(bare.code, 1);
  assert.match(bare.stderr, /learn-converted has no softmax and vocabulary to train from: convert the model with --softmax/);
  await writeFile(join(dir, 'wider.json'), JSON.stringify({ ...options, lstm: { ...options.lstm, dim: 32 } }));
  const wider = await elmoWasm('train', join(dir, 'heldout.txt'), join(dir, 'wider'), '--init-from', out, '--options', join(dir, 'wider.json'));
  assert.equal(wider.code, 1);
  assert.match(wider.stderr, /wider\.json does not match the model of --init-from .*: lstm\.dim is 32 there, 16 in the model/);
});

/**
 * Starts a run and kills it with SIGKILL once it has reported a checkpoint.
 * @param {string[]} args
 * @returns {Promise<{ signal: string | null, stderr: string }>}
 */
function killAfterCheckpoint(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args]);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s) => {
      stderr += s;
      if (checkpointLines(stderr).length > 0) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ signal, stderr }));
  });
}

test('a run killed with SIGKILL after a checkpoint and resumed ends bit-identical to an uninterrupted one, on 1 thread or 2', async () => {
  const text = join(dir, 'text.txt');
  const whole = join(dir, 'whole');
  const budget = ['--tokens', '8000', '--checkpoint-every', '1600tokens'];
  const a = await elmoWasm('train', text, whole, ...run, ...budget, '--threads', '1');
  assert.equal(a.code, 0, a.stderr);

  // killed on 2 threads, resumed on 1: the threads change no bit
  const killed = join(dir, 'killed');
  const k = await killAfterCheckpoint(['train', text, killed, ...run, ...budget, '--threads', '2']);
  assert.equal(k.signal, 'SIGKILL', `the run ended before it could be killed: ${k.stderr}`);
  const b = await elmoWasm('train', text, killed, '--resume', '--checkpoint-every', '1600tokens', '--threads', '1');
  assert.equal(b.code, 0, b.stderr);
  const resumed = /^trained 400 steps \(8000 tokens\), (\d+) in /.exec(b.stdout);
  assert.ok(resumed && Number(resumed[1]) < 8000, `the resumed run continued from a checkpoint: ${b.stdout}`);
  for (const file of ['checkpoint.bin', 'vocab.txt', 'options.json']) {
    assert.ok((await readFile(join(killed, file))).equals(await readFile(join(whole, file))), `${file} differs`);
  }
  const resumedWeights = await readBilmWeights(join(killed, 'weights.hdf5'));
  for (const [name, t] of await readBilmWeights(join(whole, 'weights.hdf5'))) assert.deepEqual(resumedWeights.get(name)?.data, t.data, name);
});

test('bad input: a clear error naming what was wrong, the last checkpoint intact', async () => {
  const out = join(dir, 'bad');
  const first = await elmoWasm('train', join(dir, 'text.txt'), out, ...run);
  assert.equal(first.code, 0, first.stderr);
  const saved = await readFile(join(out, 'checkpoint.bin'));

  await writeFile(join(dir, 'empty.txt'), '');
  await writeFile(join(dir, 'binary.txt'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256)));
  await writeFile(join(dir, 'other.txt'), 'an entirely different text\n');
  await writeFile(join(dir, 'novocab.txt'), 'the\ncat\n<UNK>\n');
  const cases = [
    [['train', join(dir, 'empty.txt'), out, '--resume'], /empty\.txt.*(empty|no sentences)/i],
    [['train', join(dir, 'binary.txt'), out, '--resume'], /binary\.txt.*(binary|not UTF-8)/],
    [['train', join(dir, 'empty.txt'), join(dir, 'fresh'), ...run], /empty\.txt is empty/],
    [['train', join(dir, 'binary.txt'), join(dir, 'fresh'), ...run], /binary\.txt: NUL byte at offset \d+: this is binary data, not text/],
    [['train', join(dir, 'text.txt'), join(dir, 'options.json'), ...run], /out-dir .*options\.json cannot be written: EEXIST/],
    [['train', join(dir, 'other.txt'), out, '--resume'], /another text/],
    [['train', join(dir, 'text.txt'), out, ...run], /already holds a training run.*--resume/],
    [['train', join(dir, 'text.txt'), join(dir, 'fresh'), ...run, '--vocab', join(dir, 'novocab.txt')], /novocab\.txt: missing the special tokens? <S>, <\/S>/],
    [['train', join(dir, 'text.txt'), join(dir, 'text.txt', 'out'), ...run], /out-dir .*text\.txt\/out cannot be written/],
    [['train', join(dir, 'text.txt'), out, '--resume', '--lr', '0.1'], /drop --lr/],
    [['train', join(dir, 'text.txt'), out, '--resume', '--threads', '3'], /--threads must be 1 or 2/],
    [['train', join(dir, 'text.txt'), join(dir, 'fresh'), '--init-from', join(dir, 'nowhere')], /nowhere\/options\.json: no such file/],
  ];
  for (const [args, message] of /** @type {Array<[string[], RegExp]>} */ (cases)) {
    const r = await elmoWasm(...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, message, args.join(' '));
    assert.ok((await readFile(join(out, 'checkpoint.bin'))).equals(saved), `checkpoint changed by: ${args.join(' ')}`);
  }
  const resumed = await elmoWasm('train', join(dir, 'text.txt'), out, '--resume', '--epochs', '2');
  assert.equal(resumed.code, 0, resumed.stderr);
});
