/**
 * Reads a fortune(6) data file: cookies separated by lines holding only `%`.
 * A cookie's attribution lines (`-- Author, "Work"`, indented or not) are
 * left out: they are sources, not text.
 */

const ATTRIBUTION = /^\s*(?:--|―|—)\s*\S/;

/**
 * @param {string} text the file
 * @returns {string[]} the cookies, their lines joined by spaces
 */
export function parseFortunes(text) {
  return text
    .split(/^%\s*$/m)
    .map((cookie) =>
      cookie
        .split('\n')
        .filter((line) => !ATTRIBUTION.test(line))
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
}
