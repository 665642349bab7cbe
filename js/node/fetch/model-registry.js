/**
 * The released ELMo models (models/registry.json): where their files are and
 * what they are, for `elmo-wasm fetch`.
 */
import { readFile } from 'node:fs/promises';

/**
 * @typedef {object} RegistryModel
 * @property {string} description
 * @property {number} lstmDim
 * @property {number} projectionDim
 * @property {number} nLayers
 * @property {number} nHighway
 * @property {string} options the options.json path, relative to the base URL
 * @property {string} weights the weight file's path, relative to the base URL
 * @property {number | null} weightsBytes the weight file's exact size, null when unknown
 * @property {number} approxWeightsMB
 */

/**
 * @typedef {object} Registry
 * @property {string} baseUrl
 * @property {Record<string, RegistryModel>} models
 */

const REGISTRY_URL = new URL('../../../models/registry.json', import.meta.url);

/** @returns {Promise<Registry>} the registry shipped with the package */
export async function loadRegistry() {
  return JSON.parse(await readFile(REGISTRY_URL, 'utf8'));
}

/**
 * @param {Registry} registry
 * @param {string} name
 * @returns {RegistryModel}
 */
export function registryModel(registry, name) {
  if (!Object.hasOwn(registry.models, name)) {
    throw new RangeError(`unknown model ${JSON.stringify(name)}; the released models are: ${Object.keys(registry.models).join(', ')}`);
  }
  return registry.models[name];
}

/**
 * The two download URLs of a model, under `baseUrl` (a mirror with the
 * registry's layout) or the registry's own.
 * @param {Registry} registry
 * @param {RegistryModel} model
 * @param {string | URL} [baseUrl]
 * @returns {{ options: URL, weights: URL }}
 */
export function modelUrls(registry, model, baseUrl = registry.baseUrl) {
  let base;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new TypeError(`base URL ${JSON.stringify(String(baseUrl))} is not an absolute URL`);
  }
  // Without the final slash, new URL(path, base) would drop base's last segment.
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return { options: new URL(model.options, base), weights: new URL(model.weights, base) };
}
