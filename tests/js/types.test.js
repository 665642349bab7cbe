/**
 * js/index.d.ts against the API as used: `tsc` accepts examples/typed-usage.ts
 * and rejects wrong uses of the new embed options.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const run = promisify(execFile);

/** @param {string[]} args */
async function typecheck(...args) {
  try {
    await run(tsc, args, { cwd: root });
    return { code: 0, output: '' };
  } catch (e) {
    return { code: e.code, output: `${e.stdout}${e.stderr}` };
  }
}

test('examples/typed-usage.ts type-checks against js/index.d.ts', async () => {
  const r = await typecheck('-p', 'examples');
  assert.equal(r.code, 0, r.output);
});

test('wrong option values and result misuse are type errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'elmo-wasm-types-'));
  try {
    const config = JSON.parse((await readFile(join(root, 'examples', 'tsconfig.json'), 'utf8')).replace(/^\s*\/\/.*$/gm, ''));
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ ...config, files: ['bad.mts'] }));
    await writeFile(
      join(dir, 'bad.mts'),
      `import { Elmo } from ${JSON.stringify(join(root, 'js', 'index.js'))};
declare const elmo: Elmo;
await elmo.embed('text', { layers: 'middle' });
await elmo.embed('text', { state: 'keep' });
const [r] = await elmo.embed('text', { output: 'elmo' });
const n: number = r.tokens;
export {};
`,
    );
    const r = await typecheck('-p', dir);
    assert.notEqual(r.code, 0);
    const errors = r.output.split('\n').filter((l) => /bad\.mts\(\d+,\d+\): error/.test(l));
    assert.deepEqual(errors.map((l) => /\((\d+),/.exec(l)?.[1]), ['3', '4', '6'], r.output);
    assert.match(r.output, /'"middle"' is not assignable/);
    assert.match(r.output, /'"keep"' is not assignable/);
    assert.match(r.output, /Type 'string\[\] \| undefined' is not assignable to type 'number'/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
