/**
 * Paragraphs of Jane Austen's six novels from the Debian package
 * r-cran-janeaustenr: each novel is a character vector of the book's lines
 * in the package's lazy-load data, paragraphs separated by empty lines.
 */
import { readLazyLoadDb } from '../readers/r-lazyload.js';
import { linesToParagraphs } from '../text/paragraphs.js';

export const JANEAUSTENR_DATA = '/usr/lib/R/site-library/janeaustenr/data/Rdata';

/** @returns {Generator<string>} */
export function* janeAustenParagraphs() {
  for (const [name, novel] of readLazyLoadDb(JANEAUSTENR_DATA)) {
    const lines = /** @type {import('../readers/r-lazyload.js').RVector} */ (novel).values;
    if (!Array.isArray(lines) || lines.some((line) => line !== null && typeof line !== 'string')) throw new Error(`janeaustenr: ${name} is not a character vector`);
    yield* linesToParagraphs(/** @type {Array<string | null>} */ (lines));
  }
}
