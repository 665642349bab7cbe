/**
 * Reads the trainer's input from disk: a text file, or a folder whose .txt
 * files are read in name order (code unit order, not recursive). Files are
 * read in chunks, so a text larger than memory's string limits works as long
 * as its corpus fits.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Corpus } from '../../train/corpus.js';
import { TextReader } from '../../train/text.js';

const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * @typedef {import('../../train/text.js').TextStats & { path: string }} FileStats
 */

/**
 * @param {string} path
 * @returns {Promise<string[]>} the files to read
 */
async function inputFiles(path) {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ENOENT') throw new Error(`${path}: no such file or folder`);
    throw e;
  }
  if (info.isFile()) return [path];
  if (!info.isDirectory()) throw new Error(`${path} is neither a file nor a folder`);
  const entries = await readdir(path, { withFileTypes: true });
  const names = entries.filter((e) => e.isFile() && e.name.endsWith('.txt')).map((e) => e.name).sort();
  if (names.length === 0) throw new Error(`${path}: the folder has no .txt files`);
  return names.map((name) => join(path, name));
}

/**
 * @param {string} file
 * @param {Corpus} corpus
 * @param {{ tokenize?: boolean }} options
 * @returns {Promise<FileStats>}
 */
async function readFileInto(file, corpus, options) {
  const reader = new TextReader(corpus, file, options);
  const handle = await open(file, 'r');
  try {
    const chunk = new Uint8Array(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      reader.push(chunk.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return { path: file, ...reader.finish() };
}

/**
 * Reads a training text: one sentence per line, white-space-tokenized, or
 * with `tokenize: true` by the built-in tokenizer. An empty file, or one
 * that is binary (a NUL byte, more than 1% of bytes not UTF-8), is an error
 * naming it.
 * @param {string} path a file, or a folder of .txt files
 * @param {{ tokenize?: boolean, corpus?: Corpus }} [options] corpus: add to this one (e.g. a second text) instead of a new one
 * @returns {Promise<{ corpus: Corpus, files: FileStats[] }>}
 */
export async function readTrainingText(path, { tokenize = false, corpus = new Corpus() } = {}) {
  const files = [];
  for (const file of await inputFiles(path)) files.push(await readFileInto(file, corpus, { tokenize }));
  return { corpus, files };
}
