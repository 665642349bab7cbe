/**
 * Cleaning raw text before it is tokenized: one spelling for quotes and
 * dashes, no italics markers, no verse numbers, and a test for boilerplate.
 */

/**
 * Normalizes a paragraph: Unicode NFC; pilcrows (¶, the KJV's paragraph
 * marks) dropped; curly quotes to straight ones (so
 * `don’t` and `don't` tokenize alike); dashes between words — `—`, `―`,
 * `--`, and `–` except between digits (`3–5` becomes `3-5`) — to ` — `, a
 * token of its own; `_italics_` markers and `{cross-reference}` braces
 * dropped, their words kept; white space collapsed.
 * @param {string} text
 * @returns {string}
 */
export function normalizeText(text) {
  return text
    .normalize('NFC')
    .replace(/¶/g, ' ')
    .replace(/[‘’‚‛′]/g, "'")
    .replace(/[“”„‟″]/g, '"')
    .replace(/(\d)–(?=\d)/g, '$1-')
    .replace(/\s*(?:[—―–]|-{2,})\s*/g, ' — ')
    .replace(/(^|[^\p{L}\p{N}])_+|_+(?=$|[^\p{L}\p{N}])/gu, '$1')
    .replace(/[{}]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const VERSE_HEADING = /^(?:(?:verses?|vers?\.|vv?\.)\s*)?\d+(?::\d+)?(?:\s*[-–,]\s*\d+(?::\d+)?)*\.?(?:\s+|$)/i;
const VERSE_RANGE = /\s*\((?:vv?\.\s*)?\d+(?::\d+)?(?:\s*[-–,]\s*\d+(?::\d+)?)*\)/g;
const BRACKETED_NUMBER = /\s*[[{]\d+(?::\d+)?[\]}]/g;

/**
 * Removes verse numbers from a paragraph of Bible text or commentary: a
 * leading `1:1`, `12`, `Verse 3.`, `Ver. 4.` or `Verses 1-12`, and inline
 * `(1-12)`, `[5]` and `{3:16}`. References with a book name (`Psa 25:14`)
 * stay: they are words of the sentence.
 * @param {string} text
 * @returns {string}
 */
export function stripVerseNumbers(text) {
  return text.replace(BRACKETED_NUMBER, '').replace(VERSE_RANGE, '').replace(VERSE_HEADING, '').trim();
}

/**
 * What marks a sentence as packaging rather than text: licence and
 * copyright notices, Project Gutenberg's header and footer, addresses.
 * (Not "public domain" alone: the State of the Union addresses speak of the
 * public domain, the nation's land.)
 */
const BOILERPLATE = [
  /\bgutenberg\b/i,
  /\bcopyright/i,
  /\ball rights reserved\b/i,
  /\blicen[cs]e[ds]?\b.*\b(?:terms|distribut|permission|free)/i,
  /\b(?:is|are|into|in) the public domain\b.*\b(?:cop(?:y|ied)|distribut|publish|text|translation|bible|work)/i,
  /\b(?:cop(?:y|ied)|distribut|publish|text|translation|bible|work)\b.*\b(?:is|are|into|in) the public domain\b/i,
  /\btrademark/i,
  /\bhttps?:\/\/|\bwww\.|\bftp\./i,
  /[\w.+-]+@[\w-]+\.[\w.-]+/,
];

/**
 * @param {string} text a sentence
 * @returns {boolean}
 */
export function isBoilerplate(text) {
  return BOILERPLATE.some((re) => re.test(text));
}
