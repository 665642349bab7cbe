/** A model's manifest text, from its folder or its archive file, with an error naming what is missing. */
import { openModelSource } from '../../load/open-model-source.js';

/**
 * @param {string} model a model folder or archive file
 * @returns {Promise<string>}
 */
export async function readModelManifest(model) {
  const source = await openModelSource(model);
  try {
    return await source.readText('manifest.json');
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code !== 'ENOENT') throw e;
    throw new Error(`${model} is not a model directory: it has no manifest.json (nor is it a model archive)`, { cause: e });
  }
}
