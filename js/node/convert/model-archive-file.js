/**
 * The model archive on disk (models/FORMAT.md): a converted model folder
 * written as one file, streamed file by file and replaced atomically, and
 * `convert --single-file`, which converts into a scratch folder beside the
 * archive and packs it.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ARCHIVE_MAGIC, archiveHeader } from '../../format/model-archive.js';
import { parseManifest } from '../../format/model-format.js';
import { writeFileAtomically } from '../io/atomic-file.js';
import { convertModel } from './convert.js';

/**
 * The files of a model folder in archive order: the manifest, the weight
 * shards, then the softmax's shards and the vocabulary if it has them.
 * @param {import('../../format/model-format.js').Manifest} manifest
 */
const archiveFiles = (manifest) => ['manifest.json', ...manifest.shards.map((s) => s.path), ...(manifest.softmax?.shards ?? []).map((s) => s.path), ...(manifest.vocab ? [manifest.vocab.path] : [])];

/**
 * Refuses to replace anything at `path` but an earlier model archive.
 * @param {string} path
 */
async function checkReplaceable(path) {
  const info = await stat(path).catch(() => null);
  if (!info) return;
  if (!info.isFile()) throw new Error(`${path} exists and is not a file; refusing to overwrite it with a model archive`);
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(8), 0, 8, 0);
    if (bytesRead < 8 || buffer.toString('latin1') !== ARCHIVE_MAGIC) throw new Error(`${path} exists and is not an elmo-wasm model archive; refusing to overwrite it`);
  } finally {
    await handle.close();
  }
}

/**
 * Writes the model folder `modelDir` as the archive `archivePath`.
 * @param {string} modelDir
 * @param {string} archivePath
 * @returns {Promise<number>} the archive's size in bytes
 */
export async function writeModelArchive(modelDir, archivePath) {
  await checkReplaceable(archivePath);
  const manifest = parseManifest(await readFile(join(modelDir, 'manifest.json'), 'utf8'));
  const names = archiveFiles(manifest);
  const sizes = await Promise.all(names.map(async (name) => (await stat(join(modelDir, name))).size));
  const { bytes, entries } = archiveHeader(names.map((name, i) => ({ name, byteLength: sizes[i] })));
  async function* parts() {
    yield bytes;
    for (const name of names) yield* createReadStream(join(modelDir, name));
  }
  await writeFileAtomically(archivePath, parts());
  const last = entries[entries.length - 1];
  return last.offset + last.byteLength;
}

/**
 * `convertModel` into a single-file model archive: named after the archive
 * without its extension unless `opts.name` says otherwise.
 * @param {string} optionsPath
 * @param {string} weightsPath
 * @param {string} archivePath
 * @param {import('./convert.js').ConvertOptions} [opts]
 * @returns {Promise<{ manifest: import('./convert.js').ConvertedManifest, byteLength: number }>}
 */
export async function convertToArchive(optionsPath, weightsPath, archivePath, opts = {}) {
  await checkReplaceable(archivePath);
  await mkdir(dirname(resolve(archivePath)), { recursive: true });
  const scratch = await mkdtemp(join(dirname(resolve(archivePath)), `.${basename(archivePath)}.partial-`));
  try {
    const modelDir = join(scratch, 'model');
    const manifest = await convertModel(optionsPath, weightsPath, modelDir, { name: basename(archivePath, extname(archivePath)), ...opts });
    return { manifest, byteLength: await writeModelArchive(modelDir, archivePath) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
