/**
 * The package as users get it: `npm pack` (its prepack step builds the
 * .wasm files), installed from the tarball into an empty folder outside the
 * checkout (h5wasm from the npm cache, or the registry the first time:
 * `npm ci` caches only tarballs), with a PATH that has node, npm and sh but
 * no emscripten.
 * There `npx elmo-wasm convert | info | embed` and a script that imports
 * `elmo-wasm` run on the fixture, and give the checkout's numbers.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Elmo } from '../../js/index.js';
import { fixtureSentences, maxAbsDiff, optionsPath, weightsPath } from './fixture.js';
import { runOk } from './run-command.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

/** @type {string} */ let dir;
/** @type {string} */ let tarball;
/** @type {string[]} */ let packed;
/** @type {string} */ let app;
/** @type {NodeJS.ProcessEnv} */ let env;

/** A folder of links to sh, node, npm and npx only: the PATH of a machine without emscripten. */
async function bareBin() {
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await symlink(process.execPath, join(bin, 'node'));
  await symlink(await realpath('/bin/sh'), join(bin, 'sh'));
  for (const tool of ['npm', 'npx']) await symlink(await realpath(`/usr/bin/${tool}`), join(bin, tool));
  return bin;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'elmo-wasm-tarball-'));
  await runOk('npm', ['pack', '--pack-destination', dir], { cwd: root });
  const [name] = (await readdir(dir)).filter((f) => f.endsWith('.tgz'));
  tarball = join(dir, name);
  packed = (await runOk('tar', ['-tzf', tarball])).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  app = join(dir, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  env = { HOME: process.env.HOME, PATH: await bareBin(), ...(process.env.npm_config_cache && { npm_config_cache: process.env.npm_config_cache }) };
  await runOk('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env });
});
after(() => rm(dir, { recursive: true, force: true }));

test('the tarball has the built wasm, LICENSE, types and the library, and nothing only tests need', () => {
  for (const file of ['LICENSE', 'README.md', 'package.json', 'js/index.js', 'js/index.d.ts', 'js/node/cli.js', 'web/elmo-worker.js', 'models/FORMAT.md', 'models/registry.json', 'models/mini/model/manifest.json', 'models/mini/model/vocab.txt', 'models/mini/model-card.json']) {
    assert.ok(packed.includes(file), `${file} is in the tarball`);
  }
  for (const flavor of ['simd', 'simd-threads', 'scalar']) assert.ok(packed.includes(`js/wasm/elmo-${flavor}.wasm`), `elmo-${flavor}.wasm is in the tarball`);
  const unwanted = packed.filter((f) => /^(tests|src|include|examples|build|out|\.ci|models\/mini\/recipe)\/|^models\/mini\/(heldout-slice\.txt|SHA256SUMS)$|^CMakeLists\.txt$/.test(f));
  assert.deepEqual(unwanted, []);
});

test('exports: types first, browser and node conditions, elmo-wasm/node refused to browsers', () => {
  const main = pkg.exports['.'];
  assert.equal(Object.keys(main)[0], 'types');
  assert.ok(main.browser && main.node && main.default);
  assert.equal(pkg.exports['./node'].browser, null);
  assert.equal(pkg.license, 'Apache-2.0');
});

test('the install folder is outside the checkout and its PATH has no emcc', async () => {
  assert.ok(!app.startsWith(root), app);
  for (const d of env.PATH?.split(':') ?? []) assert.ok(!existsSync(join(d, 'emcc')), `emcc in ${d}`);
  assert.ok(existsSync(join(app, 'node_modules', 'elmo-wasm', 'js', 'wasm', 'elmo-simd.wasm')));
  assert.ok(existsSync(join(app, 'node_modules', 'h5wasm')));
});

test('npx elmo-wasm convert, info and embed, and import { Elmo } from "elmo-wasm", in the installed folder', async () => {
  const sentences = (await fixtureSentences())[0].slice(0, 4);
  await writeFile(join(app, 'input.txt'), `${sentences.join('\n')}\n`);
  const npx = (/** @type {string[]} */ ...args) => runOk('npx', ['--no-install', 'elmo-wasm', ...args], { cwd: app, env });

  assert.match(await npx('convert', optionsPath, weightsPath, 'model'), /wrote model: \d+ tensors/);
  assert.match(await npx('info', 'model'), /layers/i);
  await npx('embed', 'input.txt', 'out.jsonl', '--model', 'model', '--top', '--threads', '1');
  const cli = (await readFile(join(app, 'out.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).embedding.flat(2));

  await writeFile(join(app, 'script.js'), `import { Elmo } from 'elmo-wasm';
import { readFileSync } from 'node:fs';
const lines = readFileSync('input.txt', 'utf8').trim().split('\\n').map((l) => l.split(' '));
const elmo = await Elmo.load('model', { numThreads: 1 });
const results = await elmo.embed(lines, { layers: 'top' });
console.log(JSON.stringify({ from: import.meta.resolve('elmo-wasm'), simd: elmo.info.simd, top: results.map((r) => Array.from(r.data)) }));
elmo.dispose();
`);
  const script = JSON.parse(await runOk('node', ['script.js'], { cwd: app, env }));
  assert.ok(fileURLToPath(script.from).startsWith(join(app, 'node_modules', 'elmo-wasm')), script.from);
  assert.equal(script.simd, true);

  const elmo = await Elmo.load(join(app, 'model'), { numThreads: 1 });
  try {
    const checkout = await elmo.embed(sentences.map((s) => s.split(' ')), { layers: 'top' });
    checkout.forEach((r, i) => {
      assert.equal(maxAbsDiff(script.top[i], r.data), 0, `sentence ${i}: the installed package's numbers are the checkout's`);
      assert.ok(maxAbsDiff(cli[i], r.data) < 1e-6, `sentence ${i}: the installed CLI's numbers are the checkout's`);
    });
  } finally {
    elmo.dispose();
  }
});
