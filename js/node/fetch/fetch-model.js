/**
 * `elmo-wasm fetch <name>`: a released model, downloaded (resumably), checked,
 * converted, and left ready in the user's cache:
 *
 *   <cacheDir>/downloads/<name>/   options.json and weight file while they download
 *   <cacheDir>/models/<name>/      the converted model directory
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseManifest } from '../../format/model-format.js';
import { defaultCacheDir } from './cache-dir.js';
import { convertModel } from '../convert/convert.js';
import { downloadFile } from './download-file.js';
import { loadRegistry, modelUrls, registryModel } from './model-registry.js';

/**
 * @typedef {{ stage: 'download', file: 'options' | 'weights', loaded: number, total: number | null }
 *   | { stage: 'convert', done: number, total: number }} FetchProgress
 */

/**
 * @typedef {object} FetchModelOptions
 * @property {string} [cacheDir] default: defaultCacheDir()
 * @property {string | URL} [baseUrl] a mirror with the registry's layout; default the registry's
 * @property {import('./model-registry.js').Registry} [registry] default: models/registry.json
 * @property {boolean} [keepDownloads] keep options.json and the weight file after converting
 * @property {(event: FetchProgress) => void} [onProgress]
 * @property {number} [retries] see downloadFile
 * @property {number} [retryDelay] see downloadFile
 * @property {AbortSignal} [signal]
 */

/**
 * @typedef {object} FetchedModel
 * @property {string} modelDir the ready model directory
 * @property {boolean} alreadyReady true when it was there before and nothing was done
 * @property {Record<'options' | 'weights', { bytes: number, resumedFrom: number } | 'present'>} [downloads]
 *   what each file took: a download (resumed from byte `resumedFrom`), or a file already complete
 */

/**
 * A model directory whose manifest parses and whose shards all have their
 * sizes. (Their sha256 is checked by every load.)
 * @param {string} dir
 * @returns {Promise<boolean>}
 */
export async function isReadyModelDir(dir) {
  let manifest;
  try {
    manifest = parseManifest(await readFile(join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return false;
  }
  for (const shard of manifest.shards) {
    const size = await stat(join(dir, shard.path)).then((s) => s.size, () => -1);
    if (size !== shard.byteLength) return false;
  }
  return true;
}

/** @param {string} path */
const exists = (path) => stat(path).then(() => true, () => false);

/**
 * What to do by hand when the download fails, e.g. on a machine that reaches
 * no model host.
 * @param {string} name
 * @param {{ options: URL, weights: URL }} urls
 * @param {string} downloadDir
 * @param {string} modelDir
 * @param {string} cacheDir
 */
function byHandInstructions(name, urls, downloadDir, modelDir, cacheDir) {
  const optionsFile = join(downloadDir, basename(urls.options.pathname));
  const weightsFile = join(downloadDir, basename(urls.weights.pathname));
  const again = cacheDir === defaultCacheDir() ? '' : ` --cache-dir ${cacheDir}`;
  return [
    `Download these two files by hand:`,
    `  ${urls.options}`,
    `  ${urls.weights}`,
    `and put them in ${downloadDir}/, then run \`elmo-wasm fetch ${name}${again}\` again; or convert them yourself:`,
    `  elmo-wasm convert ${optionsFile} ${weightsFile} ${modelDir}`,
  ].join('\n');
}

/**
 * Fetches the released model `name` into the cache (see the top of this file).
 * Does nothing when it is already there. A failed download leaves its
 * `.part` file, which the next call continues.
 * @param {string} name a key of models/registry.json, e.g. "small"
 * @param {FetchModelOptions} [options]
 * @returns {Promise<FetchedModel>}
 */
export async function fetchModel(name, options = {}) {
  const registry = options.registry ?? (await loadRegistry());
  const model = registryModel(registry, name);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const modelDir = join(cacheDir, 'models', name);
  if (await isReadyModelDir(modelDir)) return { modelDir, alreadyReady: true };

  const urls = modelUrls(registry, model, options.baseUrl);
  const downloadDir = join(cacheDir, 'downloads', name);
  const files = {
    options: join(downloadDir, basename(urls.options.pathname)),
    weights: join(downloadDir, basename(urls.weights.pathname)),
  };
  await mkdir(downloadDir, { recursive: true });
  /** @type {NonNullable<FetchedModel['downloads']>} */
  const downloads = { options: 'present', weights: 'present' };
  for (const file of /** @type {const} */ (['options', 'weights'])) {
    // A complete file is one without `.part`: placed by hand, or kept from a run that failed later.
    if (await exists(files[file])) continue;
    try {
      downloads[file] = await downloadFile(urls[file].href, files[file], {
        expectedBytes: file === 'weights' ? model.weightsBytes : null,
        retries: options.retries,
        retryDelay: options.retryDelay,
        signal: options.signal,
        onProgress: (loaded, total) => options.onProgress?.({ stage: 'download', file, loaded, total }),
      });
    } catch (e) {
      if (options.signal?.aborted) throw e;
      const reason = /** @type {Error} */ (e).message;
      throw new Error(`cannot download the ${name} model: ${reason}\n${byHandInstructions(name, urls, downloadDir, modelDir, cacheDir)}`, {
        cause: e,
      });
    }
  }
  if (model.weightsBytes !== null) {
    const size = (await stat(files.weights)).size;
    if (size !== model.weightsBytes) {
      throw new Error(`${files.weights} has ${size} bytes, but the ${name} model's weight file has ${model.weightsBytes}; delete it and fetch again`);
    }
  }
  await convertModel(files.options, files.weights, modelDir, {
    name,
    onProgress: ({ done, total }) => options.onProgress?.({ stage: 'convert', done, total }),
  });
  if (!options.keepDownloads) await rm(downloadDir, { recursive: true, force: true });
  return { modelDir, alreadyReady: false, downloads };
}
