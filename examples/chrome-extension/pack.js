#!/usr/bin/env node
// Assembles the unpacked extension: this folder's files, the browser part of
// elmo-wasm (js/ without js/node/, the .wasm builds, web/elmo-worker.js) in
// elmo-wasm/, and a converted model in model/. Load the result with
// chrome://extensions > Load unpacked.
//   node pack.js <model-dir> [out-dir (default: dist/)]
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const FILES = ['manifest.json', 'background.js', 'panel.html', 'panel.js'];

/**
 * @param {string} modelDir a converted model folder
 * @param {string} [outDir]
 * @param {string} [library] the elmo-wasm package folder (default: this checkout)
 * @returns {Promise<string>} the extension folder
 */
export async function packExtension(modelDir, outDir = join(here, 'dist'), library = join(here, '..', '..')) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'elmo-wasm', 'web'), { recursive: true });
  for (const file of FILES) await cp(join(here, file), join(outDir, file));
  await cp(join(library, 'js'), join(outDir, 'elmo-wasm', 'js'), { recursive: true, filter: (src) => !src.startsWith(join(library, 'js', 'node')) });
  await cp(join(library, 'web', 'elmo-worker.js'), join(outDir, 'elmo-wasm', 'web', 'elmo-worker.js'));
  await cp(modelDir, join(outDir, 'model'), { recursive: true });
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [modelDir, outDir] = process.argv.slice(2);
  if (!modelDir) {
    console.error('usage: node pack.js <model-dir> [out-dir]');
    process.exit(2);
  }
  console.log(await packExtension(modelDir, outDir));
}
