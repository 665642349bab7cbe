/**
 * A small Penn-Treebank-like tokenizer for raw text, so `embed("raw text")`
 * works: ELMo's models were trained on tokenized text (the 1B Word Benchmark),
 * where punctuation and clitics are separate tokens.
 *
 * Splits off punctuation and the clitics n't 's 're 've 'll 'd 'm; keeps
 * abbreviations with inner periods (U.S., e.g., Ph.D.), common titles (Mr.,
 * Dr., …), numbers (3.14, 1,000, 10:30), hyphenated words, URLs and e-mail
 * addresses whole. Returns each token's UTF-16 offsets into the text.
 */

/**
 * @typedef {object} TokenizedText
 * @property {string[]} tokens
 * @property {Array<[number, number]>} offsets [start, end) of each token in the text
 */

const TITLES = new Set(
  'mr mrs ms dr prof st jr sr vs etc inc ltd co corp mt ft no gen col lt sgt rev gov sen rep jan feb mar apr jun jul aug sep sept oct nov dec'.split(' '),
);
const OPENING = /^(?:``|[("[{<«“‘'"`¿¡$£€¥#])/u;
const CLOSING = /(?:''|\.\.\.|…|[)\]}>»”’"',;:!?%])$/u;
const CLITIC = /^(.+?)(n['’]t|['’](?:s|re|ve|ll|d|m))$/iu;
const WHOLE = [
  /^[a-z][a-z0-9+.-]*:\/\/\S*[^\s.,;:!?)\]}'"]$/iu, // URL, less a final punctuation mark
  /^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$/u, // e-mail
  /^[+-]?\d+(?:[.,:/]\d+)*$/u, // numbers, times, dates
];

/** @param {string} word without its final period */
function keepsPeriod(word) {
  return (
    /^(?:\p{L}\.)+\p{L}$/u.test(word) || // U.S -> "U.S."; e.g -> "e.g."
    /^\p{Lu}$/u.test(word) || // an initial: "J."
    TITLES.has(word.toLowerCase())
  );
}

/**
 * Splits one whitespace-free chunk at [start, start + chunk.length).
 * @param {string} chunk
 * @param {number} start
 * @param {TokenizedText} out
 */
function splitChunk(chunk, start, out) {
  /** @type {Array<[string, number]>} */
  const tail = [];
  let lo = 0;
  let hi = chunk.length;
  const push = (/** @type {number} */ a, /** @type {number} */ b) => {
    out.tokens.push(chunk.slice(a, b));
    out.offsets.push([start + a, start + b]);
  };
  for (;;) {
    const core = chunk.slice(lo, hi);
    if (core.length <= 1 || WHOLE.some((re) => re.test(core))) break;
    const open = OPENING.exec(core);
    if (open) {
      push(lo, lo + open[0].length);
      lo += open[0].length;
      continue;
    }
    const close = CLOSING.exec(core);
    if (close) {
      tail.push([close[0], hi - close[0].length]);
      hi -= close[0].length;
      continue;
    }
    if (core.endsWith('.') && !keepsPeriod(core.slice(0, -1))) {
      tail.push(['.', hi - 1]);
      hi -= 1;
      continue;
    }
    break;
  }
  // Clitics peel off from the right: "we'd've" -> we 'd 've.
  for (let clitic = CLITIC.exec(chunk.slice(lo, hi)); clitic; clitic = CLITIC.exec(chunk.slice(lo, hi))) {
    tail.push([clitic[2], hi - clitic[2].length]);
    hi -= clitic[2].length;
  }
  if (hi > lo) push(lo, hi);
  for (let i = tail.length - 1; i >= 0; i--) {
    const [text, at] = tail[i];
    push(at, at + text.length);
  }
}

/**
 * @param {string} text
 * @returns {TokenizedText}
 */
export function tokenize(text) {
  /** @type {TokenizedText} */
  const out = { tokens: [], offsets: [] };
  for (const match of text.matchAll(/\S+/gu)) splitChunk(match[0], /** @type {number} */ (match.index), out);
  return out;
}
