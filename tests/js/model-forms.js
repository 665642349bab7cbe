/**
 * A model folder in the other forms Elmo.load takes, made here from the
 * folder's files as they are (hostile ones too): a model archive built with
 * the format's own header code, and a Map of its files.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { archiveHeader } from '../../js/format/model-archive.js';

/**
 * The folder's files: manifest.json first, then the others by name.
 * @param {string} dir
 * @returns {Promise<Array<[string, Uint8Array]>>}
 */
async function folderFiles(dir) {
  const names = (await readdir(dir)).filter((n) => n !== 'manifest.json').sort();
  return Promise.all(['manifest.json', ...names].map(async (name) => [name, new Uint8Array(await readFile(join(dir, name)))]));
}

/**
 * @param {string} dir
 * @returns {Promise<Uint8Array>} the folder as a model archive
 */
export async function archiveOf(dir) {
  const files = await folderFiles(dir);
  const { bytes } = archiveHeader(files.map(([name, b]) => ({ name, byteLength: b.length })));
  return new Uint8Array(Buffer.concat([bytes, ...files.map(([, b]) => b)]));
}

/**
 * @param {string} dir
 * @returns {Promise<Map<string, Uint8Array>>} the folder's files by name
 */
export const filesOf = async (dir) => new Map(await folderFiles(dir));
