/**
 * Cookies of the Debian packages fortunes-min and fortunes (fortune-mod's
 * data, BSD licence). The files are collections of jokes, aphorisms and
 * quotations; those that are mostly quotations of identifiable works still
 * under copyright, chat logs, pictures or other languages are left out:
 *
 * - literature, humorists: quotations of (often 20th-century) authors;
 * - songs-poems: song lyrics and poems; startrek: lines from the series;
 *   pratchett: Terry Pratchett; zippy: the Zippy the Pinhead comic; tao:
 *   Geoffrey James's "The Tao of Programming";
 * - knghtbrd, debian, linux, linuxcookie, perl: IRC and mailing-list lines;
 * - ascii-art: pictures; translate-me: not English; ethnic: ethnic jokes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFortunes } from '../readers/fortune.js';

const FORTUNES_ROOT = '/usr/share/games/fortunes';

/** The files read, by package. */
export const FORTUNE_FILES = Object.freeze({
  'fortunes-min': ['fortunes', 'riddles'],
  fortunes: [
    'art', 'computers', 'cookie', 'definitions', 'disclaimer', 'drugs', 'education', 'food', 'goedel', 'kids', 'law', 'love', 'magic',
    'medicine', 'men-women', 'miscellaneous', 'news', 'paradoxum', 'people', 'pets', 'platitudes', 'politics', 'science', 'sports', 'wisdom', 'work',
  ],
});

/**
 * @param {'fortunes-min' | 'fortunes'} pkg
 * @returns {Generator<string>}
 */
export function* fortuneParagraphs(pkg) {
  for (const file of FORTUNE_FILES[pkg]) yield* parseFortunes(readFileSync(join(FORTUNES_ROOT, file), 'utf8'));
}
