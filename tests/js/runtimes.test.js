/**
 * Deno and Bun (the npm packages `deno` and `bun`, devDependencies) run the
 * CLI and the Node API and give Node's numbers, bit for bit: the same
 * converted shards, `info` text, JSON lines and HDF5 bytes, and the same
 * embeddings from `Elmo` on 2 threads and from `ElmoWorker` (which Node,
 * without a global Worker, does not run).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fixtureSentences, optionsPath, weightsPath } from './fixture.js';
import { runOk } from './run-command.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'js', 'node', 'cli.js');
const bin = (/** @type {string} */ name) => join(root, 'node_modules', '.bin', name);
const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1' };

/** How each runtime runs a script: [program, ...arguments before the script]. */
const RUNTIMES = {
  node: [process.execPath],
  deno: [bin('deno'), 'run', '-A'],
  bun: [bin('bun')],
};

/** @param {keyof typeof RUNTIMES} runtime @param {string[]} args */
const run = (runtime, ...args) => {
  const [program, ...pre] = RUNTIMES[runtime];
  return runOk(program, [...pre, ...args], { cwd: dir, env });
};

/** Embeds the input with `Elmo` (2 threads) and `ElmoWorker`, and says what ran. */
const API_SCRIPT = `import { Elmo, ElmoWorker } from ${JSON.stringify(join(root, 'js', 'index.js'))};
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const lines = readFileSync('input.txt', 'utf8').trim().split('\\n').map((l) => l.split(' '));
const elmo = await Elmo.load('model', { numThreads: 2 });
const engine = (await elmo.embed(lines)).map((r) => Array.from(r.data));
const { threads, simd } = elmo.info;
elmo.dispose();
let worker = null;
try {
  const w = await ElmoWorker.load(pathToFileURL('model/'), { numThreads: 1 });
  worker = (await w.embed(lines)).map((r) => Array.from(r.data));
  w.dispose();
} catch (e) {
  worker = String(e);
}
console.log(JSON.stringify({ threads, simd, engine, worker }));
`;

/** @type {string} */ let dir;
/** @type {Record<string, { manifest: any, info: string, jsonl: string, hdf5: Buffer, api: any }>} */
const outputs = {};

before(async () => {
  for (const name of ['deno', 'bun']) assert.ok(existsSync(bin(name)), `${bin(name)} is missing: run npm ci (deno and bun are devDependencies)`);
  dir = await mkdtemp(join(tmpdir(), 'elmo-wasm-runtimes-'));
  const sentences = (await fixtureSentences())[1].slice(0, 5);
  await writeFile(join(dir, 'input.txt'), `${sentences.join('\n')}\n`);
  await writeFile(join(dir, 'api.mjs'), API_SCRIPT);
  for (const runtime of /** @type {(keyof typeof RUNTIMES)[]} */ (Object.keys(RUNTIMES))) {
    const model = `model-${runtime}`;
    await run(runtime, cli, 'convert', optionsPath, weightsPath, model);
    const info = await run(runtime, cli, 'info', model);
    // Every runtime embeds Node's conversion, so that the outputs compare the embedding alone.
    await run(runtime, cli, 'embed', 'input.txt', `${runtime}.jsonl`, '--model', 'model-node', '--top', '--threads', '2');
    await run(runtime, cli, 'embed', 'input.txt', `${runtime}.hdf5`, '--model', 'model-node', '--threads', '1');
    if (runtime === 'node') await run('node', cli, 'convert', optionsPath, weightsPath, 'model');
    outputs[runtime] = {
      manifest: JSON.parse(await readFile(join(dir, model, 'manifest.json'), 'utf8')),
      info: info.replaceAll(model, 'MODEL'),
      jsonl: await readFile(join(dir, `${runtime}.jsonl`), 'utf8'),
      hdf5: await readFile(join(dir, `${runtime}.hdf5`)),
      api: JSON.parse(await run(runtime, 'api.mjs')),
    };
  }
});
after(() => rm(dir, { recursive: true, force: true }));

for (const runtime of /** @type {const} */ (['deno', 'bun'])) {
  describe(`${runtime} gives Node's results`, () => {
    test('convert writes the same shards and tensors', () => {
      assert.deepEqual(outputs[runtime].manifest.shards, outputs.node.manifest.shards);
      assert.deepEqual(outputs[runtime].manifest.weights, outputs.node.manifest.weights);
    });
    test('info prints the same description', () => assert.equal(outputs[runtime].info, outputs.node.info));
    test('embed writes the same JSON lines (2 threads) and HDF5 bytes (1 thread)', () => {
      assert.ok(outputs.node.jsonl.length > 1000);
      assert.equal(outputs[runtime].jsonl, outputs.node.jsonl);
      assert.ok(outputs[runtime].hdf5.equals(outputs.node.hdf5), 'the HDF5 files are byte for byte the same');
    });
    test('Elmo runs the SIMD build on 2 threads with the same numbers', () => {
      const { api } = outputs[runtime];
      assert.deepEqual({ threads: api.threads, simd: api.simd }, { threads: 2, simd: true });
      assert.deepEqual(api.engine, outputs.node.api.engine);
    });
    test('ElmoWorker runs (a module Web Worker) with the same numbers', () => {
      assert.deepEqual(outputs[runtime].api.worker, outputs.node.api.engine);
    });
  });
}

test('Node has no global Worker: ElmoWorker refuses there and says to use Elmo', () => {
  assert.match(outputs.node.api.worker, /ElmoWorker needs Web Workers .* in Node\.js use Elmo/);
});
