// esbuild bundles the app and, as an entry of its own, the library's worker;
// it does not follow `new Worker(new URL(…))` or `new URL('….wasm',
// import.meta.url)`, so the helper thread's script (which imports nothing)
// and the .wasm files are copied, and esbuild-main.js gives their URLs.
// `node esbuild.build.js` builds dist/esbuild/.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * @param {{ outDir?: string, alias?: Record<string, string> }} [options] alias: e.g. elmo-wasm -> a checkout
 * @returns {Promise<string>} the output folder
 */
export async function buildWithEsbuild({ outDir = join(here, 'dist', 'esbuild'), alias = {} } = {}) {
  const library = alias['elmo-wasm'] ?? dirname(fileURLToPath(import.meta.resolve('elmo-wasm/package.json', `file://${here}`)));
  await esbuild.build({
    absWorkingDir: here,
    entryPoints: { main: 'esbuild-main.js', 'elmo-worker': join(library, 'web', 'elmo-worker.js') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    alias,
    external: ['node:*'],
    logLevel: 'error',
  });
  await mkdir(join(outDir, 'wasm'), { recursive: true });
  await copyFile(join(here, 'index.html'), join(outDir, 'index.html'));
  await copyFile(join(library, 'js', 'core', 'thread-helper-worker.js'), join(outDir, 'thread-helper-worker.js'));
  for (const build of ['elmo-simd', 'elmo-simd-threads', 'elmo-scalar']) {
    await copyFile(join(library, 'js', 'wasm', `${build}.wasm`), join(outDir, 'wasm', `${build}.wasm`));
  }
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWithEsbuild();
