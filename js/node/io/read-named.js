/** Reading a file that the user named, with an error that says which and why. */
import { readFile } from 'node:fs/promises';

/**
 * @param {string} path
 * @param {string} missing what to say when there is no such file, e.g. "no checkpoint to resume from"
 * @returns {Promise<Buffer>}
 */
export async function readNamedFile(path, missing) {
  try {
    return await readFile(path);
  } catch (e) {
    const { code, message } = /** @type {NodeJS.ErrnoException} */ (e);
    throw new Error(code === 'ENOENT' ? `${path}: ${missing}` : `cannot read ${path}: ${message}`, { cause: e });
  }
}

/**
 * @param {string} path
 * @param {string} what what the file is, e.g. "the model options"
 */
export const readNamedText = async (path, what) => (await readNamedFile(path, `no such file (${what})`)).toString('utf8');

/**
 * @param {string} path
 * @param {string} what
 * @returns {Promise<any>}
 */
export async function readNamedJson(path, what) {
  const text = await readNamedText(path, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${path} is not JSON: ${/** @type {Error} */ (e).message}`);
  }
}
